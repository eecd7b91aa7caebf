package dev.nonstop.web.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
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
 * One HTTP/1.1 client connection on a plain socket, byte-exact both ways: it writes exactly what a
 * test gives it, so malformed requests reach the server unmodified, and parses exactly what comes
 * back, so a stray body byte breaks the parse of the next response and a bare LF fails the test.
 *
 * <p>It also tells how a connection ended, which is the drain contract seen from a client: a request
 * that got no byte back ({@link NoResponseException}) may be retried elsewhere, one that got some
 * bytes must have got all of them.
 *
 * <pre>{@code
 * try (RawConnection c = RawConnection.open(port)) {
 *   Response r = c.send("GET /hello HTTP/1.1\r\nHost: test\r\n\r\n").read();
 *   c.assertClosedByServer();
 * }
 * }</pre>
 */
public final class RawConnection implements AutoCloseable {
  /** How long a read may block before the test fails instead of hanging. */
  public static final Duration READ_TIMEOUT = Duration.ofSeconds(10);

  /** The connection ended before the first byte of a response: the request may be retried. */
  public static final class NoResponseException extends IOException {
    private static final long serialVersionUID = 1L;

    NoResponseException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  private final Socket socket;
  private final InputStream in;
  private final OutputStream out;

  private RawConnection(Socket socket) throws IOException {
    this.socket = socket;
    this.in = new BufferedInputStream(socket.getInputStream());
    this.out = socket.getOutputStream();
  }

  /** Connects to 127.0.0.1:{@code port}; a closed listener shows as {@link ConnectException}. */
  public static RawConnection open(int port) throws IOException {
    Socket s = new Socket();
    try {
      s.setTcpNoDelay(true);
      s.connect(new InetSocketAddress("127.0.0.1", port), 2000);
      s.setSoTimeout((int) READ_TIMEOUT.toMillis());
      return new RawConnection(s);
    } catch (IOException e) {
      s.close();
      throw e;
    }
  }

  /** Whether a new connection to {@code port} is refused: the listener is closed. */
  public static boolean refuses(int port) throws IOException {
    try (RawConnection c = open(port)) {
      return false;
    } catch (ConnectException e) {
      return true;
    }
  }

  /**
   * One request with {@code Connection: close} on a new connection: sends {@code method target} with
   * {@code headers} (name, value, name, value...; values as UTF-8, which the JDK client would
   * refuse), reads the response and asserts that the server then closes without another byte.
   */
  public static Response fetch(int port, String method, String target, String... headers) throws IOException {
    try (RawConnection c = open(port)) {
      String[] all = new String[headers.length + 2];
      System.arraycopy(headers, 0, all, 0, headers.length);
      all[headers.length] = "Connection";
      all[headers.length + 1] = "close";
      c.send(request(method, target, all));
      Response r = "HEAD".equals(method) ? c.readHead() : c.read();
      c.assertClosedByServer();
      return r;
    }
  }

  /** {@code GET target} with {@code Connection: close} on a new connection; see {@link #fetch}. */
  public static Response get(int port, String target) throws IOException {
    return fetch(port, "GET", target);
  }

  /** A request head with {@code Host} and {@code headers} (name, value, name, value...), no body. */
  public static String request(String method, String target, String... headers) {
    StringBuilder b = new StringBuilder(method).append(' ').append(target).append(" HTTP/1.1\r\nHost: test\r\n");
    for (int i = 0; i < headers.length; i += 2) {
      b.append(headers[i]).append(": ").append(headers[i + 1]).append("\r\n");
    }
    return b.append("\r\n").toString();
  }

  /** A minimal keep-alive GET. */
  public static String getRequest(String target) {
    return request("GET", target);
  }

  /** A keep-alive POST of a text body with its Content-Length. */
  public static String postRequest(String target, String body) {
    return "POST " + target + " HTTP/1.1\r\nHost: test\r\nContent-Type: text/plain\r\nContent-Length: "
        + body.getBytes(StandardCharsets.UTF_8).length + "\r\n\r\n" + body;
  }

  /** Sends {@code raw} as UTF-8 (control characters and all); for other bytes use {@link #send(byte[])}. */
  public RawConnection send(String raw) throws IOException {
    return send(raw.getBytes(StandardCharsets.UTF_8));
  }

  /**
   * Sends {@code raw} without waiting for a response. A failure here (the server closed the idle
   * connection, a reset) is a {@link NoResponseException}: no byte of an answer came back.
   */
  public RawConnection send(byte[] raw) throws IOException {
    try {
      out.write(raw);
      out.flush();
    } catch (SocketException e) {
      throw new NoResponseException("connection failed while sending the request", e);
    }
    return this;
  }

  /** Sends a keep-alive GET and reads its response. */
  public Response get(String target) throws IOException {
    return send(getRequest(target)).read();
  }

  /** Reads the next response (a 1xx too) to a request that was not HEAD. */
  public Response read() throws IOException {
    return read(false);
  }

