/**
 * The proxy: {@code ProxyServer} (event loops, listener, connection cap, snapshots, reload,
 * membership changes, drain), {@code ClientConnection} (one client connection: checks, routing, one
 * {@code Exchange} at a time), {@code Exchange} (one request: pick, borrow or connect, stream,
 * retry), {@code BackendHandler} and {@code Pools} (upstream connections), and the policies ({@code
 * OutlierDetector}, {@code HealthChecker}, {@code Breaker}, {@code RetryBudget}, {@code
 * RateLimiter}).
 *
 * <p>Invariants: everything about one request runs on its client connection's event loop, and its
 * upstream connection belongs to that loop, so per-request state needs no locks; state shared
 * across loops (a {@code Server}'s counters and verdicts, the policies) is atomic and read without
 * locks. Every buffer is released exactly once: forwarded messages are released by the writing
 * codec, replay copies and queued parts by the exchange's end. Nothing is retried once a byte of
 * the response reached the client, and nothing that may have run upstream is retried unless the
 * method is idempotent. A retired {@code Server} (removed by a reload or a membership change) takes
 * no new try, not even one that picked it a moment before, so "no request in flight on it" is
 * final once reached.
 */
package dev.nonstop.gateway.internal;
