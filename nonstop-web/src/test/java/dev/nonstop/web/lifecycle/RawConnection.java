package dev.nonstop.web.lifecycle;

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
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * One HTTP/1.1 client connection on a plain socket, for tests about the connection itself: whether
 * it is kept alive, who closes it, and whether any byte of a response arrived before it failed.
 * That last distinction is the drain contract seen from a client: a request that got no byte back
 * may be retried elsewhere, one that got some bytes must have got all of them. Also used by the
 * examples' real-process tests (through nonstop-web's test jar).
 */
public final class RawConnection implements AutoCloseable {
  /** How long a read may block before the test fails instead of hanging. */
  public static final Duration READ_TIMEOUT = Duration.ofSeconds(10);

  /** The connection ended before the first byte of a response: the request may be retried. */
  public static final class NoResponseException extends IOException {
    NoResponseException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /** A response: status, headers (lower-case names; the last value wins) and body. */
  public record Reply(int status, Map<String, String> headers, String body) {
    public String header(String name) {
      return headers.get(name.toLowerCase(Locale.ROOT));
    }

    /** Whether the server announced that it closes the connection after this response. */
    public boolean closes() {
      return "close".equalsIgnoreCase(header("connection"));
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

  /** Connects to 127.0.0.1:{@code port}; a closed listener shows as {@link java.net.ConnectException}. */
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

  /** One request on a fresh connection that the client closes afterwards. */
  public static Reply fetch(int port, String method, String path) throws IOException {
    try (RawConnection c = open(port)) {
      c.out.write((method + " " + path + " HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n")
          .getBytes(StandardCharsets.ISO_8859_1));
      c.out.flush();
      return c.read("HEAD".equals(method));
    }
  }

  /** {@code GET path} on a fresh connection. */
  public static Reply get(int port, String path) throws IOException {
    return fetch(port, "GET", path);
  }

  /**
   * Sends a keep-alive request without waiting for its response. A failure here (the server closed
   * the idle connection, a reset) is a {@link NoResponseException}: no byte of an answer came back.
   */
  public RawConnection send(String method, String path) throws IOException {
    try {
      out.write((method + " " + path + " HTTP/1.1\r\nHost: test\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
    } catch (SocketException e) {
      throw new NoResponseException("connection failed while sending the request", e);
    }
    return this;
  }

  /** Sends a keep-alive GET and reads its response. */
  public Reply get(String path) throws IOException {
    return send("GET", path).read(false);
  }

  /** Reads the next response; {@link NoResponseException} when the connection ends before its first byte. */
  public Reply read(boolean head) throws IOException {
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
    String status = (char) first + line();
    String[] parts = status.split(" ", 3);
    Map<String, String> headers = new LinkedHashMap<>();
    for (String h = line(); !h.isEmpty(); h = line()) {
      int colon = h.indexOf(':');
      headers.put(h.substring(0, colon).trim().toLowerCase(Locale.ROOT), h.substring(colon + 1).trim());
    }
    int code = Integer.parseInt(parts[1]);
    if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
      throw new IOException("chunked bodies are not read by this client: " + status);
    }
    String length = headers.get("content-length");
    byte[] body = new byte[0];
    if (!head && length != null) {
      int n = Integer.parseInt(length);
      body = in.readNBytes(n);
      if (body.length < n) {
        throw new EOFException("body cut after " + body.length + " of " + n + " bytes");
      }
    }
    return new Reply(code, headers, new String(body, StandardCharsets.UTF_8));
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

  private String line() throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream(64);
    for (int c = in.read(); c != '\n'; c = in.read()) {
      if (c < 0) {
        throw new EOFException("connection closed mid-response after '" + b.toString(StandardCharsets.ISO_8859_1) + "'");
      }
      if (c != '\r') {
        b.write(c);
      }
    }
    return b.toString(StandardCharsets.ISO_8859_1);
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
