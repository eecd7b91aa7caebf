package dev.nonstop.web.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nonstop.web.Engine;
import dev.nonstop.web.Handoff;
import dev.nonstop.web.testing.RawConnection;
import dev.nonstop.web.testing.Servers;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@link Engine#handoff()} where there is nothing to hand over: it says why, starts no process and
 * changes nothing. (The handoffs that do start a process are in {@link HandoffIT}.)
 */
class HandoffRefusalIT {
  @RegisterExtension
  static final Servers servers = new Servers();

  private static Engine engine(Engine.Builder b) {
    Engine e = b.handoffOnHangup(true).build();
    e.get("/", c -> c.string(200, "ok"));
    return servers.add(e);
  }

  @Test
  void beforeStartThereIsNothingToHandOver() {
    Handoff h = engine(Engine.builder()).handoff();

    assertThat(h.status()).isEqualTo(Handoff.Status.NOT_SERVING);
    assertThat(h.succeeded()).isFalse();
    assertThat(h.pid()).isEqualTo(-1);
    assertThat(h.detail()).isEqualTo("the engine has not started");
  }

  @Test
  void onNioTheHandoffIsUnsupportedAndTheEngineServesOn() throws Exception {
    Engine app = engine(Engine.builder().nativeTransport(false)).start(0);

    Handoff h = app.handoff();

    assertThat(h.status()).isEqualTo(Handoff.Status.UNSUPPORTED);
    assertThat(h.detail()).isEqualTo("handoff needs Linux and the epoll transport, and this engine runs on nio; nothing done");
    assertThat(app.isDraining()).isFalse();
    assertThat(RawConnection.get(app.port(), "/").status()).isEqualTo(200);
  }

  @Test
  void aDrainingEngineHandsNothingOver() {
    Engine app = engine(Engine.builder()).start(0);
    app.stop(Duration.ZERO);

    Handoff h = app.handoff();

    assertThat(h.status()).isEqualTo(Handoff.Status.NOT_SERVING);
    assertThat(h.detail()).isEqualTo("the engine is draining");
  }
}
