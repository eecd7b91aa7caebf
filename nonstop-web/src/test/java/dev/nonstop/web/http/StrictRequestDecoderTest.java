package dev.nonstop.web.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class StrictRequestDecoderTest {
  private final EmbeddedChannel ch = new EmbeddedChannel(new StrictRequestDecoder(new HttpDecoderConfig(), () -> {}));

  @AfterEach
  void close() {
    ch.finishAndReleaseAll();
  }

  private void write(String... parts) {
    for (String p : parts) {
      ch.writeInbound(Unpooled.copiedBuffer(p, StandardCharsets.ISO_8859_1));
    }
  }

  /** The decoded heads, each as "ok" or its failure's message; body parts as their text. */
  private List<String> decoded() {
    List<String> out = new ArrayList<>();
    Object m;
    while ((m = ch.readInbound()) != null) {
      try {
        if (m instanceof HttpRequest r) {
          out.add(r.decoderResult().isSuccess() ? "ok " + r.uri() : "failed: " + r.decoderResult().cause().getMessage());
        } else if (m instanceof HttpContent c && c.content().isReadable()) {
          out.add("body '" + c.content().toString(StandardCharsets.ISO_8859_1) + "'"
              + (c instanceof LastHttpContent ? " last" : ""));
        }
      } finally {
        ReferenceCountUtil.release(m);
      }
    }
    return out;
  }

  @Test
  void aHeaderLineStartingWithSpaceOrTabIsObsoleteFoldingAndFails() {
    write("GET /a HTTP/1.1\r\nHost: h\r\nX-A: a\r\n b\r\n\r\n");
    assertThat(decoded()).containsExactly("failed: obsolete line folding (expected: each header on one line)");
  }

  @Test
  void aTabFoldSplitAcrossReadsIsFound() {
    write("GET /a HTTP/1.1\r\nHost: h\r\nX-A: a\r\n", "\tb\r\n\r\n");
    assertThat(decoded()).containsExactly("failed: obsolete line folding (expected: each header on one line)");
  }

  @Test
  void bodiesAndLeadingEmptyLinesAreNotHeads() {
    // Body bytes after a line end start with a space; an empty line before a request line is skipped.
    write("POST /a HTTP/1.1\r\nHost: h\r\nContent-Length: 6\r\n\r\n hello"
        + "\r\nPOST /b HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n6\r\n\n hell\r\n0\r\n\r\n"
        + "GET /c HTTP/1.1\r\nHost: h\r\n\r\n");
    assertThat(decoded()).containsExactly("ok /a", "body ' hello' last", "ok /b", "body '\n hell'", "ok /c");
  }

  @Test
  void aFoldInAPipelinedRequestFailsThatRequestOnly() {
    write("GET /a HTTP/1.1\r\nHost: h\r\n\r\nGET /b HTTP/1.1\r\nHost: h\r\nX-A: a\r\n b\r\n\r\n");
    assertThat(decoded()).containsExactly("ok /a", "failed: obsolete line folding (expected: each header on one line)");
  }
}
