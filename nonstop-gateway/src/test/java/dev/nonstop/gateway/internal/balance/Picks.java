package dev.nonstop.gateway.internal.balance;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/** Repeated picks and their tallies. */
final class Picks {
  static final RequestKey KEY = TestKey.from("192.0.2.1");

  private Picks() {
  }

  /** {@code n} picks in a row with the same predicate and key, at time 0. */
  static List<TestEndpoint> take(Balancer<TestEndpoint> lb, Predicate<TestEndpoint> usable, int n) {
    List<TestEndpoint> picks = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      picks.add(lb.pick(usable, KEY, 0));
    }
    return picks;
  }

  static Map<TestEndpoint, Integer> count(List<TestEndpoint> picks) {
    Map<TestEndpoint, Integer> counts = new HashMap<>();
    for (TestEndpoint s : picks) {
      counts.merge(s, 1, Integer::sum);
    }
    return counts;
  }
}
