package dev.nonstop.web;

/**
 * Where a route's handler chain runs.
 *
 * <p>{@link #VIRTUAL_THREAD} is the default and the safe choice: the chain may block. {@link #EVENT_LOOP}
 * saves the hand-off for tiny non-blocking handlers; a blocking call there stalls every connection on
 * that event loop, so opt in only for handlers that never block.
 */
public enum Execution {
  /** Each request's chain runs on its own virtual thread (Java's goroutine). */
  VIRTUAL_THREAD,
  /**
   * The chain runs on the connection's Netty event loop; handlers must never block, and streamed
   * bodies get no backpressure (see {@link BodyWriter}).
   */
  EVENT_LOOP
}
