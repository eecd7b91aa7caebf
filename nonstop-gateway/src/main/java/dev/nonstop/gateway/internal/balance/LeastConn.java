package dev.nonstop.gateway.internal.balance;

import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Predicate;

/**
 * Weighted least connections: the usable server with the smallest {@code (inflight + 1) /
 * effectiveWeight}. The {@code + 1} counts the request being placed (as Envoy's least-request
 * balancer does), so that weights decide among idle servers too (0 / w would tie them all, where
 * nginx falls back to weighted round robin) and a server of weight 3 takes about three requests
 * for every one on a server of weight 1.
 *
 * <p>Ties are broken uniformly at random. At low load loads tie most of the time, and taking the
 * first would favour the servers listed first, the same ones on every gateway. The random choice
 * among {@code k} tied servers is made in the same pass (reservoir sampling: the {@code k}-th tie
 * replaces the choice with probability 1/k), so nothing is allocated.
 *
 * <p>Loads are compared by cross-multiplying ({@code a / wa < b / wb} as {@code a * wb < b * wa}):
 * no division in the loop, and integer loads with integer weights compare exactly.
 */
final class LeastConn<E extends Endpoint> implements Balancer<E> {
  private final E[] servers;

  /** @param servers a non-empty snapshot, not copied */
  LeastConn(E[] servers) {
    this.servers = servers;
  }

  @Override
  public E pick(Predicate<? super E> usable, RequestKey key, long nowNanos) {
    E best = null;
    double bestLoad = 0;
    double bestWeight = 0;
    int ties = 0;
    for (E server : servers) {
      if (!usable.test(server)) {
        continue;
      }
      double load = server.inflight() + 1.0;
      double weight = server.effectiveWeight(nowNanos);
      if (best == null) {
        best = server;
        bestLoad = load;
        bestWeight = weight;
        ties = 1;
        continue;
      }
      double lhs = load * bestWeight;
      double rhs = bestLoad * weight;
      if (lhs < rhs) {
        best = server;
        bestLoad = load;
        bestWeight = weight;
        ties = 1;
      } else if (lhs == rhs && ThreadLocalRandom.current().nextInt(++ties) == 0) {
        best = server;
        bestLoad = load;
        bestWeight = weight;
      }
    }
    return best;
  }
}
