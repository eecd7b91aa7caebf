package dev.nonstop.gateway.internal.balance;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.Arrays;
import java.util.function.Predicate;

/**
 * nginx's {@code ip_hash}, to the constant: starting from 89, each byte of the client's address
 * folds in as {@code hash = (hash * 113 + byte) % 6271}, and {@code hash % totalWeight} lands on a
 * server by configured weight. An IPv4 client hashes on its first three octets, so the clients of
 * one /24 (often one office behind several NAT addresses) share a server; an IPv6 client hashes on
 * all sixteen bytes. Keeping nginx's function means a tier listed in the same order with the same
 * weights maps every client where nginx did, so moving from nginx does not reshuffle sessions.
 *
 * <p>When the chosen server is not usable, the same bytes fold in again onto the hash, which lands
 * somewhere else deterministically: the clients of a down server spread over the others, and each
 * one keeps its stand-in for as long as the server stays down. After 20 such rehashes (nginx's
 * limit; by then most of the tier is out) the pick falls back to round robin over the usable ones.
 *
 * <p>Configured weights, not effective ones: slow start must not move clients between servers.
 * This is modulo hashing, so adding or removing a server remaps most clients, as in nginx; {@link
 * HashRing} is the balancer that remaps only the keys that must move.
 */
final class IpHash<E extends Endpoint> implements Balancer<E> {
  /** nginx's limit on rehashes before falling back to round robin. */
  private static final int REHASHES = 20;

  private final E[] servers;
  /** {@code ends[i]}: the sum of the weights of servers 0..i; server i owns [ends[i-1], ends[i]). */
  private final long[] ends;
  private final long totalWeight;
  private final RoundRobin<E> fallback;

  /** @param servers a non-empty snapshot, not copied */
  IpHash(E[] servers) {
    this.servers = servers;
    this.ends = new long[servers.length];
    long sum = 0;
    for (int i = 0; i < servers.length; i++) {
      sum += servers[i].weight();
      ends[i] = sum;
    }
    this.totalWeight = sum;
    this.fallback = new RoundRobin<>(servers);
  }

  @Override
  public E pick(Predicate<? super E> usable, RequestKey key, long nowNanos) {
    InetAddress client = key.client();
    // getAddress() copies 4 or 16 bytes: the one allocation InetAddress's API leaves no way around.
    byte[] addr = client.getAddress();
    int length = client instanceof Inet4Address ? 3 : addr.length;
    int hash = 89;
    for (int attempt = 0; attempt <= REHASHES; attempt++) {
      for (int i = 0; i < length; i++) {
        hash = (hash * 113 + (addr[i] & 0xff)) % 6271;
      }
      E server = servers[owner(hash % totalWeight)];
      if (usable.test(server)) {
        return server;
      }
    }
    return fallback.pick(usable, key, nowNanos);
  }

  /** The index of the server whose weight range holds {@code w}, in 0..totalWeight-1. */
  private int owner(long w) {
    int i = Arrays.binarySearch(ends, w);
    // Found: w is where server i's range ends, so the next server's begins. Not found: the
    // insertion point is the first server whose range ends after w.
    return i >= 0 ? i + 1 : -i - 1;
  }
}
