package dev.nonstop.gateway.internal.balance;

import java.util.Arrays;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * Consistent hashing (Karger et al.; ketama's and nginx's {@code hash ... consistent} layout): each
 * server owns {@value #POINTS_PER_WEIGHT} points per unit of configured weight on a 32-bit ring, at
 * the hashes of {@code "address#0"}, {@code "address#1"}, ...; a key goes to the owner of the first
 * point at or after its own hash, walking clockwise past servers that are not usable.
 *
 * <p>Why a ring rather than {@code hash % n}: a server's points depend on its address alone, so
 * when a server leaves, only the keys it owned move (each to the next server clockwise, the same
 * one whether the server was removed from the tier or is merely not usable), and when one joins it
 * takes about 1/(n + 1) of the keys, all from others, none shuffled between them. Many points per
 * server keep each one's share near fair (the spread shrinks as one over the square root of the
 * points: about 8 %, one standard deviation, with 160) and spread a leaving server's keys over all
 * the others instead of dumping them on one neighbour.
 *
 * <p>Each point is one long, the position in the high half and the owner's index in the low half,
 * so the ring is a single sorted array (8 bytes a point, 1280 per unit of weight) searched in
 * O(log points), and points at the same position order by owner, deterministically. Keys without a
 * value (no header, no cookie, or an empty one) go round robin: hashing them would pin every such
 * request on one server.
 */
final class HashRing<E extends Endpoint> implements Balancer<E> {
  /**
   * As ketama and nginx. Shares spread by about 8 % around fair; four times the points would halve
   * that, at four times the memory and build time (a ring of 100 servers now builds in about 2 ms).
   */
  static final int POINTS_PER_WEIGHT = 160;

  // xxHash64's primes.
  private static final long P1 = 0x9E3779B185EBCA87L;
  private static final long P2 = 0xC2B2AE3D27D4EB4FL;
  private static final long P3 = 0x165667B19E3779F9L;
  private static final long P4 = 0x85EBCA77C2B2AE63L;
  private static final long P5 = 0x27D4EB2F165667C5L;

  private final E[] servers;
  /** Sorted: {@code position << 32 | owner}. */
  private final long[] points;
  private final Function<RequestKey, String> value;
  private final RoundRobin<E> fallback;

  /**
   * @param servers a non-empty snapshot with weights >= 1, not copied
   * @param value the request's key to hash, or null when it has none
   */
  HashRing(E[] servers, Function<RequestKey, String> value) {
    this.servers = servers;
    this.value = value;
    this.fallback = new RoundRobin<>(servers);
    int count = 0;
    for (E server : servers) {
      count = Math.addExact(count, Math.multiplyExact(server.weight(), POINTS_PER_WEIGHT));
    }
    long[] points = new long[count];
    int p = 0;
    StringBuilder name = new StringBuilder();
    for (int owner = 0; owner < servers.length; owner++) {
      String address = servers[owner].address();
      int own = servers[owner].weight() * POINTS_PER_WEIGHT;
      for (int i = 0; i < own; i++) {
        name.setLength(0);
        name.append(address).append('#').append(i);
        points[p++] = (long) position(name) << 32 | owner;
      }
    }
    Arrays.sort(points);
    this.points = points;
  }

  @Override
  public E pick(Predicate<? super E> usable, RequestKey key, long nowNanos) {
    String v = value.apply(key);
    if (v == null || v.isEmpty()) {
      return fallback.pick(usable, key, nowNanos);
    }
    // The smallest long at the key's position, so the search lands on the first point there.
    int i = Arrays.binarySearch(points, (long) position(v) << 32);
    if (i < 0) {
      i = -i - 1;
    }
    int n = points.length;
    // Usually the first or second point will do. If the first few owners are all out, make sure
    // someone is in before walking on, so that an all-down tier costs a scan of the servers rather
    // than a walk of the whole ring; the walk stays bounded by one turn in case usability changes
    // under it.
    int patience = servers.length;
    for (int step = 0; step < n; step++, i++) {
      if (i == n) {
        i = 0;
      }
      E server = servers[(int) points[i]];
      if (usable.test(server)) {
        return server;
      }
      if (step == patience && !anyUsable(usable)) {
        return null;
      }
    }
    return null;
  }

  private boolean anyUsable(Predicate<? super E> usable) {
    for (E server : servers) {
      if (usable.test(server)) {
        return true;
      }
    }
    return false;
  }

  /** A position on the ring: the high half of the 64-bit hash. */
  static int position(CharSequence s) {
    return (int) (hash(s) >>> 32);
  }

  /**
   * A 64-bit hash of a string's UTF-16 code units, with xxHash64's rounds for short inputs and its
   * final avalanche, so that "a#1" and "a#2" land far apart. Written here rather than
   * {@link String#hashCode()} (32 bits of poor dispersion: nearby strings hash to nearby values,
   * which would cluster a server's points) and without encoding to bytes, which would allocate on
   * every request.
   */
  static long hash(CharSequence s) {
    int n = s.length();
    long h = P5 + 2L * n;
    int i = 0;
    for (; i + 4 <= n; i += 4) {
      long k = s.charAt(i) | (long) s.charAt(i + 1) << 16 | (long) s.charAt(i + 2) << 32
          | (long) s.charAt(i + 3) << 48;
      h ^= Long.rotateLeft(k * P2, 31) * P1;
      h = Long.rotateLeft(h, 27) * P1 + P4;
    }
    for (; i < n; i++) {
      h ^= s.charAt(i) * P5;
      h = Long.rotateLeft(h, 11) * P1;
    }
    h ^= h >>> 33;
    h *= P2;
    h ^= h >>> 29;
    h *= P3;
    h ^= h >>> 32;
    return h;
  }
}
