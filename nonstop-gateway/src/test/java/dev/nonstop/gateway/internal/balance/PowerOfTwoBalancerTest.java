package dev.nonstop.gateway.internal.balance;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.constraints.UniqueElements;
import org.junit.jupiter.api.Test;

/** {@link Balancers#p2c} and {@link Balancers#ewma}, the two costs of {@link PowerOfTwo}. */
class PowerOfTwoBalancerTest {
  private static final double MS = TimeUnit.MILLISECONDS.toNanos(1);

  @Test
  void ofTwoServersAlwaysPicksTheLessLoaded() {
    List<TestEndpoint> tier = TestEndpoint.equal(2);
    tier.get(0).inflight(4);
    tier.get(1).inflight(3);

    assertThat(Picks.take(Balancers.p2c(tier), s -> true, 200)).containsOnly(tier.get(1));
  }

  /** Whatever pair is drawn, the most loaded server is in it only against a less loaded one. */
  @Property(tries = 200)
  void neverPicksTheMostLoadedOfThree(
      @ForAll @Size(3) @UniqueElements List<@IntRange(max = 50) Integer> loads) {
    List<TestEndpoint> tier = TestEndpoint.equal(3);
    for (int i = 0; i < 3; i++) {
      tier.get(i).inflight(loads.get(i));
    }
    TestEndpoint busiest = tier.get(loads.indexOf(loads.stream().max(Integer::compare).orElseThrow()));

    assertThat(Picks.take(Balancers.p2c(tier), s -> true, 50)).doesNotContain(busiest);
  }

  @Test
  void weighsLoadByEffectiveWeight() {
    List<TestEndpoint> tier = TestEndpoint.tier(2, 1);
    tier.get(0).inflight(3); // (3 + 1) / 2 = 2
    tier.get(1).inflight(2); // (2 + 1) / 1 = 3

    assertThat(Picks.take(Balancers.p2c(tier), s -> true, 100)).containsOnly(tier.get(0));

    tier.get(0).warming(1); // slow start: (3 + 1) / 1 = 4
    assertThat(Picks.take(Balancers.p2c(tier), s -> true, 100)).containsOnly(tier.get(1));
  }

  @Test
  void drawsIdleServersUniformly() {
    List<TestEndpoint> tier = TestEndpoint.equal(4);
    Map<TestEndpoint, Integer> counts = Picks.count(Picks.take(Balancers.p2c(tier), s -> true, 4000));

    // 1000 each, a standard deviation of 27.
    assertThat(counts.values()).hasSize(4).allSatisfy(n -> assertThat(n).isBetween(850, 1150));
  }

  @Test
  void drawsUniformlyAmongTheFewUsableServersOfAMostlyDownTier() {
    // 3 of 30 usable: the draws mostly miss, and the scan must still draw the pair uniformly.
    List<TestEndpoint> tier = TestEndpoint.equal(30);
    Set<TestEndpoint> up = Set.of(tier.get(0), tier.get(11), tier.get(29));
    Map<TestEndpoint, Integer> counts = Picks.count(Picks.take(Balancers.p2c(tier), up::contains, 3000));

    assertThat(counts).containsOnlyKeys(up);
    assertThat(counts.values()).allSatisfy(n -> assertThat(n).isBetween(850, 1150));
  }

  @Test
  void ewmaPrefersTheFasterServer() {
    List<TestEndpoint> tier = TestEndpoint.equal(2);
    tier.get(0).latencyNanos(5 * MS);
    tier.get(1).latencyNanos(1 * MS);

    assertThat(Picks.take(Balancers.ewma(tier), s -> true, 100)).containsOnly(tier.get(1));
  }

  @Test
  void ewmaWeighsLatencyByRequestsInFlight() {
    List<TestEndpoint> tier = TestEndpoint.equal(2);
    tier.get(0).latencyNanos(1 * MS).inflight(4); // 5 ms to wait
    tier.get(1).latencyNanos(2 * MS); // 2 ms

    assertThat(Picks.take(Balancers.ewma(tier), s -> true, 100)).containsOnly(tier.get(1));
  }

  @Test
  void ewmaTriesAnUnmeasuredIdleServer() {
    List<TestEndpoint> tier = TestEndpoint.equal(2);
    tier.get(0).latencyNanos(0.1 * MS);

    assertThat(Picks.take(Balancers.ewma(tier), s -> true, 100)).containsOnly(tier.get(1));
  }

  @Test
  void ewmaWaitsForAnUnmeasuredServersFirstAnswer() {
    List<TestEndpoint> tier = TestEndpoint.equal(2);
    tier.get(0).latencyNanos(1000 * MS).inflight(10);
    tier.get(1).inflight(1); // tried, no answer yet

    assertThat(Picks.take(Balancers.ewma(tier), s -> true, 100)).containsOnly(tier.get(0));
  }

  @Test
  void returnsNullWhenNothingIsUsable() {
    assertThat(Balancers.p2c(TestEndpoint.equal(5)).pick(s -> false, Picks.KEY, 0)).isNull();
    assertThat(Balancers.ewma(TestEndpoint.equal(1)).pick(s -> false, Picks.KEY, 0)).isNull();
  }
}
