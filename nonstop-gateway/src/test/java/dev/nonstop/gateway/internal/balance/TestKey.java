package dev.nonstop.gateway.internal.balance;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;

/** A request's hashing key with a fixed client address, headers and cookies. */
record TestKey(InetAddress client, Map<String, String> headers, Map<String, String> cookies)
    implements RequestKey {

  /** A request from {@code ip} (a literal, never resolved) without headers or cookies. */
  static TestKey from(String ip) {
    return new TestKey(address(ip), Map.of(), Map.of());
  }

  /** A request from 192.0.2.1 with one header. */
  static TestKey withHeader(String name, String value) {
    return new TestKey(address("192.0.2.1"), Map.of(name, value), Map.of());
  }

  /** A request from 192.0.2.1 with one cookie. */
  static TestKey withCookie(String name, String value) {
    return new TestKey(address("192.0.2.1"), Map.of(), Map.of(name, value));
  }

  /** Any IPv4 or IPv6 client address. */
  static Arbitrary<InetAddress> anyClient() {
    return Arbitraries.oneOf(Arbitraries.bytes().array(byte[].class).ofSize(4),
        Arbitraries.bytes().array(byte[].class).ofSize(16)).map(bytes -> {
          try {
            return InetAddress.getByAddress(bytes);
          } catch (UnknownHostException e) {
            throw new AssertionError(e);
          }
        });
  }

  static InetAddress address(String ip) {
    try {
      return InetAddress.getByName(ip); // a literal: no lookup
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException(ip, e);
    }
  }

  @Override
  public String header(String name) {
    return headers.get(name);
  }

  @Override
  public String cookie(String name) {
    return cookies.get(name);
  }
}
