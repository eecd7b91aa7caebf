package dev.nonstop.gateway.testing;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * An HTTP/1.x client on a plain {@link Socket} for edge tests: writes exactly the bytes it is given
 * (malformed, pipelined, half a head) and parses responses itself, so nothing between the test and
 * the gateway repairs or rejects a request first. Every read gives up after the socket timeout.
 */
public final class RawClient implements AutoCloseable {
  private final Socket socket;
  private final InputStream in;
  private final OutputStream out;

  /** Connects to {@code 127.0.0.1:port}; reads time out after 5 s. */
  public RawClient(int port) throws IOException {
    socket = new Socket();
    socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
    socket.setSoTimeout(5_000);
    in = socket.getInputStream();
    out = socket.getOutputStream();
  }

  /** Sends {@code request} as ISO-8859-1 bytes, in one write. */
  public RawClient send(String request) throws IOException {
    out.write(request.getBytes(StandardCharsets.ISO_8859_1));
    out.flush();
    return this;
  }

  /** How long a read may wait from now on. */
  public RawClient timeout(Duration d) throws IOException {
    socket.setSoTimeout((int) d.toMillis());
    return this;
  }

  /**
   * Reads one response: head, then a body framed by Content-Length or chunked, or running to the
   * end of the stream when neither is given.
   *
   * @throws SocketTimeoutException when the response does not come within the timeout
   * @throws EOFException when the connection ends before a whole response
   */
  /** Reads a response to HEAD: status line and headers, no body whatever Content-Length says. */
  public Response readHeadOnly() throws IOException {
    String statusLine = line();
    if (statusLine == null) {
      throw new EOFException("connection closed before a response");
    }
    Map<String, String> headers = new LinkedHashMap<>();
    for (String l = line(); l != null && !l.isEmpty(); l = line()) {
      int colon = l.indexOf(':');
      headers.put(l.substring(0, colon).trim().toLowerCase(Locale.ROOT), l.substring(colon + 1).trim());
    }
    return new Response(statusLine, Integer.parseInt(statusLine.split(" ", 3)[1]), headers, "");
  }

  public Response read() throws IOException {
    String statusLine = line();
    if (statusLine == null) {
      throw new EOFException("connection closed before a response");
    }
    String[] parts = statusLine.split(" ", 3);
    Map<String, String> headers = new LinkedHashMap<>();
    for (String l = line(); l != null && !l.isEmpty(); l = line()) {
      int colon = l.indexOf(':');
      headers.merge(l.substring(0, colon).trim().toLowerCase(Locale.ROOT), l.substring(colon + 1).trim(),
          (a, b) -> a + ", " + b);
    }
    int status = Integer.parseInt(parts[1]);
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    if ((status >= 100 && status < 200) || status == 204 || status == 304) {
      return new Response(statusLine, status, headers, "");
    }
    if (headers.containsKey("content-length")) {
      body.write(in.readNBytes(Integer.parseInt(headers.get("content-length"))));
    } else if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
      for (int size = Integer.parseInt(line().trim(), 16); size > 0; size = Integer.parseInt(line().trim(), 16)) {
        body.write(in.readNBytes(size));
        line();
      }
      while (!line().isEmpty()) {
        // trailers
      }
    } else {
      in.transferTo(body);
    }
    return new Response(statusLine, status, headers, body.toString(StandardCharsets.UTF_8));
  }

  /**
   * Whether the peer closed the connection: the next read finds the end of the stream or a reset
   * (false when it finds a byte instead).
   *
   * @throws SocketTimeoutException when the connection stays open and silent past the timeout
   */
  public boolean closedByPeer() throws IOException {
    try {
      return in.read() < 0;
    } catch (java.net.SocketException e) {
      return true; // reset
    }
  }

  // A line without its CRLF, or null at the end of the stream.
  private String line() throws IOException {
    StringBuilder b = new StringBuilder();
    int c;
    while ((c = in.read()) >= 0) {
      if (c == '\n') {
        int n = b.length();
        return n > 0 && b.charAt(n - 1) == '\r' ? b.substring(0, n - 1) : b.toString();
      }
      b.append((char) c);
    }
    return b.isEmpty() ? null : b.toString();
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }

  /**
   * One response as read.
   *
   * @param statusLine the first line, as sent
   * @param headers by lower-case name; repeated headers joined with ", "
   */
  public record Response(String statusLine, int status, Map<String, String> headers, String body) {
    public String header(String name) {
      return headers.get(name.toLowerCase(Locale.ROOT));
    }
  }
}
