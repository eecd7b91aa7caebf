package dev.nonstop.gateway.internal.balance;

import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

/**
 * Plain round robin: one shared counter, one atomic increment per pick, no lock.
 *
 * <p>A server that is not usable is skipped, and so is its turn: when the pick passes over {@code
 * k} servers, the counter moves on by {@code k} as well. Without that, the server after a down one
 * would take both their turns (twice the traffic of the others for as long as its neighbour is
 * down); with it, the usable servers share the requests equally. A concurrent pick that lands
 * between the two increments can still give that neighbour an extra turn now and then, a race
 * rather than a rule.
 */
final class RoundRobin<E extends Endpoint> implements Balancer<E> {
  private final E[] servers;
  /** The next turn; a long, so it never wraps (an int would skew the order once every 2^32 picks). */
  private final AtomicLong next;

  /** @param servers a non-empty snapshot, not copied */
  RoundRobin(E[] servers) {
    this.servers = servers;
    // Balancers are rebuilt whenever membership changes, on every gateway at once: starting each
    // at server 0 would hand server 0 the first request of every rebuild.
    this.next = new AtomicLong(ThreadLocalRandom.current().nextInt(servers.length));
  }

  @Override
  public E pick(Predicate<? super E> usable, RequestKey key, long nowNanos) {
    int n = servers.length;
    int start = (int) (next.getAndIncrement() % n);
    for (int skipped = 0; skipped < n; skipped++) {
      int i = start + skipped;
      E server = servers[i < n ? i : i - n];
      if (usable.test(server)) {
        if (skipped > 0) {
          next.getAndAdd(skipped);
        }
        return server;
      }
    }
    return null;
  }
}
