package dev.nonstop.gateway.internal.balance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class BalancersTest {

  @ParameterizedTest
  @EnumSource(Algorithm.class)
  void anEmptyTierNeverYieldsAServer(Algorithm algorithm) {
    assertThat(algorithm.over(List.of()).pick(s -> true, TestKey.withHeader("X-User", "alice"), 0)).isNull();
  }

  @ParameterizedTest
  @EnumSource(Algorithm.class)
  void aBalancerKeepsTheTierItWasBuiltWith(Algorithm algorithm) {
    List<TestEndpoint> tier = new ArrayList<>(TestEndpoint.equal(1));
    Balancer<TestEndpoint> lb = algorithm.over(tier);
    TestEndpoint only = tier.get(0);
    tier.set(0, new TestEndpoint("10.9.9.9:80", 1));

    assertThat(lb.pick(s -> true, Picks.KEY, 0)).isSameAs(only);
  }

  @ParameterizedTest
  @EnumSource(Algorithm.class)
  void rejectsANullServerOrAZeroWeight(Algorithm algorithm) {
    assertThatThrownBy(() -> algorithm.over(Arrays.asList(new TestEndpoint("a:1", 1), null)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("tier[1]: null (expected: a server)");
    assertThatThrownBy(() -> algorithm.over(List.of(new TestEndpoint("a:1", 0))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("weight of a:1: 0 (expected: >= 1)");
  }

  @Test
  void rejectsAnEmptyHashName() {
    assertThatThrownBy(() -> Balancers.headerHash(TestEndpoint.equal(2), ""))
        .hasMessage("header name: '' (expected: not empty)");
    assertThatThrownBy(() -> Balancers.cookieHash(TestEndpoint.equal(2), null))
        .hasMessage("cookie name: 'null' (expected: not empty)");
  }
}
