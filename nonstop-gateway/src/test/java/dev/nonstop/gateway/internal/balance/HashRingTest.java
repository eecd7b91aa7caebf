package dev.nonstop.gateway.internal.balance;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

class HashRingTest {
  private static final String HEADER = "X-User";
  private static final int KEYS = 5000;

  @Test
  void sendsTheSameKeyToTheSameServer() {
    List<TestEndpoint> tier = TestEndpoint.equal(5);
    Balancer<TestEndpoint> byHeader = Balancers.headerHash(tier, HEADER);
    Balancer<TestEndpoint> byCookie = Balancers.cookieHash(tier, "session");

    for (int i = 0; i < 100; i++) {
      String user = "user-" + i;
      TestEndpoint first = byHeader.pick(s -> true, TestKey.withHeader(HEADER, user), 0);
      assertThat(Picks.count(List.of(byHeader.pick(s -> true, TestKey.withHeader(HEADER, user), 0),
          byCookie.pick(s -> true, TestKey.withCookie("session", user), 0)))).containsOnlyKeys(first);
    }
  }

  @Test
  void placesServersByAddressNotByTheirOrderInTheTier() {
    List<TestEndpoint> tier = TestEndpoint.equal(6);
    List<TestEndpoint> reversed = new ArrayList<>(tier);
    Collections.reverse(reversed);

    assertThat(owners(tier, s -> true)).isEqualTo(owners(reversed, s -> true));
  }

  @Test
  void givesEqualServersEqualSharesWithin25Percent() {
    List<TestEndpoint> tier = TestEndpoint.equal(10);
    Map<TestEndpoint, Integer> counts = Picks.count(owners(tier, s -> true, 10_000));

    // Fixed addresses and keys, so a fixed outcome. A share's standard deviation is about 8 % with
    // 160 points, so ±25 % holds for nearly every tier, not for every one.
    assertThat(counts).hasSize(10);
    assertThat(counts.values()).allSatisfy(n -> assertThat(n).isBetween(750, 1250));
  }

  @Test
  void givesServersSharesInProportionToTheirWeights() {
    List<TestEndpoint> tier = TestEndpoint.tier(1, 1, 2, 4);
    Map<TestEndpoint, Integer> counts = Picks.count(owners(tier, s -> true, 10_000));

    assertThat(counts.get(tier.get(0))).isBetween(940, 1560);
    assertThat(counts.get(tier.get(1))).isBetween(940, 1560);
    assertThat(counts.get(tier.get(2))).isBetween(1875, 3125);
    assertThat(counts.get(tier.get(3))).isBetween(3750, 6250);
  }

  @Test
  void sendsRequestsWithoutAKeyRoundRobin() {
    List<TestEndpoint> tier = TestEndpoint.equal(4);
    Balancer<TestEndpoint> lb = Balancers.headerHash(tier, HEADER);

    // Picks.KEY has no header; an empty value is no key either.
    assertThat(Picks.count(Picks.take(lb, s -> true, 400)).values()).containsOnly(100);
    List<TestEndpoint> empty = new ArrayList<>();
    for (int i = 0; i < 400; i++) {
      empty.add(lb.pick(s -> true, TestKey.withHeader(HEADER, ""), 0));
    }
    assertThat(Picks.count(empty).values()).containsOnly(100);
  }

  @Test
  void returnsNullWhenNothingIsUsable() {
    Balancer<TestEndpoint> lb = Balancers.headerHash(TestEndpoint.tier(1, 3, 2), HEADER);

    assertThat(lb.pick(s -> false, TestKey.withHeader(HEADER, "alice"), 0)).isNull();
    assertThat(lb.pick(s -> false, Picks.KEY, 0)).isNull();
  }

  /**
   * The ring's promise: a server leaving moves its keys and no others, and removing it from the
   * tier is the same as it being unusable (the balancer is rebuilt on membership changes, marked
   * unusable on health changes; the two must agree or a flapping server would reshuffle keys).
   */
  @Property(tries = 150)
  void removingAServerMovesOnlyItsKeys(@ForAll("tiers") List<TestEndpoint> tier, @ForAll("index") int pick) {
    TestEndpoint gone = tier.get(pick % tier.size());
    List<TestEndpoint> rest = new ArrayList<>(tier);
    rest.remove(gone);

    List<TestEndpoint> before = owners(tier, s -> true);
    List<TestEndpoint> out = owners(tier, s -> s != gone);
    List<TestEndpoint> after = owners(rest, s -> true);

    assertThat(after).isEqualTo(out);
    for (int k = 0; k < KEYS; k++) {
      if (before.get(k) != gone) {
        assertThat(after.get(k)).as("key %d", k).isSameAs(before.get(k));
      }
    }
    assertThat(after).doesNotContain(gone);
  }

  /** A server joining takes keys from the others and only about its fair share 1/(n + 1). */
  @Property(tries = 150)
  void addingAServerMovesOnlyItsShareOfKeysToIt(@ForAll("tiers") List<TestEndpoint> tier) {
    List<TestEndpoint> grown = new ArrayList<>(tier);
    TestEndpoint added = new TestEndpoint("192.0.2.99:9000", 1);
    grown.add(added);

    List<TestEndpoint> before = owners(tier, s -> true);
    List<TestEndpoint> after = owners(grown, s -> true);

    int moved = 0;
    for (int k = 0; k < KEYS; k++) {
      if (after.get(k) != before.get(k)) {
        assertThat(after.get(k)).as("key %d", k).isSameAs(added);
        moved++;
      }
    }
    // With 160 points a server's share is within about 8 % of fair (one standard deviation), the
    // 5000 keys add a few percent: 50 % is more than five standard deviations.
    double fair = (double) KEYS / grown.size();
    assertThat((double) moved).isBetween(0.5 * fair, 1.5 * fair);
  }

  @Provide
  Arbitrary<List<TestEndpoint>> tiers() {
    return Arbitraries.integers().between(0, 65_535).set().ofMinSize(2).ofMaxSize(12)
        .map(ids -> ids.stream()
            .map(id -> new TestEndpoint("10.1." + (id >> 8) + "." + (id & 255) + ":8080", 1))
            .toList());
  }

  @Provide
  Arbitrary<Integer> index() {
    return Arbitraries.integers().between(0, 11);
  }

  private static List<TestEndpoint> owners(List<TestEndpoint> tier, Predicate<TestEndpoint> usable) {
    return owners(tier, usable, KEYS);
  }

  /** The server of each of keys "user-0", "user-1", ... */
  private static List<TestEndpoint> owners(List<TestEndpoint> tier, Predicate<TestEndpoint> usable,
      int keys) {
    Balancer<TestEndpoint> lb = Balancers.headerHash(tier, HEADER);
    List<TestEndpoint> owners = new ArrayList<>(keys);
    for (int k = 0; k < keys; k++) {
      owners.add(lb.pick(usable, TestKey.withHeader(HEADER, "user-" + k), 0));
    }
    return owners;
  }
}
