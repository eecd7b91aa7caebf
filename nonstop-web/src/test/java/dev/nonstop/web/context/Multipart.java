package dev.nonstop.web.context;

import java.io.ByteArrayOutputStream;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;

/** A multipart/form-data body built by hand, as a browser would send it. */
final class Multipart {
  private static final String BOUNDARY = "----nonstop-test-boundary-7MA4YWxkTrZu0gW";
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();

  Multipart field(String name, String value) {
    text("--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"" + name + "\"\r\n\r\n");
    out.writeBytes(value.getBytes(StandardCharsets.UTF_8));
    text("\r\n");
    return this;
  }

  Multipart file(String name, String filename, String contentType, byte[] content) {
    text("--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"" + name + "\"; filename=\"" + filename
        + "\"\r\nContent-Type: " + contentType + "\r\n\r\n");
    out.writeBytes(content);
    text("\r\n");
    return this;
  }

  String contentType() {
    return "multipart/form-data; boundary=" + BOUNDARY;
  }

  byte[] bytes() {
    ByteArrayOutputStream all = new ByteArrayOutputStream();
    all.writeBytes(out.toByteArray());
    all.writeBytes(("--" + BOUNDARY + "--\r\n").getBytes(StandardCharsets.US_ASCII));
    return all.toByteArray();
  }

  /** A POST of this body to {@code request}'s URI. */
  HttpRequest.Builder post(HttpRequest.Builder request) {
    return request.header("Content-Type", contentType()).POST(HttpRequest.BodyPublishers.ofByteArray(bytes()));
  }

  private void text(String s) {
    out.writeBytes(s.getBytes(StandardCharsets.UTF_8));
  }
}
