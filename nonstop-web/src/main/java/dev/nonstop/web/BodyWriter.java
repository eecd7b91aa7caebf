package dev.nonstop.web;

import java.io.OutputStream;

/**
 * Writes a streamed response body; see {@link Context#stream}.
 *
 * <pre>{@code
 * c.stream(200, "text/plain", out -> {
 *   for (String line : lines) {
 *     out.write((line + "\n").getBytes(UTF_8));
 *     out.flush(); // the client sees the line now
 *   }
 * });
 * }</pre>
 */
@FunctionalInterface
public interface BodyWriter {
  /**
   * Writes the body to {@code out}, which buffers up to 8 KiB: a chunk leaves on {@code flush()} or
   * when the buffer is full. The stream is closed for you. Writes throw {@link java.io.IOException}
   * once the client has gone, so a writing loop ends by itself; so does {@code flush()} with nothing
   * to send, which lets a handler that waits for data check now and then that anyone still listens.
   *
   * <p>Backpressure: on {@link Execution#VIRTUAL_THREAD} routes writing blocks while the client
   * reads slower than the body is written. On {@link Execution#EVENT_LOOP} routes writes never block,
   * because the event loop that would have to send the data is the thread writing it; there is no
   * backpressure and unsent chunks queue in memory, so stream only small bodies there.
   */
  void writeTo(OutputStream out) throws Exception;
}
