package dev.nonstop.web.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nonstop.web.SseEmitter;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/** Server-Sent Events framing over a chunked body. */
final class SseWriter implements SseEmitter {
  private final OutputStream out;
  private final ObjectMapper json;

  SseWriter(OutputStream out, ObjectMapper json) {
    this.out = out;
    this.json = json;
  }

  @Override
  public void send(String event, String data) throws IOException {
    StringBuilder b = new StringBuilder();
    if (event != null) {
      b.append("event: ").append(event.replace("\n", "").replace("\r", "")).append('\n');
    }
    for (String line : (data == null ? "" : data).split("\r\n|\r|\n", -1)) {
      b.append("data: ").append(line).append('\n');
    }
    write(b.append('\n'));
  }

  @Override
  public void sendJson(String event, Object value) throws IOException {
    send(event, json.writeValueAsString(value));
  }

  @Override
  public void comment(String text) throws IOException {
    // CR ends a line in the event-stream format as LF does: either would let text start a field.
    write(new StringBuilder(": ").append(text.replaceAll("\r\n|\r|\n", " ")).append("\n\n"));
  }

  @Override
  public void retry(long millis) throws IOException {
    write(new StringBuilder("retry: ").append(millis).append("\n\n"));
  }

  private void write(CharSequence s) throws IOException {
    out.write(s.toString().getBytes(StandardCharsets.UTF_8));
    out.flush();
  }
}
