package dev.nonstop.gateway.internal.balance;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class SmoothWeightedBalancerTest {

  @Test
  void interleavesLikeNginxForWeights511() {
    TestEndpoint a = new TestEndpoint("a", 5);
    TestEndpoint b = new TestEndpoint("b", 1);
    TestEndpoint c = new TestEndpoint("c", 1);
    List<TestEndpoint> picks = Picks.take(Balancers.weighted(List.of(a, b, c)), s -> true, 14);

    assertThat(picks).containsExactly(a, a, b, a, c, a, a, a, a, b, a, c, a, a);
  }

  @Test
  void leavesOutAnUnusableServerAndSharesByTheOthersWeights() {
    List<TestEndpoint> tier = TestEndpoint.tier(5, 1, 1);
    Predicate<TestEndpoint> usable = s -> s != tier.get(1);
    Map<TestEndpoint, Integer> counts = Picks.count(Picks.take(Balancers.weighted(tier), usable, 6 * 50));

    assertThat(counts).containsOnlyKeys(tier.get(0), tier.get(2));
    assertThat(counts.get(tier.get(0))).isEqualTo(250);
    assertThat(counts.get(tier.get(2))).isEqualTo(50);
  }

  @Test
  void givesAServerInSlowStartItsReducedShare() {
    List<TestEndpoint> tier = TestEndpoint.tier(1, 1);
    tier.get(0).warming(0.25);
    Map<TestEndpoint, Integer> counts = Picks.count(Picks.take(Balancers.weighted(tier), s -> true, 500));

    assertThat(counts.get(tier.get(0))).isEqualTo(100);
    assertThat(counts.get(tier.get(1))).isEqualTo(400);
  }

  @Test
  void returnsNullWhenNothingIsUsable() {
    assertThat(Balancers.weighted(TestEndpoint.tier(3, 1)).pick(s -> false, Picks.KEY, 0)).isNull();
  }

  /**
   * Against the algorithm as nginx writes it, on integers: the same sequence, each server exactly
   * its weight times per cycle of the weights' sum, and never a whole pick ahead of its share in any
   * prefix (after t picks, current = t * w - total * count, and the picked server's current was the
   * maximum, at least the positive mean, before the subtraction, so it stays above -total).
   */
  @Property(tries = 300)
  void agreesWithNginxAndIsExactAndSmooth(@ForAll("weightsAndMask") WeightsAndMask tier,
      @ForAll @IntRange(min = 1, max = 4) int cycles) {
    List<TestEndpoint> servers = TestEndpoint.tier(tier.weights());
    Predicate<TestEndpoint> usable = s -> tier.usable()[servers.indexOf(s)];
    int total = 0;
    for (int i = 0; i < servers.size(); i++) {
      total += tier.usable()[i] ? tier.weights()[i] : 0;
    }
    Balancer<TestEndpoint> lb = Balancers.weighted(servers);
    Reference reference = new Reference(tier.weights(), tier.usable());
    int[] counts = new int[servers.size()];

    for (int t = 1; t <= total * cycles; t++) {
      TestEndpoint picked = lb.pick(usable, Picks.KEY, 0);
      int expected = reference.pick();
      assertThat(servers.indexOf(picked)).as("pick %d", t).isEqualTo(expected);
      counts[expected]++;
      for (int i = 0; i < counts.length; i++) {
        double share = (double) t * (tier.usable()[i] ? tier.weights()[i] : 0) / total;
        assertThat((double) counts[i]).as("picks of server %d in the first %d", i, t).isLessThan(share + 1);
      }
    }
    for (int i = 0; i < counts.length; i++) {
      assertThat(counts[i]).isEqualTo(tier.usable()[i] ? tier.weights()[i] * cycles : 0);
    }
  }

  @Test
  void referenceGivesNginxsDocumentedSequence() {
    Reference r = new Reference(new int[] {5, 1, 1}, new boolean[] {true, true, true});
    List<Integer> seq = new ArrayList<>();
    for (int i = 0; i < 7; i++) {
      seq.add(r.pick());
    }
    assertThat(seq).containsExactly(0, 0, 1, 0, 2, 0, 0);
  }

  @Provide
  Arbitrary<WeightsAndMask> weightsAndMask() {
    return Arbitraries.integers().between(1, 8).flatMap(n -> Combinators.combine(
        Arbitraries.integers().between(1, 10).array(int[].class).ofSize(n),
        Arbitraries.of(true, true, true, false).array(boolean[].class).ofSize(n))
        .as(WeightsAndMask::new)
        .filter(t -> {
          for (boolean u : t.usable()) {
            if (u) {
              return true;
            }
          }
          return false;
        }));
  }

  record WeightsAndMask(int[] weights, boolean[] usable) {
  }

  /** nginx's loop, transcribed: add, take the first maximum, subtract the total. */
  private static final class Reference {
    private final int[] weights;
    private final boolean[] usable;
    private final int[] current;

    Reference(int[] weights, boolean[] usable) {
      this.weights = weights;
      this.usable = usable;
      this.current = new int[weights.length];
    }

    int pick() {
      int best = -1;
      int total = 0;
      for (int i = 0; i < weights.length; i++) {
        if (!usable[i]) {
          continue;
        }
        current[i] += weights[i];
        total += weights[i];
        if (best == -1 || current[i] > current[best]) {
          best = i;
        }
      }
      current[best] -= total;
      return best;
    }
  }
}
