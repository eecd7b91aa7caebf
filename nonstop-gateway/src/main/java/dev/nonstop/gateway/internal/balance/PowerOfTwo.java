package dev.nonstop.gateway.internal.balance;

import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Predicate;

/**
 * The power of two choices (Mitzenmacher): draw two distinct usable servers at random, send the
 * request to the one with the lower cost. Two samples are nearly as good as looking at all of them
 * (the maximum load drops exponentially compared with one random choice), in constant time per
 * pick, and without least connections' herding: when many gateways see the same momentarily idle
 * server, each sends there only the picks that happen to draw it. The most loaded server of the
 * tier, if there is a single one, loses every comparison it is drawn into, so it gets nothing until
 * its load drops.
 *
 * <p>Sampling is rejection sampling: draw, and draw again if the server is not usable, a few times
 * per choice; if that fails (much of the tier is out), one pass over the tier draws a uniform pair
 * of usable servers by reservoir sampling. Both ways the pair is uniform among the usable ones, and
 * the common case costs two random numbers and two predicate calls.
 */
final class PowerOfTwo<E extends Endpoint> implements Balancer<E> {

  /** What a choice minimises. */
  enum Cost {
    /** {@code (inflight + 1) / effectiveWeight}: least connections, weighted as {@link LeastConn}. */
    INFLIGHT,
    /**
     * Finagle's and Linkerd's peak-EWMA load, {@code latency * (inflight + 1) / effectiveWeight}:
     * the time a new request should expect to wait here. A server without an estimate yet costs 0
     * while idle, so it is tried at once, and more than any measured server while its first
     * requests are out, so that it is not buried under requests before it has answered one (a
     * fresh server with an estimate of 0 would otherwise win every comparison it is drawn into).
     */
    PEAK_EWMA
  }

  /** Draws per choice before giving up on sampling and scanning the tier. */
  private static final int DRAWS = 3;
  /**
   * The cost of an unmeasured server with requests out: above any measured one (nanoseconds times
   * requests over weight stay far below), and growing with its requests out, as Finagle's penalty.
   */
  private static final double UNMEASURED_BUSY = 1e200;

  private final E[] servers;
  private final Cost cost;

  /** @param servers a non-empty snapshot, not copied */
  PowerOfTwo(E[] servers, Cost cost) {
    this.servers = servers;
    this.cost = cost;
  }

  @Override
  public E pick(Predicate<? super E> usable, RequestKey key, long nowNanos) {
    int n = servers.length;
    if (n == 1) {
      E only = servers[0];
      return usable.test(only) ? only : null;
    }
    ThreadLocalRandom random = ThreadLocalRandom.current();
    int a = -1;
    for (int d = 0; d < DRAWS && a < 0; d++) {
      int i = random.nextInt(n);
      if (usable.test(servers[i])) {
        a = i;
      }
    }
    int b = -1;
    for (int d = 0; d < DRAWS && a >= 0 && b < 0; d++) {
      int i = random.nextInt(n - 1);
      i += i >= a ? 1 : 0; // uniform over all but a
      if (usable.test(servers[i])) {
        b = i;
      }
    }
    if (b < 0) {
      return scan(usable, random, nowNanos);
    }
    return better(servers[a], servers[b], nowNanos);
  }

  /**
   * One pass, reservoir sampling of size two (Algorithm R): the k-th usable server takes one of the
   * two slots with probability 2/k. Null when nothing is usable, the only one when one is.
   */
  private E scan(Predicate<? super E> usable, ThreadLocalRandom random, long nowNanos) {
    E first = null;
    E second = null;
    int seen = 0;
    for (E server : servers) {
      if (!usable.test(server)) {
        continue;
      }
      seen++;
      if (seen == 1) {
        first = server;
      } else if (seen == 2) {
        second = server;
      } else {
        int r = random.nextInt(seen);
        if (r == 0) {
          first = server;
        } else if (r == 1) {
          second = server;
        }
      }
    }
    if (second == null) {
      return first;
    }
    // The slots are not exchangeable (the first usable server starts in the first one), and a tie
    // goes to the first argument, so draw the order too.
    return random.nextBoolean() ? better(first, second, nowNanos) : better(second, first, nowNanos);
  }

  /** The cheaper of the two; {@code x} on a tie (the callers draw which one comes first). */
  private E better(E x, E y, long nowNanos) {
    return cost(y, nowNanos) < cost(x, nowNanos) ? y : x;
  }

  private double cost(E server, long nowNanos) {
    int inflight = server.inflight();
    double load = (inflight + 1.0) / server.effectiveWeight(nowNanos);
    if (cost == Cost.INFLIGHT) {
      return load;
    }
    double latency = server.latencyNanos(nowNanos);
    if (latency > 0) {
      return latency * load;
    }
    return inflight == 0 ? 0 : UNMEASURED_BUSY * load;
  }
}
