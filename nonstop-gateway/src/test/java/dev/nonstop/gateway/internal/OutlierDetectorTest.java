package dev.nonstop.gateway.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.nonstop.gateway.GatewaySpec;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class OutlierDetectorTest {
  private static final long BASE = TimeUnit.SECONDS.toNanos(5);
  private static final GatewaySpec.Outlier THREE_IN_A_ROW = new GatewaySpec.Outlier(3, Duration.ofSeconds(5), 50);

  private final AtomicLong clock = new AtomicLong(TimeUnit.HOURS.toNanos(1));
  private final List<String> changes = new CopyOnWriteArrayList<>();
  private final ListAppender<ILoggingEvent> logs = new ListAppender<>();
  private final Logger logger = (Logger) LoggerFactory.getLogger(OutlierDetector.class);

  @BeforeEach
  void captureLogs() {
    logs.start();
    logger.addAppender(logs);
  }

  @AfterEach
  void releaseLogs() {
    logger.detachAppender(logs);
  }

  @Test
  void aServerTimesOutAloneWhileNoOtherTimedOutRecently() {
    Server[] s = servers(3);
    OutlierDetector d = detector(s, THREE_IN_A_ROW);

    d.failure(s[0], Failure.TIMEOUT);
    assertThat(d.failingAlone(s[0])).as("the others answer: a stall of s0").isTrue();
    d.failure(s[1], Failure.CONNECT);
    assertThat(d.failingAlone(s[0])).as("a refused connection is a crash, not overload").isTrue();
    d.failure(s[1], Failure.TIMEOUT);
    assertThat(d.failingAlone(s[0])).as("two servers timing out: the upstream's trouble").isFalse();
    assertThat(d.failingAlone(s[1])).isFalse();
    d.success(s[1]);
    assertThat(d.failingAlone(s[0]))
        .as("overload: s1 answers between its timeouts, which must not make s0's look like its own").isFalse();
    OutlierDetector rebuilt = detector(s, THREE_IN_A_ROW); // what a membership change or a reload does
    assertThat(rebuilt.failingAlone(s[0])).as("the window lives on the servers, not the detector").isFalse();
    clock.addAndGet(OutlierDetector.ALONE_WINDOW_NANOS - 1);
    assertThat(d.failingAlone(s[0])).isFalse();
    clock.addAndGet(1);
    assertThat(d.failingAlone(s[0])).as("s1's timeout is a window ago").isTrue();

    Server[] one = servers(1);
    OutlierDetector single = detector(one, THREE_IN_A_ROW);
    single.failure(one[0], Failure.TIMEOUT);
    assertThat(single.failingAlone(one[0])).as("one server's failures are its upstream's").isFalse();
  }

  @Test
  void timeoutsCountTowardsFailingAloneEvenWithEjectionOff() {
    Server[] s = servers(2);
    OutlierDetector d = detector(s, new GatewaySpec.Outlier(3, Duration.ofSeconds(5), 0));

    d.failure(s[1], Failure.TIMEOUT);

    assertThat(d.failingAlone(s[0])).isFalse();
    assertThat(s[1].ejected(now())).isFalse();
  }

  @Test
  void ejectsAfterConsecutiveFailures() {
    Server[] s = servers(3);
    OutlierDetector d = detector(s, THREE_IN_A_ROW);

    d.failure(s[0], Failure.CONNECT);
    d.failure(s[0], Failure.RESET);
    assertThat(s[0].ejected(now())).isFalse();
    d.failure(s[0], Failure.STATUS_5XX);

    assertThat(s[0].ejected(now())).isTrue();
    assertThat(s[0].ejected(now() + BASE - 1)).isTrue();
    assertThat(s[0].ejected(now() + BASE)).isFalse();
    assertThat(s[0].ejections()).isEqualTo(1);
    assertThat(changes).containsExactly("10.0.0.1:80 EJECTED 3 failures in a row (last: 5xx status), out for 5000ms");
    assertThat(d.streak(s[0])).isZero();
  }

  @Test
  void successEndsTheStreak() {
    Server[] s = servers(3);
    OutlierDetector d = detector(s, THREE_IN_A_ROW);

    d.failure(s[0], Failure.TIMEOUT);
    d.failure(s[0], Failure.TIMEOUT);
    d.success(s[0]);
    d.failure(s[0], Failure.TIMEOUT);
    d.failure(s[0], Failure.TIMEOUT);

    assertThat(s[0].ejected(now())).isFalse();
    assertThat(d.streak(s[0])).isEqualTo(2);
  }

  @Test
  void streaksAreCountedPerServer() {
    Server[] s = servers(3);
    OutlierDetector d = detector(s, THREE_IN_A_ROW);

    d.failure(s[0], Failure.CONNECT);
    d.failure(s[1], Failure.CONNECT);
    d.failure(s[0], Failure.CONNECT);
    d.failure(s[1], Failure.CONNECT);

    assertThat(d.streak(s[0])).isEqualTo(2);
    assertThat(d.streak(s[1])).isEqualTo(2);
    assertThat(s[0].ejected(now()) || s[1].ejected(now())).isFalse();
  }

  @Test
  void ejectionGrowsWithEachEjectionInARowUpToTenTimesTheBase() {
    Server[] s = servers(2);
    OutlierDetector d = detector(s, THREE_IN_A_ROW);

    for (int m = 1; m <= 12; m++) {
      failTimes(d, s[0], 3);
      long length = Math.min(m, OutlierDetector.MAX_MULTIPLIER) * BASE;
      assertThat(s[0].ejected(now() + length - 1)).as("ejection %d", m).isTrue();
      assertThat(s[0].ejected(now() + length)).as("ejection %d", m).isFalse();
      clock.addAndGet(length); // back in rotation, and failing again at once
    }
    assertThat(s[0].ejections()).isEqualTo(12);
  }

  @Test
  void ejectionLengthDecaysByOneBaseForEachBaseSpentInRotation() {
    Server[] s = servers(2);
    OutlierDetector d = detector(s, THREE_IN_A_ROW);
    failTimes(d, s[0], 3);
    clock.addAndGet(BASE);
    failTimes(d, s[0], 3);
    clock.addAndGet(2 * BASE); // the second one lasted 2 bases
    assertThat(s[0].ejected(now())).isFalse();

    clock.addAndGet(BASE); // one base in rotation: 2 -> 1, and this ejection makes 2 again
    failTimes(d, s[0], 3);
    assertThat(s[0].ejected(now() + 2 * BASE - 1)).isTrue();
    assertThat(s[0].ejected(now() + 2 * BASE)).isFalse();

    clock.addAndGet(2 * BASE + 10 * BASE); // long quiet: back to a first ejection's length
    failTimes(d, s[0], 3);
    assertThat(s[0].ejected(now() + BASE - 1)).isTrue();
    assertThat(s[0].ejected(now() + BASE)).isFalse();
  }

  @Test
  void failuresOfAnEjectedServerAreNotCounted() {
    Server[] s = servers(3);
    OutlierDetector d = detector(s, THREE_IN_A_ROW);
    failTimes(d, s[0], 3);

    failTimes(d, s[0], 10); // its in-flight requests failing after the ejection

    assertThat(s[0].ejections()).isEqualTo(1);
    assertThat(d.streak(s[0])).isZero();
  }

  @Test
  void neverEjectsMoreThanMaxEjectionPercent() {
    Server[] s = servers(10);
    OutlierDetector d = detector(s, new GatewaySpec.Outlier(1, Duration.ofSeconds(5), 20));

    for (Server x : s) {
      d.failure(x, Failure.CONNECT);
    }

    assertThat(ejected(s)).isEqualTo(2);
    assertThat(d.overflows()).isEqualTo(8);
    // The refused keep their streak: once an ejection ends, the next failure gets in.
    clock.addAndGet(BASE);
    d.failure(s[9], Failure.CONNECT);
    assertThat(s[9].ejected(now())).isTrue();
  }

  @Test
  void oneOfTwoServersMayBeEjectedWhateverThePercent() {
    Server[] s = servers(2);
    OutlierDetector d = detector(s, new GatewaySpec.Outlier(1, Duration.ofSeconds(5), 10));

    d.failure(s[0], Failure.CONNECT);
    d.failure(s[1], Failure.CONNECT);

    assertThat(s[0].ejected(now())).isTrue();
    assertThat(s[1].ejected(now())).isFalse();
  }

  @Test
  void aLoneServerIsEjectedOnlyWhenAllMayBe() {
    Server[] half = servers(1);
    detector(half, new GatewaySpec.Outlier(1, Duration.ofSeconds(5), 50)).failure(half[0], Failure.CONNECT);
    assertThat(half[0].ejected(now())).isFalse();

    Server[] all = servers(1);
    detector(all, new GatewaySpec.Outlier(1, Duration.ofSeconds(5), 100)).failure(all[0], Failure.CONNECT);
    assertThat(all[0].ejected(now())).isTrue();
  }

  @Test
  void zeroPercentTurnsEjectionOff() {
    Server[] s = servers(4);
    OutlierDetector d = detector(s, new GatewaySpec.Outlier(1, Duration.ofSeconds(5), 0));

    failTimes(d, s[0], 100);

    assertThat(ejected(s)).isZero();
  }

  @Test
  void serversOfAnotherConfigAreIgnored() {
    Server[] s = servers(2);
    OutlierDetector d = detector(s, new GatewaySpec.Outlier(1, Duration.ofSeconds(5), 100));
    Server stranger = servers(1)[0];

    d.failure(stranger, Failure.CONNECT);
    d.success(stranger);

    assertThat(stranger.ejected(now())).isFalse();
    assertThat(d.streak(stranger)).isZero();
  }

  @Test
  void noPanicWhileAServerIsAvailable() {
    Server[] s = servers(3);
    OutlierDetector d = detector(s, new GatewaySpec.Outlier(1, Duration.ofSeconds(5), 100));
    d.failure(s[0], Failure.CONNECT);
    d.failure(s[1], Failure.CONNECT);

    assertThat(d.panic(s, now())).isFalse();
    assertThat(d.panicking()).isFalse();
  }

  @Test
  void panicWhenEjectionsLeaveNoServerAvailableWarnsOncePerEpisode() {
    Server[] s = servers(3);
    OutlierDetector d = detector(s, new GatewaySpec.Outlier(1, Duration.ofSeconds(5), 100));
    s[2].healthy(false, "check failed");
    d.failure(s[0], Failure.CONNECT);
    d.failure(s[1], Failure.CONNECT);

    assertThat(d.panic(s, now())).isTrue();
    assertThat(d.panic(s, now())).isTrue();
    assertThat(d.panicking()).isTrue();
    assertThat(warnings()).containsExactly("upstream api: panic mode: spreading over all 2 servers"
        + " (every available one is ejected)");

    clock.addAndGet(BASE); // the ejections end
    assertThat(d.panic(s, now())).isFalse();
    assertThat(d.panicking()).isFalse();

    d.failure(s[0], Failure.CONNECT);
    d.failure(s[1], Failure.CONNECT);
    assertThat(d.panic(s, now())).isTrue();
    assertThat(warnings()).hasSize(2);
    assertThat(d.panics()).isEqualTo(2);
  }

  @Test
  void noPanicWhenServersAreOutForOtherReasons() {
    Server[] s = servers(3);
    OutlierDetector d = detector(s, THREE_IN_A_ROW);
    s[0].healthy(false, "check failed");
    s[1].draining(true);
    s[2].retire();

    assertThat(d.panic(s, now())).isFalse(); // nobody to spread over: the caller answers 503
    assertThat(warnings()).isEmpty();
  }

  @Test
  void aSuccessOfAServerInRotationEndsThePanic() {
    Server[] s = servers(2);
    OutlierDetector d = detector(s, new GatewaySpec.Outlier(1, Duration.ofSeconds(5), 100));
    d.failure(s[0], Failure.CONNECT);
    d.failure(s[1], Failure.CONNECT);
    assertThat(d.panic(s, now())).isTrue();

    d.success(s[0]); // a panic-mode request to an ejected server: still in panic
    assertThat(d.panicking()).isTrue();

    clock.addAndGet(BASE);
    d.success(s[1]);
    assertThat(d.panicking()).isFalse();
  }

  @Test
  void concurrentFailuresNeverBreachTheCap() throws Exception {
    Server[] s = servers(20);
    OutlierDetector d = detector(s, new GatewaySpec.Outlier(2, Duration.ofSeconds(5), 25));
    int threads = 8;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      CountDownLatch go = new CountDownLatch(1);
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int offset = t;
        done.add(pool.submit(() -> {
          go.await();
          for (int i = 0; i < 2_000; i++) {
            d.failure(s[(i + offset) % s.length], Failure.RESET);
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

    assertThat(ejected(s)).isEqualTo(5);
    assertThat(Arrays.stream(s).mapToInt(Server::ejections).sum()).isEqualTo(5);
  }

  @Test
  void successFailureAndPanicAllocateNothing() {
    Server[] s = servers(3);
    OutlierDetector d = detector(s, new GatewaySpec.Outlier(1_000_000_000, Duration.ofSeconds(5), 50));
    com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    boolean panicked = false;
    for (int round = 0; round < 20; round++) { // compiled as a whole method, not only on-stack
      panicked |= hotPath(d, s, 10_000);
    }
    long before = threads.getCurrentThreadAllocatedBytes();
    panicked |= hotPath(d, s, 100_000);
    long allocated = threads.getCurrentThreadAllocatedBytes() - before;

    assertThat(panicked).isFalse();
    assertThat(allocated).as("bytes allocated by 100,000 rounds").isLessThan(1024);
  }

  @Test
  void rejectsNonsense() {
    Server[] s = servers(1);
    assertThatThrownBy(() -> detector(s, new GatewaySpec.Outlier(0, Duration.ofSeconds(5), 50)))
        .hasMessage("consecutive_failures: 0 (expected: >= 1)");
    assertThatThrownBy(() -> detector(s, new GatewaySpec.Outlier(3, Duration.ZERO, 50)))
        .hasMessage("base_ejection: PT0S (expected: > 0)");
    assertThatThrownBy(() -> detector(s, new GatewaySpec.Outlier(3, Duration.ofSeconds(5), 101)))
        .hasMessage("max_ejection_percent: 101 (expected: 0-100)");
  }

  private static boolean hotPath(OutlierDetector d, Server[] s, int rounds) {
    boolean panicked = false;
    for (int i = 0; i < rounds; i++) {
      Server x = s[i % s.length];
      d.failure(x, Failure.STATUS_5XX);
      d.success(x);
      panicked |= d.panic(s, i);
    }
    return panicked;
  }

  private void failTimes(OutlierDetector d, Server s, int n) {
    for (int i = 0; i < n; i++) {
      d.failure(s, Failure.CONNECT);
    }
  }

  private long now() {
    return clock.get();
  }

  private int ejected(Server[] servers) {
    return (int) Arrays.stream(servers).filter(x -> x.ejected(now())).count();
  }

  private List<String> warnings() {
    return logs.list.stream().filter(e -> e.getLevel() == Level.WARN).map(ILoggingEvent::getFormattedMessage).toList();
  }

  private OutlierDetector detector(Server[] servers, GatewaySpec.Outlier config) {
    return new OutlierDetector("api", servers, config, clock::get);
  }

  private Server[] servers(int n) {
    Server[] s = new Server[n];
    for (int i = 0; i < n; i++) {
      String host = "10.0.0." + (i + 1);
      s[i] = new Server(host + ":80", InetSocketAddress.createUnresolved(host, 80), 1, false, 0, now(), false,
          (server, change, reason) -> changes.add(server + " " + change + " " + reason));
    }
    return s;
  }
}
