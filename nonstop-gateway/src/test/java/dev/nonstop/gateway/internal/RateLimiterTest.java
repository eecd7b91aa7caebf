package dev.nonstop.gateway.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

class RateLimiterTest {
  private static final long SECOND = TimeUnit.SECONDS.toNanos(1);
  private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);
  private static final long T0 = 123_456_789_000L;

  @Test
  void aNewClientMayBurstThenGetsTheRate() throws Exception {
    RateLimiter limiter = new RateLimiter(10, 5, 1000, T0);
    InetAddress client = ip("192.0.2.1");

    for (int i = 0; i < 5; i++) {
      assertThat(limiter.tryAcquire(client, T0)).isZero();
    }
    assertThat(limiter.tryAcquire(client, T0)).isEqualTo(100 * MS);
    assertThat(limiter.tryAcquire(client, T0 + 40 * MS)).isEqualTo(60 * MS);
    assertThat(limiter.tryAcquire(client, T0 + 100 * MS)).isZero();
    assertThat(limiter.tryAcquire(client, T0 + 100 * MS)).isEqualTo(100 * MS);
  }

  @Test
  void theWaitIsExactlyTheTimeUntilATokenIsThere() throws Exception {
    RateLimiter limiter = new RateLimiter(3, 2, 1000, T0);
    InetAddress client = ip("192.0.2.1");
    limiter.tryAcquire(client, T0);
    limiter.tryAcquire(client, T0);

    long wait = limiter.tryAcquire(client, T0 + 7 * MS);

    assertThat(wait).isEqualTo(333_333_334L - 7 * MS); // 1/3 s rounded up, so never faster than 3/s
    assertThat(limiter.tryAcquire(client, T0 + 7 * MS + wait - 1)).isEqualTo(1);
    assertThat(limiter.tryAcquire(client, T0 + 7 * MS + wait)).isZero();
  }

  @Test
  void aQuietClientSavesUpToTheBurstOnly() throws Exception {
    RateLimiter limiter = new RateLimiter(1, 3, 1000, T0);
    InetAddress client = ip("192.0.2.1");

    assertThat(limiter.tryAcquire(client, T0)).isZero();
    long later = T0 + 3_600 * SECOND;
    for (int i = 0; i < 3; i++) {
      assertThat(limiter.tryAcquire(client, later)).isZero();
    }
    assertThat(limiter.tryAcquire(client, later)).isEqualTo(SECOND);
  }

  @Test
  void fractionalRatesWork() throws Exception {
    RateLimiter limiter = new RateLimiter(0.5, 1, 1000, T0); // 30/m
    InetAddress client = ip("192.0.2.1");

    assertThat(limiter.tryAcquire(client, T0)).isZero();
    assertThat(limiter.tryAcquire(client, T0)).isEqualTo(2 * SECOND);
  }

  @Test
  void clientsHaveTheirOwnBuckets() throws Exception {
    RateLimiter limiter = new RateLimiter(1, 1, 1000, T0);

    assertThat(limiter.tryAcquire(ip("192.0.2.1"), T0)).isZero();
    assertThat(limiter.tryAcquire(ip("192.0.2.1"), T0)).isPositive();
    assertThat(limiter.tryAcquire(ip("192.0.2.2"), T0)).isZero();
    assertThat(limiter.tryAcquire(ip("2001:db8::1"), T0)).isZero();
  }

  @Test
  void anIpv6ClientIsLimitedByItsSlash64() throws Exception {
    RateLimiter limiter = new RateLimiter(1, 1, 1000, T0);

    assertThat(limiter.tryAcquire(ip("2001:db8:0:7::1"), T0)).isZero();
    assertThat(limiter.tryAcquire(ip("2001:db8:0:7:ffff:ffff:ffff:ffff"), T0)).as("same /64").isPositive();
    assertThat(limiter.tryAcquire(ip("2001:db8:0:8::1"), T0)).as("next /64").isZero();
  }

  @Test
  void keysKeepIpv4AndIpv6Apart() throws Exception {
    assertThat(RateLimiter.key(ip("1.2.3.4"))).isEqualTo(0xFFFF_FFFF_0102_0304L);
    assertThat(RateLimiter.key(ip("::ffff:1.2.3.4"))).as("a mapped address is the IPv4 client")
        .isEqualTo(RateLimiter.key(ip("1.2.3.4")));
    assertThat(RateLimiter.key(ip("0:0:102:304::"))).isEqualTo(0x0000_0000_0102_0304L);
    assertThat(RateLimiter.key(ip("2001:db8:1:2:3:4:5:6"))).isEqualTo(0x2001_0db8_0001_0002L);
  }

  @Test
  void aFullBucketTakesNoEntry() throws Exception {
    RateLimiter limiter = new RateLimiter(10, 5, 1000, T0);
    limiter.tryAcquire(ip("192.0.2.1"), T0);
    limiter.tryAcquire(ip("192.0.2.2"), T0);

    assertThat(limiter.size(T0)).isEqualTo(2);
    assertThat(limiter.size(T0 + 100 * MS - 1)).isEqualTo(2);
    assertThat(limiter.size(T0 + 100 * MS)).isZero();
  }

  @Test
  void aSprayOfAddressesCannotGrowTheTablePastItsBound() {
    RateLimiter limiter = new RateLimiter(1, 1, 1000, T0);
    assertThat(limiter.capacity()).isEqualTo(1024);

    for (long k = 0; k < 100_000; k++) {
      assertThat(limiter.tryAcquire(k * 7919, T0 + k)).as("a new client's first request").isZero();
    }

    assertThat(limiter.size(T0 + 100_000)).isBetween(900, 1024);
    assertThat(limiter.evictions()).isGreaterThanOrEqualTo(100_000 - 1024);
  }

  @Test
  void evictionForgivesTheClientNearestToFull() {
    // One set of 8: the ninth client pushes out the one whose bucket refills first.
    RateLimiter limiter = new RateLimiter(1, 10, 1, T0);
    assertThat(limiter.capacity()).isEqualTo(RateLimiter.WAYS);
    for (long k = 1; k <= 8; k++) {
      for (int i = 0; i < 10; i++) {
        limiter.tryAcquire(k, T0 + k); // each spends its whole burst; 1 the earliest
      }
    }
    assertThat(limiter.tryAcquire(9, T0 + 9)).isZero();

    assertThat(limiter.tryAcquire(1, T0 + 10)).as("client 1 starts afresh").isZero();
    assertThat(limiter.evictions()).isEqualTo(2); // 9 took 1's slot, then 1 took 9's (one token spent)
    for (long k = 2; k <= 8; k++) {
      assertThat(limiter.tryAcquire(k, T0 + 10)).as("client %d is still limited", k).isPositive();
    }
  }

  @Test
  void concurrentRequestsOfOneClientGetExactlyTheBurst() throws Exception {
    RateLimiter limiter = new RateLimiter(1, 100, 1000, T0);
    RateLimiter.Bucket route = new RateLimiter.Bucket(1, 100, T0);
    int threads = 8;
    AtomicInteger keyed = new AtomicInteger();
    AtomicInteger single = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      CountDownLatch go = new CountDownLatch(1);
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        done.add(pool.submit(() -> {
          go.await();
          for (int i = 0; i < 1_000; i++) {
            if (limiter.tryAcquire(42, T0 + 1) == 0) {
              keyed.incrementAndGet();
            }
            if (route.tryAcquire(T0 + 1) == 0) {
              single.incrementAndGet();
            }
          }
          return null;
        }));
      }
      go.countDown();
      for (Future<?> f : done) {
        f.get(30, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }

    assertThat(keyed.get()).isEqualTo(100);
    assertThat(single.get()).isEqualTo(100);
  }

  @Test
  void aRouteBucketBurstsThenGetsTheRate() {
    RateLimiter.Bucket route = new RateLimiter.Bucket(1000, 3, T0);

    assertThat(route.tryAcquire(T0)).isZero();
    assertThat(route.tryAcquire(T0)).isZero();
    assertThat(route.tryAcquire(T0)).isZero();
    assertThat(route.tryAcquire(T0)).isEqualTo(MS);
    assertThat(route.tryAcquire(T0 + MS)).isZero();
  }

  @Test
  void timeBeforeTheLimitersCreationCountsAsItsCreation() {
    RateLimiter.Bucket route = new RateLimiter.Bucket(1, 1, T0);

    assertThat(route.tryAcquire(T0 - SECOND)).isZero(); // another event loop's slightly older nanoTime
    assertThat(route.tryAcquire(T0 - SECOND)).isEqualTo(SECOND);
  }

  @Test
  void requestsAllocateNothingOnceTheTableHasGrown() throws Exception {
    RateLimiter limiter = new RateLimiter(1e6, 1_000, 100_000, T0);
    RateLimiter.Bucket route = new RateLimiter.Bucket(1e6, 1_000, T0);
    InetAddress[] clients = new InetAddress[256];
    for (int i = 0; i < clients.length; i++) {
      clients[i] = InetAddress.getByAddress(new byte[] {10, 0, (byte) (i >> 4), (byte) i});
    }
    com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    long sum = 0;
    for (int round = 0; round < 20; round++) { // compiled as a whole method, not only on-stack
      sum += requests(limiter, route, clients, 10_000);
    }
    long before = threads.getCurrentThreadAllocatedBytes();
    sum += requests(limiter, route, clients, 100_000);
    long allocated = threads.getCurrentThreadAllocatedBytes() - before;

    assertThat(sum).isNotNegative();
    assertThat(allocated).as("bytes allocated by 100,000 requests").isLessThan(1024);
  }

  @Test
  void rejectsNonsense() {
    assertThatThrownBy(() -> new RateLimiter(0, 1, 10, T0)).hasMessage("perSecond: 0.0 (expected: > 0)");
    assertThatThrownBy(() -> new RateLimiter(Double.NaN, 1, 10, T0)).hasMessage("perSecond: NaN (expected: > 0)");
    assertThatThrownBy(() -> new RateLimiter(1, 0, 10, T0)).hasMessage("burst: 0 (expected: >= 1)");
    assertThatThrownBy(() -> new RateLimiter(1, 1, 0, T0)).hasMessage("maxKeys: 0 (expected: >= 1)");
    assertThatThrownBy(() -> new RateLimiter.Bucket(-1, 1, T0)).hasMessage("perSecond: -1.0 (expected: > 0)");
  }

  /** Same decisions and waits as a textbook token bucket, for any client and any timing. */
  @Property(tries = 300)
  void decidesAsTheReferenceBucket(
      @ForAll @DoubleRange(min = 0.01, max = 100_000) double perSecond,
      @ForAll @IntRange(min = 1, max = 50) int burst,
      @ForAll @LongRange(min = -4_000_000_000_000_000_000L, max = 4_000_000_000_000_000_000L) long origin,
      @ForAll("arrivals") List<Arrival> arrivals) {
    RateLimiter limiter = new RateLimiter(perSecond, burst, 1000, origin);
    RateLimiter.Bucket bucket = new RateLimiter.Bucket(perSecond, burst, origin);
    long interval = (long) Math.ceil(1e9 / perSecond);
    Map<Long, Reference> references = new HashMap<>();
    Reference single = new Reference(interval, burst, origin);
    long now = origin;
    for (Arrival a : arrivals) {
      now += a.gap();
      long expected = references.computeIfAbsent(a.client(), c -> new Reference(interval, burst, origin)).take(now);
      assertThat(limiter.tryAcquire(a.client(), now)).isEqualTo(expected);
      assertThat(bucket.tryAcquire(now)).isEqualTo(single.take(now));
    }
  }

  /** The defining bound: in any stretch of time, at most the burst plus the rate times its length. */
  @Property(tries = 300)
  void neverAllowsMoreThanBurstPlusRateTimesElapsed(
      @ForAll @DoubleRange(min = 0.01, max = 100_000) double perSecond,
      @ForAll @IntRange(min = 1, max = 50) int burst,
      @ForAll("arrivals") List<Arrival> arrivals) {
    RateLimiter limiter = new RateLimiter(perSecond, burst, 1000, 0);
    Map<Long, List<Long>> allowed = new HashMap<>();
    long now = 0;
    for (Arrival a : arrivals) {
      now += a.gap();
      if (limiter.tryAcquire(a.client(), now) == 0) {
        allowed.computeIfAbsent(a.client(), c -> new ArrayList<>()).add(now);
      }
    }
    for (List<Long> times : allowed.values()) {
      for (int i = 0; i < times.size(); i++) {
        for (int j = i; j < times.size(); j++) {
          double elapsed = (times.get(j) - times.get(i)) / 1e9;
          assertThat(j - i + 1).as("allowed in [%d, %d]", times.get(i), times.get(j))
              .isLessThanOrEqualTo((int) Math.floor(burst + perSecond * elapsed + 1e-9));
        }
      }
    }
  }

  /** Requests of a few clients, with gaps from none to minutes, in nanoseconds. */
  @Provide
  Arbitrary<List<Arrival>> arrivals() {
    Arbitrary<Long> gap = Arbitraries.frequencyOf(
        Tuple.of(4, Arbitraries.just(0L)),
        Tuple.of(6, Arbitraries.longs().between(1, 10 * MS)),
        Tuple.of(3, Arbitraries.longs().between(1, 5 * SECOND)),
        Tuple.of(1, Arbitraries.longs().between(1, 300 * SECOND)));
    Arbitrary<Long> client = Arbitraries.longs().between(0, 4);
    return Combinators.combine(gap, client).as(Arrival::new).list().ofMaxSize(200);
  }

  record Arrival(long gap, long client) {}

  /**
   * The textbook bucket in nanosecond units, so it rounds exactly as the limiter must: it holds up
   * to {@code burst * interval} nanoseconds of credit, gains one per nanosecond, a request costs
   * {@code interval}.
   */
  private static final class Reference {
    private final long interval;
    private final long capacity;
    private long credit;
    private long last;

    Reference(long interval, int burst, long origin) {
      this.interval = interval;
      this.capacity = interval * burst;
      this.credit = capacity;
      this.last = origin;
    }

    long take(long now) {
      credit = Math.min(capacity, credit + Math.max(0, now - last));
      last = Math.max(last, now);
      if (credit >= interval) {
        credit -= interval;
        return 0;
      }
      return interval - credit;
    }
  }

  private static long requests(RateLimiter limiter, RateLimiter.Bucket route, InetAddress[] clients, int n) {
    long sum = 0;
    for (int i = 0; i < n; i++) {
      long now = T0 + i * 10L;
      sum += limiter.tryAcquire(clients[i & (clients.length - 1)], now);
      sum += limiter.tryAcquire(i & 1023, now);
      sum += route.tryAcquire(now);
    }
    return sum;
  }

  private static InetAddress ip(String literal) throws UnknownHostException {
    return InetAddress.getByName(literal);
  }
}
