package dev.nonstop.gateway.internal.balance;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

class RoundRobinBalancerTest {
  @Test
  void takesTheServersInTurn() {
    List<TestEndpoint> tier = TestEndpoint.equal(4);
    List<TestEndpoint> picks = Picks.take(Balancers.roundRobin(tier), s -> true, 4 * 250);

    assertThat(Picks.count(picks)).containsOnlyKeys(tier).allSatisfy((s, n) -> assertThat(n).isEqualTo(250));
    for (int i = 0; i + 4 <= picks.size(); i++) {
      assertThat(new HashSet<>(picks.subList(i, i + 4))).as("picks %d..%d", i, i + 3).hasSize(4);
    }
  }

  @Test
  void ignoresWeights() {
    List<TestEndpoint> tier = TestEndpoint.tier(5, 1, 1);
    Map<TestEndpoint, Integer> counts = Picks.count(Picks.take(Balancers.roundRobin(tier), s -> true, 300));

    assertThat(counts.values()).containsOnly(100);
  }

  @Test
  void sharesADownServersTurnsEquallyAmongTheOthers() {
    // Skipping a down server without consuming its turn would give its successor a double share.
    List<TestEndpoint> tier = TestEndpoint.equal(5);
    Predicate<TestEndpoint> usable = s -> s != tier.get(1) && s != tier.get(2);
    List<TestEndpoint> picks = Picks.take(Balancers.roundRobin(tier), usable, 3 * 400);

    Map<TestEndpoint, Integer> counts = Picks.count(picks);
    assertThat(counts).containsOnlyKeys(tier.get(0), tier.get(3), tier.get(4));
    assertThat(counts.values()).containsOnly(400);
  }

  @Test
  void returnsNullWhenNothingIsUsable() {
    Balancer<TestEndpoint> lb = Balancers.roundRobin(TestEndpoint.equal(3));

    assertThat(lb.pick(s -> false, Picks.KEY, 0)).isNull();
  }
}
