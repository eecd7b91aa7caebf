package dev.nonstop.web;

import java.io.IOException;

/**
 * Writes Server-Sent Events to one client (see {@link Context#sse}). Each send is flushed; it blocks
 * while the client is slow (backpressure), and throws {@link IOException} once the client is gone, so
 * a loop that sends ends by itself.
 */
public interface SseEmitter {
  /** Sends an event with a name and data; data lines are split on newlines as the format requires. */
  void send(String event, String data) throws IOException;

  /** Sends an unnamed event. */
  default void send(String data) throws IOException {
    send(null, data);
  }

  /** Sends an event whose data is {@code value} as JSON. */
  void sendJson(String event, Object value) throws IOException;

  /** Sends a comment line, the usual keep-alive ping. */
  void comment(String text) throws IOException;

  /** Sets the client's reconnection delay. */
  void retry(long millis) throws IOException;

  /** The body of an event stream: sends events until it returns or the client goes away. */
  @FunctionalInterface
  interface Source {
    /** Sends events with {@code sse}. */
    void emit(SseEmitter sse) throws Exception;
  }
}
