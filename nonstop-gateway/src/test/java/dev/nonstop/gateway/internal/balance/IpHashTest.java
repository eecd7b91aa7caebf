package dev.nonstop.gateway.internal.balance;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.IntStream;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

class IpHashTest {

  @Test
  void usesNginxsFunction() {
    // By hand: 89 -> (89 * 113 + 192) % 6271 = 3978 -> 4441 -> 154 after 192.168.1; 154 % 3 = 1.
    List<TestEndpoint> tier = TestEndpoint.equal(3);

    assertThat(Balancers.ipHash(tier).pick(s -> true, TestKey.from("192.168.1.77"), 0)).isSameAs(tier.get(1));
  }

  @Test
  void keepsEveryClientOfANetworkOnOneServer() {
    List<TestEndpoint> tier = TestEndpoint.equal(7);
    Balancer<TestEndpoint> lb = Balancers.ipHash(tier);

    for (int net = 0; net < 64; net++) {
      Set<TestEndpoint> servers = new HashSet<>();
      for (int host = 0; host < 256; host++) {
        servers.add(lb.pick(s -> true, TestKey.from("10." + net + ".2." + host), 0));
      }
      assertThat(servers).as("10.%d.2.0/24", net).hasSize(1);
    }
  }

  @Test
  void spreadsNetworksOverTheServersByWeight() {
    List<TestEndpoint> tier = TestEndpoint.tier(1, 1, 2);
    Balancer<TestEndpoint> lb = Balancers.ipHash(tier);
    int[] counts = new int[3];
    for (int i = 0; i < 4000; i++) {
      counts[tier.indexOf(lb.pick(s -> true, TestKey.from("10." + i / 256 + "." + i % 256 + ".1"), 0))]++;
    }

    assertThat(counts[0]).isBetween(800, 1200);
    assertThat(counts[1]).isBetween(800, 1200);
    assertThat(counts[2]).isBetween(1600, 2400);
  }

  @Test
  void hashesAllOfAnIpv6Address() {
    List<TestEndpoint> tier = TestEndpoint.equal(5);
    Balancer<TestEndpoint> lb = Balancers.ipHash(tier);
    Set<TestEndpoint> servers = new HashSet<>();
    for (int last = 0; last < 256; last++) {
      servers.add(lb.pick(s -> true, TestKey.from("2001:db8::" + Integer.toHexString(last)), 0));
    }

    assertThat(servers).hasSize(5);
  }

  @Test
  void movesTheClientsOfAnUnusableServerAndKeepsEachOnItsStandIn() {
    List<TestEndpoint> tier = TestEndpoint.equal(5);
    Balancer<TestEndpoint> lb = Balancers.ipHash(tier);
    TestKey client = TestKey.from("198.51.100.7");
    TestEndpoint home = lb.pick(s -> true, client, 0);
    Predicate<TestEndpoint> homeDown = s -> s != home;

    TestEndpoint standIn = lb.pick(homeDown, client, 0);
    assertThat(standIn).isNotSameAs(home);
    assertThat(Picks.count(List.of(lb.pick(homeDown, client, 0), lb.pick(homeDown, client, 0))))
        .containsOnlyKeys(standIn);
    assertThat(lb.pick(s -> true, client, 0)).as("back once usable").isSameAs(home);
  }

  @Test
  void fallsBackToRoundRobinWhenRehashingFindsNothing() {
    // Of 40 servers only 2 are usable: 21 draws miss both for about a third of the clients.
    List<TestEndpoint> tier = TestEndpoint.equal(40);
    Predicate<TestEndpoint> usable = s -> s == tier.get(3) || s == tier.get(30);
    Balancer<TestEndpoint> lb = Balancers.ipHash(tier);
    boolean sawRoundRobin = false;
    for (int net = 0; net < 100; net++) {
      TestKey client = TestKey.from("10.9." + net + ".1");
      Set<TestEndpoint> picked = new HashSet<>();
      for (int i = 0; i < 4; i++) {
        picked.add(lb.pick(usable, client, 0));
      }
      // A rehash that lands on a usable server keeps the client there; round robin alternates.
      assertThat(picked).allMatch(usable);
      sawRoundRobin |= picked.size() == 2;
    }
    assertThat(sawRoundRobin).isTrue();
  }

  @Test
  void rehashesTwentyTimesBeforeFallingBack() {
    List<TestEndpoint> tier = TestEndpoint.equal(40);
    int[] weights = new int[40];
    Arrays.fill(weights, 1);
    boolean[] usable = new boolean[40];
    usable[3] = true;
    usable[30] = true;
    Balancer<TestEndpoint> lb = Balancers.ipHash(tier);

    // A client whose 21st hash, the last nginx takes, is the first to land on a usable server.
    InetAddress client = IntStream.range(0, 65_536)
        .mapToObj(i -> TestKey.address("10." + (i >> 8) + "." + (i & 255) + ".1"))
        .filter(c -> nginx(c, weights, usable).equals(new Nginx(3, 21)))
        .findFirst().orElseThrow();
    TestKey key = new TestKey(client, Map.of(), Map.of());
    for (int i = 0; i < 4; i++) {
      assertThat(lb.pick(s -> usable[tier.indexOf(s)], key, 0)).isSameAs(tier.get(3));
    }
  }

  @Property(tries = 500)
  void agreesWithNginxsLoop(@ForAll("clients") InetAddress client,
      @ForAll @Size(min = 1, max = 9) List<@IntRange(min = 1, max = 5) Integer> weights,
      @ForAll long maskBits) {
    int[] w = weights.stream().mapToInt(Integer::intValue).toArray();
    List<TestEndpoint> tier = TestEndpoint.tier(w);
    boolean[] usable = new boolean[w.length];
    for (int i = 0; i < w.length; i++) {
      usable[i] = (maskBits >>> i & 1) == 1;
    }
    TestKey key = new TestKey(client, Map.of(), Map.of());
    TestEndpoint picked = Balancers.ipHash(tier).pick(s -> usable[tier.indexOf(s)], key, 0);

    int expected = nginx(client, w, usable).server();
    if (expected >= 0) {
      assertThat(tier.indexOf(picked)).isEqualTo(expected);
    } else if (picked != null) {
      assertThat(usable[tier.indexOf(picked)]).as("round robin's pick is usable").isTrue();
    } else {
      assertThat(usable).doesNotContain(true);
    }
  }

  @Provide
  Arbitrary<InetAddress> clients() {
    return TestKey.anyClient();
  }

  /** Where nginx's loop ends: the server's index, or -1 for round robin; the hashes it took. */
  private record Nginx(int server, int draws) {
  }

  /** {@code ngx_http_upstream_get_ip_hash_peer}, transcribed. */
  private static Nginx nginx(InetAddress client, int[] weights, boolean[] usable) {
    byte[] addr = client.getAddress();
    int addrlen = client instanceof Inet4Address ? 3 : 16;
    int total = 0;
    for (int w : weights) {
      total += w;
    }
    int hash = 89;
    int tries = 0;
    for (;;) {
      for (int i = 0; i < addrlen; i++) {
        hash = (hash * 113 + (addr[i] & 0xff)) % 6271;
      }
      int w = hash % total;
      int p = 0;
      while (w >= weights[p]) {
        w -= weights[p];
        p++;
      }
      if (usable[p]) {
        return new Nginx(p, tries + 1);
      }
      if (++tries > 20) {
        return new Nginx(-1, tries);
      }
    }
  }
}
