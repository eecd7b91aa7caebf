package dev.nonstop.gateway.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An upstream that fails at the socket level on cue, as a crashed or wedged server does, which a
 * well-behaved server cannot be made to do: it reads each request in full (the head and a {@code
 * Content-Length} body; chunked bodies are not supported) and counts it, then, by {@link Mode},
 * closes the connection without a byte of response, or never answers.
 */
public final class RawUpstream implements AutoCloseable {
  /** What it does with a request it has read. */
  public enum Mode {
    /** Closes the connection without answering: a crash after the request arrived. */
    CLOSE,
    /** Keeps the connection open and never answers: a wedged server. */
    SILENT
  }

  private final Mode mode;
  private final ServerSocket listener;
  private final Set<Socket> open = ConcurrentHashMap.newKeySet();
  private final AtomicInteger requests = new AtomicInteger();

  public RawUpstream(Mode mode) throws IOException {
    this.mode = mode;
    this.listener = new ServerSocket(0, 64, InetAddress.getLoopbackAddress());
    Thread.ofPlatform().name("raw-upstream-" + listener.getLocalPort()).daemon().start(this::accept);
  }

  public String address() {
    return "127.0.0.1:" + listener.getLocalPort();
  }

  /** Requests read in full so far. */
  public int requests() {
    return requests.get();
  }

  private void accept() {
    while (!listener.isClosed()) {
      try {
        Socket s = listener.accept();
        open.add(s);
        Thread.ofVirtual().start(() -> serve(s));
      } catch (IOException e) {
        return; // closed
      }
    }
  }

  private void serve(Socket s) {
    try (s) {
      InputStream in = s.getInputStream();
      while (readRequest(in)) {
        requests.incrementAndGet();
        if (mode == Mode.CLOSE) {
          return;
        }
      }
    } catch (IOException e) {
      // The peer went away: nothing to answer anyway.
    } finally {
      open.remove(s);
    }
  }

  // Reads one head and its Content-Length body; false at end of stream.
  private static boolean readRequest(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    int matched = 0;
    while (matched < 4) {
      int b = in.read();
      if (b < 0) {
        return false;
      }
      head.write(b);
      matched = b == "\r\n\r\n".charAt(matched) ? matched + 1 : (b == '\r' ? 1 : 0);
    }
    long length = 0;
    for (String line : head.toString(StandardCharsets.ISO_8859_1).split("\r\n")) {
      if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
        length = Long.parseLong(line.substring("content-length:".length()).trim());
      }
    }
    in.skipNBytes(length);
    return true;
  }

  @Override
  public void close() throws IOException {
    listener.close();
    for (Socket s : open) {
      s.close();
    }
  }
}
