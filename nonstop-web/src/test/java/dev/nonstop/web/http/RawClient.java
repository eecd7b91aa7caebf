package dev.nonstop.web.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A byte-exact HTTP/1.1 client on a plain socket: it writes exactly what a test gives it and parses
 * exactly what comes back, so malformed requests reach the server unmodified and every byte of the
 * answer is checked (a body where none belongs breaks the parse of the next response).
 */
final class RawClient implements AutoCloseable {
  static final Duration READ_TIMEOUT = Duration.ofSeconds(5);

  private final Socket socket;
  private final InputStream in;
  private final OutputStream out;

  RawClient(int port) throws IOException {
    socket = new Socket();
    socket.setTcpNoDelay(true);
    socket.connect(new InetSocketAddress("127.0.0.1", port), 2000);
    socket.setSoTimeout((int) READ_TIMEOUT.toMillis());
    in = new BufferedInputStream(socket.getInputStream());
    out = socket.getOutputStream();
  }

  /** A minimal HTTP/1.1 GET, without {@code Connection: close}. */
  static String getRequest(String target) {
    return "GET " + target + " HTTP/1.1\r\nHost: test\r\n\r\n";
  }

  /** A POST with a Content-Length body. */
  static String postRequest(String target, String body) {
    return "POST " + target + " HTTP/1.1\r\nHost: test\r\nContent-Type: text/plain\r\nContent-Length: "
        + body.getBytes(StandardCharsets.UTF_8).length + "\r\n\r\n" + body;
  }

  RawClient send(String raw) throws IOException {
    return send(raw.getBytes(StandardCharsets.ISO_8859_1));
  }

  RawClient send(byte[] raw) throws IOException {
    out.write(raw);
    out.flush();
    return this;
  }

  /** Sends a GET and reads its response. */
  Response get(String target) throws IOException {
    return send(getRequest(target)).read();
  }

  /**
   * Asserts that this connection serves a GET of /hello: the previous response was framed exactly
   * (no stray body bytes) and the connection was kept.
   */
  void assertServes() throws IOException {
    Response r = get("/hello");
    assertThat(r.status()).as("GET /hello after the previous exchange: %s", r).isEqualTo(200);
    assertThat(r.bodyString()).isEqualTo("hello");
    assertThat(r.header("Connection")).as("Connection header").isNull();
  }

  /** Reads the next response (a 1xx too) to a request that was not HEAD. */
  Response read() throws IOException {
    return read(false);
  }

  /** Reads the response to a HEAD request: headers only, whatever they announce. */
  Response readHead() throws IOException {
    return read(true);
  }

  private Response read(boolean head) throws IOException {
    String statusLine = line();
    String[] parts = statusLine.split(" ", 3);
    assertThat(parts).as("status line '%s'", statusLine).hasSizeGreaterThanOrEqualTo(2);
    int status = Integer.parseInt(parts[1]);
    List<Map.Entry<String, String>> headers = new ArrayList<>();
    for (String h = line(); !h.isEmpty(); h = line()) {
      int colon = h.indexOf(':');
      assertThat(colon).as("header line '%s'", h).isPositive();
      headers.add(Map.entry(h.substring(0, colon), h.substring(colon + 1).trim()));
    }
    Response r = new Response(parts[0], status, parts.length > 2 ? parts[2] : "", headers, new byte[0], List.of());
    if (head || status < 200 || status == 204 || status == 304) {
      return r;
    }
    if (r.isChunked()) {
      ByteArrayOutputStream body = new ByteArrayOutputStream();
      List<Integer> chunks = new ArrayList<>();
      for (int size = chunkSize(line()); size > 0; size = chunkSize(line())) {
        body.write(in.readNBytes(size));
        chunks.add(size);
        assertThat(line()).as("CRLF after a chunk").isEmpty();
      }
      for (String trailer = line(); !trailer.isEmpty(); trailer = line()) {
        // trailers are not used by the server; skip them
      }
      return new Response(r.version(), status, r.reason(), headers, body.toByteArray(), chunks);
    }
    String length = r.header("Content-Length");
    byte[] body;
    if (length != null) {
      int n = Integer.parseInt(length);
      body = in.readNBytes(n);
      if (body.length < n) {
        throw new EOFException("body cut after " + body.length + " of " + n + " bytes");
      }
    } else {
      body = in.readAllBytes(); // delimited by close (HTTP/1.0 style)
    }
    return new Response(r.version(), status, r.reason(), headers, body, List.of());
  }

  private static int chunkSize(String line) {
    int semi = line.indexOf(';');
    return Integer.parseInt((semi < 0 ? line : line.substring(0, semi)).trim(), 16);
  }

  /** One CRLF-terminated line; a bare LF or an early end fails the test. */
  private String line() throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream(64);
    for (int c = in.read(); ; c = in.read()) {
      if (c < 0) {
        throw new EOFException("connection closed mid-line after '" + b.toString(StandardCharsets.ISO_8859_1) + "'");
      }
      if (c == '\n') {
        byte[] bytes = b.toByteArray();
        assertThat(bytes.length > 0 && bytes[bytes.length - 1] == '\r').as("line ends with CRLF").isTrue();
        return new String(bytes, 0, bytes.length - 1, StandardCharsets.ISO_8859_1);
      }
      b.write(c);
    }
  }

  /**
   * Asserts that the server closes the connection without sending another byte: the next read sees
   * end of stream (or a reset) within the read timeout.
   */
  void assertClosedByServer() throws IOException {
    int next;
    try {
      next = in.read();
    } catch (SocketException reset) {
      return;
    }
    assertThat(next).as("server closed the connection without sending more bytes").isEqualTo(-1);
  }

  /** Asserts that no byte arrives within {@code wait} (and the connection stays open). */
  void assertNothingWithin(Duration wait) throws IOException {
    socket.setSoTimeout((int) wait.toMillis());
    try {
      assertThatThrownBy(in::read).isInstanceOf(SocketTimeoutException.class);
    } finally {
      socket.setSoTimeout((int) READ_TIMEOUT.toMillis());
    }
  }

  /** Bytes that arrived and were not read yet. */
  int available() throws IOException {
    return in.available();
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
