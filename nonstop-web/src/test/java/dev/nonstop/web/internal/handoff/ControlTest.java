package dev.nonstop.web.internal.handoff;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The control connection's line framing and messages. */
class ControlTest {
  private final List<String> lines = new ArrayList<>();
  private final EmbeddedChannel channel = new EmbeddedChannel();

  {
    Control.addLines(channel.pipeline(), lines::add);
  }

  private void receive(String text) {
    channel.writeInbound(Unpooled.copiedBuffer(text, StandardCharsets.UTF_8));
  }

  @Test
  void linesSplitAcrossReadsAndSeveralInOneReadAreEachDeliveredOnce() {
    receive("rea");
    assertThat(lines).isEmpty();
    receive("dy\nfailed no\n");
    receive("go\n");

    assertThat(lines).containsExactly("ready", "failed no", "go");
    assertThat(channel.finishAndReleaseAll()).isFalse();
  }

  @Test
  void aCharacterSplitAcrossReadsIsDecodedWhole() {
    byte[] e = "é\n".getBytes(StandardCharsets.UTF_8);
    channel.writeInbound(Unpooled.wrappedBuffer(e, 0, 1));
    channel.writeInbound(Unpooled.wrappedBuffer(e, 1, e.length - 1));

    assertThat(lines).containsExactly("é");
  }

  @Test
  void aLineLongerThanTheLimitClosesTheConnection() {
    receive("x".repeat(Control.MAX_LINE + 1));

    assertThat(channel.isOpen()).isFalse();
    assertThat(lines).isEmpty();
  }

  @Test
  void sendWritesOneLineWhateverTheReasonContains() {
    EmbeddedChannel out = new EmbeddedChannel();
    Control.send(out, "failed cannot listen\non 8080\r");

    ByteBuf written = out.readOutbound();
    try {
      assertThat(written.toString(StandardCharsets.UTF_8)).isEqualTo("failed cannot listen on 8080 \n");
    } finally {
      written.release();
    }
    assertThat(out.finishAndReleaseAll()).isFalse();
  }

  @Test
  void failureReadsTheReasonOfAFailedLineOnly() {
    assertThat(Control.failure("failed cannot listen on :8080")).isEqualTo("cannot listen on :8080");
    assertThat(Control.failure("failed")).isEmpty();
    assertThat(Control.failure("ready")).isNull();
    assertThat(Control.failure("failedX")).isNull();
  }
}