  /** Reads the response to a HEAD request: headers only, whatever they announce. */
  public Response readHead() throws IOException {
    return read(true);
  }

  private Response read(boolean head) throws IOException {
    int first;
    try {
      first = in.read();
    } catch (SocketTimeoutException e) {
      throw e;
    } catch (SocketException e) {
      throw new NoResponseException("connection reset before any response byte", e);
    }
    if (first < 0) {
      throw new NoResponseException("connection closed before any response byte", null);
    }
    String statusLine = (char) first + line();
    String[] parts = statusLine.split(" ", 3);
    assertThat(parts).as("status line '%s'", statusLine).hasSizeGreaterThanOrEqualTo(2);
    // Stray bytes of the previous response (a body after HEAD, say) would show up here.
    assertThat(parts[0]).as("version in status line '%s'", statusLine).matches("HTTP/1\\.[01]");
    int status = Integer.parseInt(parts[1]);
    String reason = parts.length > 2 ? parts[2] : "";
    List<Map.Entry<String, String>> headers = new ArrayList<>();
    for (String h = line(); !h.isEmpty(); h = line()) {
      int colon = h.indexOf(':');
      assertThat(colon).as("header line '%s'", h).isPositive();
      headers.add(Map.entry(h.substring(0, colon), h.substring(colon + 1).trim()));
    }
    Response r = new Response(parts[0], status, reason, headers, new byte[0], List.of());
    if (head || status < 200 || status == 204 || status == 304) {
      return r;
    }
    if (r.isChunked()) {
      ByteArrayOutputStream body = new ByteArrayOutputStream();
      List<Integer> chunks = new ArrayList<>();
      for (int size = chunkSize(line()); size > 0; size = chunkSize(line())) {
        body.write(exactly(size));
        chunks.add(size);
        assertThat(line()).as("CRLF after a chunk").isEmpty();
      }
      for (String trailer = line(); !trailer.isEmpty(); trailer = line()) {
        // trailers are not used by the server; skip them
      }
      return new Response(r.version(), status, reason, headers, body.toByteArray(), List.copyOf(chunks));
    }
    String length = r.header("Content-Length");
    // Without a length the body is delimited by the close (HTTP/1.0 style).
    byte[] body = length != null ? exactly(Integer.parseInt(length)) : in.readAllBytes();
    return new Response(r.version(), status, reason, headers, body, List.of());
  }

  private byte[] exactly(int n) throws IOException {
    byte[] b = in.readNBytes(n);
    if (b.length < n) {
      throw new EOFException("body cut after " + b.length + " of " + n + " bytes");
    }
    return b;
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
   * The bytes that arrive up to and including {@code marker}, as sent (framing included, one char
   * per byte); for a test that acts while a streamed body is still open.
   */
  public String readUntil(String marker) throws IOException {
    ByteArrayOutputStream seen = new ByteArrayOutputStream();
    while (!seen.toString(StandardCharsets.ISO_8859_1).endsWith(marker)) {
      int b = in.read();
      if (b < 0) {
        throw new EOFException("connection closed before '" + marker + "' after '"
            + seen.toString(StandardCharsets.ISO_8859_1) + "'");
      }
      seen.write(b);
    }
    return seen.toString(StandardCharsets.ISO_8859_1);
  }

  /** Every byte that arrives until the server closes, as sent (framing included, one char per byte). */
  public String readToEnd() throws IOException {
    return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
  }

  /**
   * Asserts that the server closes the connection without sending another byte: the next read sees
   * end of stream (or a reset) within the read timeout.
   */
  public void assertClosedByServer() throws IOException {
    int next;
    try {
      next = in.read();
    } catch (SocketException reset) {
      return;
    }
    assertThat(next).as("server closed the connection without sending more bytes").isEqualTo(-1);
  }

  /**
   * Whether the server closes this (idle) connection within {@code wait} without sending a byte:
   * true on end of stream or reset, false if the connection is still open when the wait is over.
   */
  public boolean closedByPeerWithin(Duration wait) throws IOException {
    socket.setSoTimeout((int) Math.max(1, wait.toMillis()));
    try {
      int b = in.read();
      if (b >= 0) {
        throw new IOException("unexpected byte " + b + " on an idle connection");
      }
      return true;
    } catch (SocketTimeoutException e) {
      return false;
    } catch (SocketException reset) {
      return true;
    } finally {
      if (!socket.isClosed()) {
        socket.setSoTimeout((int) READ_TIMEOUT.toMillis());
      }
    }
  }

  /** Asserts that no byte arrives within {@code wait} (and the connection stays open). */
  public void assertNothingWithin(Duration wait) throws IOException {
    socket.setSoTimeout((int) wait.toMillis());
    try {
      assertThatThrownBy(in::read).isInstanceOf(SocketTimeoutException.class);
    } finally {
      socket.setSoTimeout((int) READ_TIMEOUT.toMillis());
    }
  }

  /** Bytes that arrived and were not read yet. */
  public int available() throws IOException {
    return in.available();
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
