package dev.nonstop.gateway.internal.balance;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LeastConnBalancerTest {

  @Test
  void picksTheServerWithTheFewestRequestsInFlight() {
    List<TestEndpoint> tier = TestEndpoint.equal(4);
    tier.get(0).inflight(3);
    tier.get(1).inflight(5);
    tier.get(2).inflight(1);
    tier.get(3).inflight(2);
    Balancer<TestEndpoint> lb = Balancers.leastConn(tier);

    assertThat(Picks.take(lb, s -> true, 100)).containsOnly(tier.get(2));
    assertThat(Picks.take(lb, s -> s != tier.get(2), 100)).containsOnly(tier.get(3));
  }

  @Test
  void breaksTiesAtRandom() {
    List<TestEndpoint> tier = TestEndpoint.equal(4);
    tier.get(0).inflight(2);
    Map<TestEndpoint, Integer> counts = Picks.count(Picks.take(Balancers.leastConn(tier), s -> true, 3000));

    // Uniform over the three tied: 1000 each, a standard deviation of 26.
    assertThat(counts).containsOnlyKeys(tier.get(1), tier.get(2), tier.get(3));
    assertThat(counts.values()).allSatisfy(n -> assertThat(n).isBetween(850, 1150));
  }

  @Test
  void fillsServersInProportionToTheirWeights() {
    List<TestEndpoint> tier = TestEndpoint.tier(3, 1);
    TestEndpoint heavy = tier.get(0);
    TestEndpoint light = tier.get(1);
    Balancer<TestEndpoint> lb = Balancers.leastConn(tier);
    for (int i = 0; i < 400; i++) {
      lb.pick(s -> true, Picks.KEY, 0).begin(); // requests that never finish
    }

    // Each pick adds 1/3 or 1 to a score (inflight + 1) / weight, always to the lowest, so the two
    // scores never differ by more than 1: |(h + 1) / 3 - (l + 1)| <= 1 with h + l = 400.
    assertThat(light.inflight()).isBetween(99, 100);
    assertThat(heavy.inflight()).isEqualTo(400 - light.inflight());
  }

  @Test
  void countsAWarmingServerAtItsReducedWeight() {
    List<TestEndpoint> tier = TestEndpoint.tier(4, 1);
    tier.get(0).inflight(1).warming(0.4); // (1 + 1) / 0.4 = 5
    tier.get(1).inflight(3); // (3 + 1) / 1 = 4

    assertThat(Picks.take(Balancers.leastConn(tier), s -> true, 50)).containsOnly(tier.get(1));
  }

  @Test
  void returnsNullWhenNothingIsUsable() {
    assertThat(Balancers.leastConn(TestEndpoint.equal(3)).pick(s -> false, Picks.KEY, 0)).isNull();
  }
}
