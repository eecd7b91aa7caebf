package dev.nonstop.gateway.internal.balance;

import java.util.function.Predicate;

/**
 * Chooses a server of one tier (the primaries or the backups of an upstream). A balancer is built
 * for a fixed list of servers and replaced, not mutated, when membership changes; whether a server
 * may take this request (healthy, not ejected, not draining, not already tried by this request) is
 * the caller's {@code usable} test, so hashing balancers keep their ring and remap only the keys of
 * servers that are out. Safe for concurrent use from every event loop.
 *
 * @param <E> the server type
 */
public interface Balancer<E extends Endpoint> {
  /**
   * Picks a usable server for a request.
   *
   * @param usable whether a server may take this request; asked any number of times per pick
   *     (about once per server looked at, more on a hash ring's walk) and possibly under the
   *     balancer's lock, so it must be cheap and free of side effects
   * @param key the request's hashing key
   * @param nowNanos {@link System#nanoTime()} now
   * @return a server for which {@code usable} holds, or null when there is none
   */
  E pick(Predicate<? super E> usable, RequestKey key, long nowNanos);
}
