package dev.nonstop.gateway.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;

/** A server's in-flight count and its retirement: the "idle once retired" promise a drain waits on. */
class ServerTest {
  private static Server server() {
    return new Server("10.0.0.1:80", InetSocketAddress.createUnresolved("10.0.0.1", 80), 1, false, 0,
        System.nanoTime(), false, (s, change, reason) -> {});
  }

  @Test
  void aRetiredServerWithoutTriesInFlightIsIdleAtOnce() {
    Server s = server();

    assertThat(s.retire()).isCompleted();
    assertThat(s.retired()).isTrue();
  }

  @Test
  void aRetiredServerIsIdleWhenItsLastTryEnds() {
    Server s = server();
    assertThat(s.begin()).isTrue();
    assertThat(s.begin()).isTrue();

    CompletableFuture<Void> idle = s.retire();
    assertThat(idle).isNotDone();
    s.end(1_000_000, System.nanoTime());
    assertThat(idle).isNotDone();
    s.end(1_000_000, System.nanoTime());

    assertThat(idle).isCompleted();
    assertThat(s.inflight()).isZero();
    assertThat(s.retire()).as("retiring twice is the same promise").isSameAs(idle);
  }

  @Test
  void aTryThatPickedTheServerBeforeItWasRetiredCannotBeginAfter() {
    Server s = server();
    CompletableFuture<Void> idle = s.retire();

    assertThat(s.begin()).isFalse();
    assertThat(s.inflight()).isZero();
    assertThat(idle).isCompleted();
  }

  @Test
  void aCancelledTryEndsWithoutALatencySample() {
    Server s = server();
    long now = System.nanoTime();
    double before = s.latencyNanos(now);
    assertThat(s.begin()).isTrue();
    CompletableFuture<Void> idle = s.retire();

    s.cancel();

    assertThat(idle).isCompleted();
    assertThat(s.latencyNanos(now)).isEqualTo(before);
  }

  /**
   * Threads begin and end tries as fast as they can while another retires the server: once the
   * promise is kept, no try may be in flight, and none may begin.
   */
  @RepeatedTest(100)
  void noTryIsInFlightOnceTheIdlePromiseIsKept() throws Exception {
    Server s = server();
    int threads = 4;
    CountDownLatch running = new CountDownLatch(threads);
    AtomicInteger broken = new AtomicInteger();
    AtomicInteger tries = new AtomicInteger();
    // The promise, once retire() gave it; a placeholder that is never done until then.
    AtomicReference<CompletableFuture<Void>> idle = new AtomicReference<>(new CompletableFuture<>());
    List<Thread> workers = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      workers.add(Thread.ofPlatform().start(() -> {
        running.countDown();
        while (s.begin()) {
          tries.incrementAndGet();
          if (idle.get().isDone()) {
            broken.incrementAndGet(); // a try in flight after the server was declared idle
          }
          s.end(1, System.nanoTime());
        }
      }));
    }
    running.await();
    while (tries.get() < 1000) {
      Thread.onSpinWait();
    }
    CompletableFuture<Void> promise = s.retire();
    idle.set(promise);
    for (Thread w : workers) {
      w.join(TimeUnit.SECONDS.toMillis(10));
    }

    assertThat(promise).isCompleted();
    assertThat(s.inflight()).isZero();
    assertThat(broken.get()).isZero();
  }
}
