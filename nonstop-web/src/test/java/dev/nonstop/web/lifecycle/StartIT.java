package dev.nonstop.web.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import dev.nonstop.web.Engine;
import dev.nonstop.web.testing.RawConnection;
import dev.nonstop.web.testing.Servers;
import io.netty.channel.epoll.Epoll;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** start(port), port(), start twice, a busy port, and SO_REUSEPORT. */
class StartIT {
  @RegisterExtension
  static final Servers servers = new Servers();

  /** An engine that answers GET /who with {@code name}; the test starts it, Servers stops it. */
  private static Engine engine(Engine.Builder b, String name) {
    Engine e = b.build();
    e.get("/who", c -> c.string(200, name));
    return servers.add(e);
  }

  @Test
  void startOnPortZeroReportsTheBoundPort() throws Exception {
    Engine app = engine(Engine.builder(), "a").start(0);

    assertThat(app.port()).isBetween(1, 65535);
    assertThat(RawConnection.get(app.port(), "/who").body()).isEqualTo("a");
  }

  @Test
  void portBeforeStartIsAnError() {
    Engine app = engine(Engine.builder(), "a");

    assertThatThrownBy(app::port).isInstanceOf(IllegalStateException.class).hasMessageContaining("not started");
  }

  @Test
  void startTwiceThrows() {
    Engine app = engine(Engine.builder(), "a").start(0);

    assertThatThrownBy(() -> app.start(0)).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("already started on port " + app.port());
  }

  @Test
  void anInvalidPortIsRejectedWithTheValue() {
    Engine app = engine(Engine.builder(), "a");

    assertThatThrownBy(() -> app.start(70000)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("port: 70000 (expected: 0-65535)");
  }

  @Test
  void routesCannotBeAddedAfterStart() {
    Engine app = engine(Engine.builder(), "a").start(0);

    assertThatThrownBy(() -> app.get("/late", c -> {})).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("/late");
  }

  @Test
  void aBusyPortFailsNamingTheAddressAndTheEngineCanStartElsewhere() throws Exception {
    try (ServerSocket taken = new ServerSocket(0)) {
      Engine app = engine(Engine.builder(), "a");

      assertThatThrownBy(() -> app.start(taken.getLocalPort())).isInstanceOf(IllegalStateException.class)
          .hasMessageContaining(":" + taken.getLocalPort());

      app.start(0);
      assertThat(RawConnection.get(app.port(), "/who").status()).isEqualTo(200);
      assertThat(RawConnection.get(app.port(), "/readyz").status()).isEqualTo(200);
    }
  }

  @Test
  void reusePortLetsTwoEnginesServeOnePort() throws Exception {
    assumeThat(Epoll.isAvailable()).as("SO_REUSEPORT needs the epoll transport").isTrue();
    Engine a = engine(Engine.builder().reusePort(true), "a").start(0);
    Engine b = engine(Engine.builder().reusePort(true), "b").start(a.port());
    assertThat(b.port()).isEqualTo(a.port());

    // The kernel spreads new connections by a hash of the client address: 64 fresh ones reach both.
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < 64 && seen.size() < 2; i++) {
      seen.add(RawConnection.get(a.port(), "/who").body());
    }
    assertThat(seen).containsExactlyInAnyOrder("a", "b");

    // One process hands the port to the other: after a's drain, every new connection reaches b.
    a.stop(Duration.ofSeconds(1));
    for (int i = 0; i < 16; i++) {
      assertThat(RawConnection.get(b.port(), "/who").body()).isEqualTo("b");
    }
  }

  @Test
  void withoutReusePortASecondEngineCannotBindTheSamePort() {
    Engine a = engine(Engine.builder(), "a").start(0);
    Engine b = engine(Engine.builder(), "b");

    assertThatThrownBy(() -> b.start(a.port())).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("cannot listen on");
  }
}
