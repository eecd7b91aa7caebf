package dev.nonstop.web.http;

import io.netty.util.NetUtil;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

/**
 * The set of trusted proxies as CIDR blocks. Empty by default: forwarding headers are then ignored,
 * unlike Gin's trust-everyone default, which lets any client spoof its address.
 */
public final class Trusted {
  private record Block(byte[] network, int bits) {
    boolean contains(byte[] a) {
      if (a.length != network.length) {
        return false;
      }
      int full = bits / 8;
      for (int i = 0; i < full; i++) {
        if (a[i] != network[i]) {
          return false;
        }
      }
      int rest = bits % 8;
      if (rest == 0) {
        return true;
      }
      int mask = (0xff << (8 - rest)) & 0xff;
      return (a[full] & mask) == (network[full] & mask);
    }
  }

  private final List<Block> blocks = new ArrayList<>();

  /** @throws IllegalArgumentException naming the entry that is not an IP literal or CIDR block */
  public Trusted(List<String> cidrs) {
    for (String c : cidrs) {
      blocks.add(parse(c));
    }
  }

  /** Whether no proxy is trusted (the default). */
  public boolean isEmpty() {
    return blocks.isEmpty();
  }

  /** Whether {@code address} is inside one of the blocks; false for null. */
  public boolean contains(InetAddress address) {
    if (address == null) {
      return false;
    }
    byte[] a = address.getAddress();
    for (Block b : blocks) {
      if (b.contains(a)) {
        return true;
      }
    }
    return false;
  }

  /**
   * Parses an IP literal, strictly and without DNS; null when {@code s} is not one. Strict because the
   * JDK's parser takes {@code 1} or {@code 1.2.3} as addresses (BSD shorthand) and sends anything
   * else that looks numeric, such as {@code 999.1.1.1}, to the resolver: a client must not be able
   * to trigger DNS lookups through a header.
   */
  public static InetAddress literal(String s) {
    String t = s.trim();
    if (t.length() > 2 && t.startsWith("[") && t.endsWith("]")) {
      t = t.substring(1, t.length() - 1);
    }
    byte[] bytes = NetUtil.createByteArrayFromIpAddressString(t);
    if (bytes == null) {
      return null;
    }
    try {
      return InetAddress.getByAddress(bytes); // IPv4-mapped IPv6 comes back as IPv4
    } catch (UnknownHostException e) {
      return null; // not 4 or 16 bytes: cannot happen
    }
  }

  /** {@code a} as text: dotted quad, or RFC 5952 IPv6 ({@code 2001:db8::1}, not the JDK's long form). */
  public static String text(InetAddress a) {
    return NetUtil.toAddressString(a);
  }

  private static Block parse(String cidr) {
    String s = cidr == null ? "" : cidr.trim();
    int slash = s.indexOf('/');
    InetAddress a = literal(slash < 0 ? s : s.substring(0, slash));
    if (a == null) {
      throw new IllegalArgumentException("trustedProxies: '" + cidr + "' (expected: an IP address or CIDR block such as 10.0.0.0/8)");
    }
    int max = a.getAddress().length * 8;
    int bits = max;
    if (slash >= 0) {
      try {
        bits = Integer.parseInt(s.substring(slash + 1));
      } catch (NumberFormatException e) {
        bits = -1;
      }
      if (bits < 0 || bits > max) {
        throw new IllegalArgumentException("trustedProxies: '" + cidr + "' (expected: prefix length 0-" + max + ")");
      }
    }
    return new Block(a.getAddress(), bits);
  }
}
