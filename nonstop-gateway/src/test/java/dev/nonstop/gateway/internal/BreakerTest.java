package dev.nonstop.gateway.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.nonstop.gateway.GatewaySpec;
import dev.nonstop.gateway.internal.Breaker.State;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class BreakerTest {
  private static final long WAIT = Breaker.OPEN_WAIT.toNanos();
  private static final long TOOK = TimeUnit.MILLISECONDS.toNanos(3);

  private final AtomicLong clock = new AtomicLong(-TimeUnit.DAYS.toNanos(1)); // nanoTime may be negative
  private final ListAppender<ILoggingEvent> logs = new ListAppender<>();
  private final Logger logger = (Logger) LoggerFactory.getLogger(Breaker.class);

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
  void staysClosedBelowTheMinimumNumberOfCalls() {
    Breaker b = breaker(50);

    outcomes(b, 0, Breaker.MIN_CALLS - 1);

    assertThat(b.state()).isEqualTo(State.CLOSED);
    assertThat(b.failureRate()).isEqualTo(-1f);
    assertThat(b.tryAcquire()).isTrue();
  }

  @Test
  void opensWhenTheFailureRateReachesTheThreshold() {
    Breaker b = breaker(50);

    outcomes(b, 10, 9);
    assertThat(b.state()).isEqualTo(State.CLOSED);
    outcomes(b, 0, 1);

    assertThat(b.state()).isEqualTo(State.OPEN);
    assertThat(b.tryAcquire()).isFalse();
    assertThat(b.refused()).isEqualTo(1);
  }

  @Test
  void staysClosedJustBelowTheThreshold() {
    Breaker b = breaker(50);

    outcomes(b, 11, 9);

    assertThat(b.state()).isEqualTo(State.CLOSED);
    assertThat(b.failureRate()).isEqualTo(45f);
  }

  @Test
  void theRateIsOverTheLastHundredCalls() {
    Breaker b = breaker(50);
    outcomes(b, Breaker.WINDOW, 0);

    outcomes(b, 0, 49); // 51 successes and 49 failures in the window
    assertThat(b.state()).isEqualTo(State.CLOSED);
    outcomes(b, 0, 1);

    assertThat(b.state()).isEqualTo(State.OPEN);
  }

  @Test
  void afterTheWaitThreeProbesCloseTheCircuit() {
    Breaker b = breaker(50);
    outcomes(b, 0, Breaker.MIN_CALLS);

    clock.addAndGet(WAIT);
    assertThat(b.tryAcquire()).as("at the end of the wait").isFalse();
    clock.addAndGet(1);
    assertThat(b.tryAcquire()).isTrue();
    assertThat(b.state()).isEqualTo(State.HALF_OPEN);
    assertThat(b.tryAcquire()).isTrue();
    assertThat(b.tryAcquire()).isTrue();
    assertThat(b.tryAcquire()).as("a fourth probe").isFalse();

    b.onSuccess(TOOK);
    b.onSuccess(TOOK);
    assertThat(b.state()).isEqualTo(State.HALF_OPEN);
    b.onSuccess(TOOK);

    assertThat(b.state()).isEqualTo(State.CLOSED);
    assertThat(b.tryAcquire()).isTrue();
  }

  @Test
  void failingProbesReopenTheCircuitForAnotherWait() {
    Breaker b = breaker(50);
    outcomes(b, 0, Breaker.MIN_CALLS);
    clock.addAndGet(WAIT + 1);
    for (int i = 0; i < Breaker.PROBES; i++) {
      assertThat(b.tryAcquire()).isTrue();
    }

    b.onFailure(TOOK);
    b.onSuccess(TOOK);
    b.onFailure(TOOK);

    assertThat(b.state()).isEqualTo(State.OPEN);
    clock.addAndGet(WAIT);
    assertThat(b.tryAcquire()).isFalse();
    clock.addAndGet(1);
    assertThat(b.tryAcquire()).isTrue();
  }

  @Test
  void aReleasedProbeLetsAnotherOneThrough() {
    Breaker b = breaker(50);
    outcomes(b, 0, Breaker.MIN_CALLS);
    clock.addAndGet(WAIT + 1);
    for (int i = 0; i < Breaker.PROBES; i++) {
      assertThat(b.tryAcquire()).isTrue();
    }
    assertThat(b.tryAcquire()).isFalse();

    b.release(); // that client went away before the upstream answered

    assertThat(b.tryAcquire()).isTrue();
  }

  @Test
  void eachTransitionIsLoggedOnce() {
    Breaker b = breaker(50);
    outcomes(b, 0, Breaker.MIN_CALLS + 5);
    b.tryAcquire();
    b.tryAcquire();
    clock.addAndGet(WAIT + 1);
    outcomes(b, Breaker.PROBES, 0);

    assertThat(logs.list).extracting(ILoggingEvent::getFormattedMessage).containsExactly(
        "upstream api: circuit open: 100.0% of the last 20 requests failed (threshold 50%); refusing requests for 5s",
        "upstream api: circuit half-open: probing with 3 requests",
        "upstream api: circuit closed: the probes succeeded");
  }

  @Test
  void connectionsAreCappedAndCounted() {
    Breaker b = new Breaker("api", new GatewaySpec.CircuitBreaker(2, 0, 50), clock::get);

    assertThat(b.tryAcquireConnection()).isTrue();
    assertThat(b.tryAcquireConnection()).isTrue();
    assertThat(b.tryAcquireConnection()).isFalse();
    assertThat(b.connections()).isEqualTo(2);
    assertThat(b.connectionOverflows()).isEqualTo(1);

    b.releaseConnection();
    assertThat(b.tryAcquireConnection()).isTrue();
  }

  @Test
  void pendingRequestsAreCappedAndZeroMeansNoWaiting() {
    Breaker none = new Breaker("api", new GatewaySpec.CircuitBreaker(1, 0, 50), clock::get);
    assertThat(none.tryAcquirePending()).isFalse();
    assertThat(none.pendingOverflows()).isEqualTo(1);

    Breaker one = new Breaker("api", new GatewaySpec.CircuitBreaker(1, 1, 50), clock::get);
    assertThat(one.tryAcquirePending()).isTrue();
    assertThat(one.tryAcquirePending()).isFalse();
    one.releasePending();
    assertThat(one.pending()).isZero();
    assertThat(one.tryAcquirePending()).isTrue();
  }

  @Test
  void concurrentConnectionsNeverExceedTheCap() throws Exception {
    Breaker b = new Breaker("api", new GatewaySpec.CircuitBreaker(5, 0, 50), clock::get);
    int threads = 8;
    AtomicInteger open = new AtomicInteger();
    AtomicInteger peak = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      CountDownLatch go = new CountDownLatch(1);
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        done.add(pool.submit(() -> {
          go.await();
          for (int i = 0; i < 20_000; i++) {
            if (b.tryAcquireConnection()) {
              peak.accumulateAndGet(open.incrementAndGet(), Math::max);
              open.decrementAndGet();
              b.releaseConnection();
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

    assertThat(peak.get()).isBetween(1, 5);
    assertThat(b.connections()).isZero();
  }

  @Test
  void refusingWhileOpenAndTheBulkheadsAllocateNothing() {
    Breaker b = breaker(50);
    outcomes(b, 0, Breaker.MIN_CALLS);
    com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    boolean any = false;
    for (int round = 0; round < 20; round++) { // compiled as a whole method, not only on-stack
      any |= refuseAndCount(b, 10_000);
    }
    long before = threads.getCurrentThreadAllocatedBytes();
    any |= refuseAndCount(b, 100_000);
    long allocated = threads.getCurrentThreadAllocatedBytes() - before;

    assertThat(any).isFalse();
    assertThat(allocated).as("bytes allocated by 100,000 refusals").isLessThan(1024);
  }

  @Test
  void rejectsNonsense() {
    assertThatThrownBy(() -> breaker(0)).hasMessage("failure_rate: 0 (expected: 1-100)");
    assertThatThrownBy(() -> new Breaker("api", new GatewaySpec.CircuitBreaker(0, 0, 50), clock::get))
        .hasMessage("max_connections: 0 (expected: >= 1)");
    assertThatThrownBy(() -> new Breaker("api", new GatewaySpec.CircuitBreaker(1, -1, 50), clock::get))
        .hasMessage("max_pending: -1 (expected: >= 0)");
  }

  private static boolean refuseAndCount(Breaker b, int n) {
    boolean any = false;
    for (int i = 0; i < n; i++) {
      any |= b.tryAcquire();
      if (b.tryAcquireConnection()) {
        b.releaseConnection();
      }
    }
    return any;
  }

  private Breaker breaker(int failureRate) {
    return new Breaker("api", new GatewaySpec.CircuitBreaker(1024, 1024, failureRate), clock::get);
  }

  /** Sends {@code successes} then {@code failures} requests through {@code b}. */
  private static void outcomes(Breaker b, int successes, int failures) {
    for (int i = 0; i < successes; i++) {
      assertThat(b.tryAcquire()).isTrue();
      b.onSuccess(TOOK);
    }
    for (int i = 0; i < failures; i++) {
      if (b.tryAcquire()) {
        b.onFailure(TOOK);
      }
    }
  }
}
