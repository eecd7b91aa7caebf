/**
 * Nonstop's web framework: Gin's model (Engine, route groups, one {@link dev.nonstop.web.Handler}
 * type for middleware and endpoints, {@code next()}/{@code abort()}) on Netty, with each request's
 * chain on a virtual thread.
 *
 * <p>Invariants:
 * <ul>
 *   <li>Routes are registered before {@code start()} and never change afterwards; a route's chain
 *       is flattened once, at registration.
 *   <li>A request reaches its chain only when fully read and valid; malformed or oversized input is
 *       answered (400, 408, 413, 414, 431, 505) and its connection closed without touching others.
 *   <li>A response is committed exactly once; later writes are ignored.
 *   <li>Readiness is 503 from the first moment of a drain; the listener closes only after the
 *       shutdown delay; in-flight requests finish within the drain timeout; a drained
 *       {@code run()} exits 0.
 *   <li>A handoff ({@code Engine.handoff()}, SIGHUP when enabled) passes the listening socket itself to
 *       the new process, so the port is never without a listener; it either completes (the old process
 *       drains and exits 0) or changes nothing.
 *   <li>No Netty type appears in this package's signatures.
 * </ul>
 */
package dev.nonstop.web;
