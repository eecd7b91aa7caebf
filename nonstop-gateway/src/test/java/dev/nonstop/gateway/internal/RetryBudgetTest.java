package dev.nonstop.gateway.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class RetryBudgetTest {

  @Test
  void aQuietUpstreamMayStillRetryThreeAtOnce() {
    RetryBudget b = new RetryBudget(20);
    started(b, 1);

    assertThat(b.tryAcquireRetry()).isTrue();
    assertThat(b.tryAcquireRetry()).isTrue();
    assertThat(b.tryAcquireRetry()).isTrue();
    assertThat(b.tryAcquireRetry()).isFalse();
    assertThat(b.overflows()).isEqualTo(1);
  }

  @Test
  void retriesInFlightAreCappedAtTheShareOfRequestsInFlight() {
    RetryBudget b = new RetryBudget(20);
    started(b, 50);

    assertThat(acquireAll(b)).isEqualTo(10);
    assertThat(b.retries()).isEqualTo(10);

    started(b, 50); // twice the load, twice the budget
    assertThat(acquireAll(b)).isEqualTo(10);
  }

  @Test
  void losingOneServerIsAlwaysCoveredEvenAboveTheShare() {
    // 3 servers, 60 requests in flight: the 20 stranded on a dead server may all retry, though 20 %
    // would allow only 12.
    RetryBudget b = new RetryBudget(20, 3);
    started(b, 60);
    assertThat(acquireAll(b)).isEqualTo(20);
  }

  @Test
  void theShareWinsWhenItIsLargerThanOneServers() {
    RetryBudget b = new RetryBudget(50, 4);
    started(b, 40);
    assertThat(acquireAll(b)).isEqualTo(20);
  }

  @Test
  void aFinishedRetryGivesItsPlaceBack() {
    RetryBudget b = new RetryBudget(20);
    started(b, 10);
    assertThat(acquireAll(b)).isEqualTo(3);

    b.retryFinished();

    assertThat(b.tryAcquireRetry()).isTrue();
    assertThat(b.tryAcquireRetry()).isFalse();
  }

  @Test
  void finishedRequestsShrinkTheBudget() {
    RetryBudget b = new RetryBudget(50);
    started(b, 20);
    for (int i = 0; i < 14; i++) {
      b.requestFinished();
    }

    assertThat(b.requests()).isEqualTo(6);
    assertThat(acquireAll(b)).isEqualTo(3);
  }

  @Test
  void zeroPercentLeavesOnlyTheMinimum() {
    RetryBudget b = new RetryBudget(0);
    started(b, 1_000);

    assertThat(acquireAll(b)).isEqualTo(RetryBudget.MIN_CONCURRENCY);
  }

  @Test
  void concurrentRetriesNeverExceedTheBudget() throws Exception {
    RetryBudget b = new RetryBudget(10);
    started(b, 100); // a budget of 10
    int threads = 8;
    AtomicInteger inFlight = new AtomicInteger();
    AtomicInteger peak = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      CountDownLatch go = new CountDownLatch(1);
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        done.add(pool.submit(() -> {
          go.await();
          for (int i = 0; i < 20_000; i++) {
            if (b.tryAcquireRetry()) {
              peak.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
              inFlight.decrementAndGet();
              b.retryFinished();
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

    assertThat(peak.get()).isBetween(1, 10);
    assertThat(b.retries()).isZero();
  }

  @Test
  void countingAllocatesNothing() {
    RetryBudget b = new RetryBudget(20);
    com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    for (int round = 0; round < 20; round++) { // compiled as a whole method, not only on-stack
      cycle(b, 10_000);
    }
    long before = threads.getCurrentThreadAllocatedBytes();
    cycle(b, 100_000);
    long allocated = threads.getCurrentThreadAllocatedBytes() - before;

    assertThat(allocated).as("bytes allocated by 100,000 requests with a retry each").isLessThan(1024);
  }

  @Test
  void rejectsAShareOutsidePercent() {
    assertThatThrownBy(() -> new RetryBudget(101)).hasMessage("budget_percent: 101 (expected: 0-100)");
    assertThatThrownBy(() -> new RetryBudget(-1)).hasMessage("budget_percent: -1 (expected: 0-100)");
  }

  private static void cycle(RetryBudget b, int n) {
    for (int i = 0; i < n; i++) {
      b.requestStarted();
      if (b.tryAcquireRetry()) {
        b.retryFinished();
      }
      b.requestFinished();
    }
  }

  private static void started(RetryBudget b, int n) {
    for (int i = 0; i < n; i++) {
      b.requestStarted();
    }
  }

  private static int acquireAll(RetryBudget b) {
    int n = 0;
    while (b.tryAcquireRetry()) {
      n++;
    }
    return n;
  }
}
