package dev.nonstop.gateway.internal;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Token buckets per client address: {@code perSecond} tokens a second, at most {@code burst} saved
 * up; a request takes one token or is refused (429) with the time until the next one. {@link
 * Bucket} is the same limit for one key (a whole route).
 *
 * <p>Each bucket is one number, its theoretical arrival time (the GCRA form of a token bucket, as
 * in redis-cell): the time at which the bucket would be full again. A request conforms when that
 * time, pushed one token later, stays within {@code burst} tokens of now. A bucket that is full
 * again is indistinguishable from one never seen, which is what keeps the table small: only
 * clients that spent tokens within the last {@code burst / perSecond} seconds need an entry.
 *
 * <p>The table is bounded, because the key comes from the network: at most {@code maxKeys}
 * (rounded up to a power of two, at least {@value #WAYS}) entries of 16 bytes, grown on demand.
 * It is set-associative: a key may live in one of {@value #WAYS} slots of its set, so a lookup
 * touches one cache line or two. A new key takes a slot whose bucket is full again (free by the
 * above); when none is, the set grows, and at the bound the key evicts the entry nearest to full,
 * the least recently limited client. Eviction forgives that client its debt, so a flood of
 * distinct addresses buys leniency for some of them, never memory. The hash is seeded per table,
 * so the flood cannot aim at one set. TCP sources cannot be spoofed, but an IPv6 client owns a
 * whole /64: IPv6 clients are limited per /64 prefix, or one host could walk its own 2^64
 * addresses past any limit (and through the table).
 *
 * <p>Thread-safe: 64 segments (fewer for small tables), each behind its own monitor held for one
 * set probe. Allocation-free per request once the table has grown, except that an IPv6 client's
 * key copies its address ({@link InetAddress#getAddress}); a caller can compute {@link #key} once
 * per connection instead.
 *
 * <pre>{@code
 * RateLimiter perIp = new RateLimiter(100, 200, RateLimiter.DEFAULT_MAX_KEYS, System.nanoTime());
 * long wait = perIp.tryAcquire(client, System.nanoTime());
 * if (wait > 0) { respond 429 with Retry-After: ceil(wait / 1e9) seconds; }
 * }</pre>
 */
public final class RateLimiter {
  /** The default bound of the per-client table: 100k clients, 2 MiB at most. */
  public static final int DEFAULT_MAX_KEYS = 100_000;

  /** Slots per set. */
  static final int WAYS = 8;
  private static final int MAX_SEGMENTS = 64;
  /**
   * IPv4 keys carry these high bits: as an IPv6 /64 they are in {@code ff00::/8}, multicast, which
   * is never the source of a connection, so the two key spaces cannot collide.
   */
  private static final long IPV4_TAG = 0xFFFF_FFFF_0000_0000L;

  /**
   * Whether {@link Inet4Address#hashCode} is the address itself, as it has been in every JDK: then
   * an IPv4 key costs no copy of the address. The specification does not promise it, so it is
   * checked once, and the copy remains the fallback.
   */
  private static final boolean V4_HASH_IS_ADDRESS = v4HashIsAddress();

  private final Gcra gcra;
  private final Segment[] segments;
  private final int segmentShift;
  private final long seed = ThreadLocalRandom.current().nextLong();
  private final LongAdder evictions = new LongAdder();

  /**
   * @param perSecond tokens added per second, > 0
   * @param burst the bucket's size, >= 1
   * @param maxKeys the most clients remembered at once, >= 1
   * @param nowNanos the time now on the clock later calls pass
   */
  public RateLimiter(double perSecond, int burst, int maxKeys, long nowNanos) {
    if (maxKeys < 1) {
      throw new IllegalArgumentException("maxKeys: " + maxKeys + " (expected: >= 1)");
    }
    this.gcra = new Gcra(perSecond, burst, nowNanos);
    int slots = Math.max(WAYS, ceilPow2(maxKeys));
    int segmentCount = Math.min(MAX_SEGMENTS, slots / WAYS);
    this.segments = new Segment[segmentCount];
    int maxSets = slots / WAYS / segmentCount;
    for (int i = 0; i < segmentCount; i++) {
      segments[i] = new Segment(maxSets);
    }
    this.segmentShift = 64 - Integer.numberOfTrailingZeros(segmentCount);
  }

  /**
   * Takes a token for {@code client}.
   *
   * @return 0 when the request may pass, else the nanoseconds until a token is available
   */
  public long tryAcquire(InetAddress client, long nowNanos) {
    return tryAcquire(key(client), nowNanos);
  }

  /**
   * Takes a token for a key from {@link #key}; a connection's key can be computed once, when it is
   * accepted.
   *
   * @return 0 when the request may pass, else the nanoseconds until a token is available
   */
  public long tryAcquire(long key, long nowNanos) {
    long h = mix(key ^ seed);
    // A single segment has shift 64, which Java reads as 0: mask to stay in bounds either way.
    Segment s = segments[(int) (h >>> segmentShift) & (segments.length - 1)];
    return s.acquire(key, h, gcra.elapsed(nowNanos));
  }

  /** Clients with a bucket that is not full at {@code nowNanos}: the entries that matter. */
  public int size(long nowNanos) {
    long t = gcra.elapsed(nowNanos);
    int n = 0;
    for (Segment s : segments) {
      n += s.live(t);
    }
    return n;
  }

  /** The most entries the table can hold. */
  public int capacity() {
    return segments.length * segments[0].maxSets * WAYS;
  }

  /** Entries evicted to make room, each a client forgiven its debt. */
  public long evictions() {
    return evictions.sum();
  }

  /** The table key of an address: an IPv4 address, or the /64 prefix of an IPv6 one. */
  public static long key(InetAddress address) {
    if (address instanceof Inet4Address && V4_HASH_IS_ADDRESS) {
      return IPV4_TAG | address.hashCode() & 0xFFFF_FFFFL;
    }
    byte[] b = address.getAddress();
    if (address instanceof Inet4Address) {
      return IPV4_TAG | (b[0] & 0xFFL) << 24 | (b[1] & 0xFFL) << 16 | (b[2] & 0xFFL) << 8 | (b[3] & 0xFFL);
    }
    long prefix = 0;
    for (int i = 0; i < 8; i++) {
      prefix = prefix << 8 | (b[i] & 0xFFL);
    }
    return prefix;
  }

  private static boolean v4HashIsAddress() {
    try {
      return InetAddress.getByAddress(new byte[] {(byte) 192, 0, 2, (byte) 254}).hashCode() == 0xC00002FE
          && InetAddress.getByAddress(new byte[] {10, 1, 2, 3}).hashCode() == 0x0A010203;
    } catch (UnknownHostException e) {
      throw new AssertionError(e); // four bytes are always an address
    }
  }

  /** Murmur3's 64-bit finalizer: every key bit moves every hash bit, so sets fill evenly. */
  private static long mix(long z) {
    z = (z ^ (z >>> 33)) * 0xff51afd7ed558ccdL;
    z = (z ^ (z >>> 33)) * 0xc4ceb9fe1a85ec53L;
    return z ^ (z >>> 33);
  }

  private static int ceilPow2(int n) {
    return n <= 1 ? 1 : Integer.highestOneBit(n - 1) << 1;
  }

  /** One part of the table with its own lock; its arrays double up to {@code maxSets} sets. */
  private final class Segment {
    final int maxSets;
    long[] keys = new long[WAYS];
    /** Theoretical arrival times; 0 is an empty slot, which reads as a full bucket (see Gcra). */
    long[] tats = new long[WAYS];
    int setMask;

    Segment(int maxSets) {
      this.maxSets = maxSets;
    }

    synchronized long acquire(long key, long hash, long t) {
      for (;;) {
        int base = ((int) hash & setMask) * WAYS;
        int free = -1;
        int nearest = base;
        for (int i = base; i < base + WAYS; i++) {
          long tat = tats[i];
          if (tat != 0 && keys[i] == key) {
            return admit(i, t);
          }
          if (tat <= t) {
            if (free < 0) {
              free = i;
            }
          } else if (tat < tats[nearest]) {
            nearest = i;
          }
        }
        if (free < 0 && setMask + 1 < maxSets) {
          grow(t);
          continue;
        }
        if (free < 0) {
          free = nearest;
          evictions.increment();
        }
        keys[free] = key;
        tats[free] = 0;
        return admit(free, t);
      }
    }

    private long admit(int slot, long t) {
      long next = gcra.next(tats[slot], t);
      if (next < 0) {
        return -next;
      }
      tats[slot] = next;
      return 0;
    }

    /** Doubles the sets; each old set splits in two, so every live entry finds a slot. */
    private void grow(long t) {
      int sets = (setMask + 1) * 2;
      long[] k = new long[sets * WAYS];
      long[] a = new long[sets * WAYS];
      int mask = sets - 1;
      for (int i = 0; i < tats.length; i++) {
        if (tats[i] > t) {
          int slot = ((int) mix(keys[i] ^ seed) & mask) * WAYS;
          while (a[slot] != 0) {
            slot++;
          }
          k[slot] = keys[i];
          a[slot] = tats[i];
        }
      }
      keys = k;
      tats = a;
      setMask = mask;
    }

    synchronized int live(long t) {
      int n = 0;
      for (long tat : tats) {
        if (tat > t) {
          n++;
        }
      }
      return n;
    }
  }

  /**
   * A token bucket for one key, lock-free: one CAS on its arrival time per request.
   *
   * <pre>{@code
   * RateLimiter.Bucket route = new RateLimiter.Bucket(1000, 2000, System.nanoTime());
   * if (route.tryAcquire(System.nanoTime()) > 0) { respond 429; }
   * }</pre>
   */
  public static final class Bucket {
    private final Gcra gcra;
    private final AtomicLong tat = new AtomicLong();

    /**
     * @param perSecond tokens added per second, > 0
     * @param burst the bucket's size, >= 1
     * @param nowNanos the time now on the clock later calls pass
     */
    public Bucket(double perSecond, int burst, long nowNanos) {
      this.gcra = new Gcra(perSecond, burst, nowNanos);
    }

    /** Takes a token: 0 when the request may pass, else the nanoseconds until one is available. */
    public long tryAcquire(long nowNanos) {
      long t = gcra.elapsed(nowNanos);
      for (;;) {
        long current = tat.get();
        long next = gcra.next(current, t);
        if (next < 0) {
          return -next;
        }
        if (tat.compareAndSet(current, next)) {
          return 0;
        }
      }
    }
  }

  /**
   * The arithmetic of the generic cell rate algorithm, shared by both forms. Times are nanoseconds
   * since the limiter's creation, clamped at 0, so a TAT of 0 (an empty slot, a new bucket) is
   * never in the future, and comparisons need no wrap-around care for 292 years.
   */
  private static final class Gcra {
    /**
     * 73 years: a longer interval or window means "never refills within the process's life", and
     * clamping there keeps {@code t + window + interval} far from overflow.
     */
    static final long MAX_TIME = 1L << 61;

    /** Nanoseconds per token, rounded up so the real rate never exceeds the configured one. */
    final long interval;
    /** How far ahead of now the TAT may run: the burst's worth of tokens. */
    final long window;
    final long origin;

    Gcra(double perSecond, int burst, long origin) {
      if (!(perSecond > 0) || Double.isInfinite(perSecond)) {
        throw new IllegalArgumentException("perSecond: " + perSecond + " (expected: > 0)");
      }
      if (burst < 1) {
        throw new IllegalArgumentException("burst: " + burst + " (expected: >= 1)");
      }
      this.interval = (long) Math.min(MAX_TIME, Math.max(1, Math.ceil(1e9 / perSecond)));
      this.window = (double) interval * burst >= MAX_TIME ? MAX_TIME : interval * burst;
      this.origin = origin;
    }

    long elapsed(long nowNanos) {
      return Math.max(0, nowNanos - origin);
    }

    /**
     * The step: the bucket's new TAT when a request at {@code t} conforms, else minus the
     * nanoseconds until it would.
     */
    long next(long tat, long t) {
      long next = Math.max(tat, t) + interval;
      long excess = next - t - window;
      return excess > 0 ? -excess : next;
    }
  }
}
