package dev.nonstop.gateway.internal.balance;

import static org.assertj.core.api.Assertions.assertThat;

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
import net.jqwik.api.constraints.Size;
import net.jqwik.api.statistics.Statistics;

/** What every algorithm promises, whatever the weights, loads, key and usable servers. */
class BalancerPropertyTest {

  @Property(tries = 2000)
  void picksOnlyUsableServersAndNullOnlyWhenNoneIs(@ForAll Algorithm algorithm,
      @ForAll @Size(min = 1, max = 12) List<@IntRange(min = 1, max = 5) Integer> weights,
      @ForAll @Size(12) List<@IntRange(max = 20) Integer> loads,
      @ForAll @IntRange(max = 4095) int mask, @ForAll("keys") TestKey key) {
    List<TestEndpoint> tier = TestEndpoint.tier(weights.stream().mapToInt(Integer::intValue).toArray());
    for (int i = 0; i < tier.size(); i++) {
      int load = loads.get(i);
      // Some servers unmeasured (an estimate of 0), some warming.
      tier.get(i).inflight(load / 2).latencyNanos(load % 3 == 0 ? 0 : load * 1e5)
          .warming(load % 4 == 0 ? weights.get(i) * 0.1 : weights.get(i));
    }
    Predicate<TestEndpoint> usable = s -> (mask >>> tier.indexOf(s) & 1) == 1;
    boolean any = tier.stream().anyMatch(usable);
    Statistics.label("usable").collect(any ? "some" : "none");
    Balancer<TestEndpoint> lb = algorithm.over(tier);

    for (int i = 0; i < 10; i++) {
      TestEndpoint picked = lb.pick(usable, key, 0);
      if (any) {
        assertThat(picked).as("%s over %s", algorithm, tier).isNotNull().matches(usable, "usable");
      } else {
        assertThat(picked).as("%s over %s", algorithm, tier).isNull();
      }
    }
  }

  @Provide
  Arbitrary<TestKey> keys() {
    Arbitrary<String> value = Arbitraries.strings().alpha().ofMaxLength(6).injectNull(0.2);
    return Combinators.combine(TestKey.anyClient(), value).as((c, v) -> v == null
        ? new TestKey(c, Map.of(), Map.of())
        : new TestKey(c, Map.of("X-User", v), Map.of("session", v)));
  }
}
