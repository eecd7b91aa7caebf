package dev.nonstop.gateway.internal.balance;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Picks from several threads at once, as from several event loops. The exact totals hold because
 * of how each balancer shares its state: the smooth weighted one is serial under its lock, so four
 * threads see one nginx sequence between them; round robin hands out each counter value once.
 */
@Timeout(60)
class BalancerConcurrencyTest {
  private static final int THREADS = 4;
  private static final int PICKS = 100_000;

  @Test
  void weightedGivesExactSharesUnderContention() throws Exception {
    List<TestEndpoint> tier = TestEndpoint.tier(5, 3, 2);
    long[] counts = race(Balancers.weighted(tier), tier, s -> true, false);

    // 400 000 picks are 40 000 whole cycles of 10.
    assertThat(counts).containsExactly(200_000, 120_000, 80_000);
  }

  @Test
  void roundRobinGivesExactSharesUnderContention() throws Exception {
    List<TestEndpoint> tier = TestEndpoint.equal(4);
    long[] counts = race(Balancers.roundRobin(tier), tier, s -> true, false);

    assertThat(counts).containsOnly(100_000);
  }

  @ParameterizedTest
  @EnumSource(Algorithm.class)
  void picksOnlyUsableServersUnderContention(Algorithm algorithm) throws Exception {
    List<TestEndpoint> tier = TestEndpoint.tier(1, 2, 3, 1, 2);
    TestEndpoint down = tier.get(2);
    long[] counts = race(algorithm.over(tier), tier, s -> s != down, true);

    assertThat(counts[2]).isZero();
    assertThat(counts[0] + counts[1] + counts[3] + counts[4]).isEqualTo(THREADS * PICKS);
    assertThat(tier).allSatisfy(s -> assertThat(s.inflight()).isZero());
  }

  /**
   * {@link #THREADS} threads make {@link #PICKS} picks each, released together; with {@code
   * requests}, each pick opens a request that the thread closes at its next pick, so loads move
   * under the balancer. Returns the picks per server.
   */
  private static long[] race(Balancer<TestEndpoint> lb, List<TestEndpoint> tier,
      Predicate<TestEndpoint> usable, boolean requests) throws Exception {
    CyclicBarrier start = new CyclicBarrier(THREADS);
    List<Callable<long[]>> tasks = new ArrayList<>();
    for (int t = 0; t < THREADS; t++) {
      TestKey key = TestKey.from("10.0." + t + ".1");
      tasks.add(() -> {
        long[] counts = new long[tier.size()];
        TestEndpoint open = null;
        start.await();
        for (int i = 0; i < PICKS; i++) {
          TestEndpoint picked = lb.pick(usable, key, i);
          if (open != null) {
            open.end();
            open = null;
          }
          if (requests) {
            picked.begin();
            open = picked;
          }
          counts[tier.indexOf(picked)]++;
        }
        if (open != null) {
          open.end();
        }
        return counts;
      });
    }
    ExecutorService pool = Executors.newFixedThreadPool(THREADS);
    try {
      long[] total = new long[tier.size()];
      for (Future<long[]> f : pool.invokeAll(tasks)) {
        long[] counts = f.get();
        for (int i = 0; i < total.length; i++) {
          total[i] += counts[i];
        }
      }
      return total;
    } finally {
      pool.shutdownNow();
    }
  }
}
