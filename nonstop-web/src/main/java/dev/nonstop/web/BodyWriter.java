package dev.nonstop.web;

import java.io.OutputStream;

/** Writes a streamed response body; see {@link Context#stream}. */
@FunctionalInterface
public interface BodyWriter {
  /**
   * Writes the body to {@code out}. Every {@code flush()} sends a chunk; writes block while the
   * client is slow (backpressure). The stream is closed for you.
   */
  void writeTo(OutputStream out) throws Exception;
}
