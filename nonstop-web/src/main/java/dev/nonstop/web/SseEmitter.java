package dev.nonstop.web;

import java.io.IOException;

/**
 * Writes Server-Sent Events to one client (see {@link Context#sse}). Each send is flushed and throws
 * {@link IOException} once the client is gone, so a loop that sends ends by itself. Sends block while
 * the client is slow (backpressure) on {@link Execution#VIRTUAL_THREAD} routes; on
 * {@link Execution#EVENT_LOOP} routes they never block and queue in memory instead (see
 * {@link BodyWriter}).
 *
 * <pre>{@code
 * c.sse(sse -> {
 *   sse.retry(5000);
 *   for (Order o : orders.updates()) sse.sendJson("order", o);
 * });
 * }</pre>
 */
public interface SseEmitter {
  /**
   * Sends an event with a name (null for none) and data; data lines are split on newlines as the
   * format requires, and newlines are dropped from the name so it cannot start another field.
   */
  void send(String event, String data) throws IOException;

  /** Sends an unnamed event. */
  default void send(String data) throws IOException {
    send(null, data);
  }

  /** Sends an event whose data is {@code value} as JSON, written by the engine's object mapper. */
  void sendJson(String event, Object value) throws IOException;

  /** Sends a comment line, the usual keep-alive ping; newlines in {@code text} become spaces. */
  void comment(String text) throws IOException;

  /** Sets how long the client waits before it reconnects after losing the stream. */
  void retry(long millis) throws IOException;

  /** The body of an event stream: sends events until it returns or the client goes away. */
  @FunctionalInterface
  interface Source {
    /** Sends events with {@code sse}; the stream ends when this returns. */
    void emit(SseEmitter sse) throws Exception;
  }
}
