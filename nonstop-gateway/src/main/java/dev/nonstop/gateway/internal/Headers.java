package dev.nonstop.gateway.internal;

import dev.nonstop.web.http.Trusted;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;
import java.net.InetAddress;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The header rewriting of a proxy hop (RFC 9110 7.6): hop-by-hop headers stay on their hop, the
 * {@code X-Forwarded-*} family tells the upstream who the client was, {@code Via} records the hop,
 * and a request id and a W3C {@code traceparent} are passed on or made up so that the logs of
 * gateway and upstream can be joined.
 *
 * <p>Client-sent forwarding headers are believed only from a configured trusted proxy; otherwise
 * they are replaced, since any client can write {@code X-Forwarded-For: 127.0.0.1}.
 */
final class Headers {
  static final AsciiString X_FORWARDED_FOR = AsciiString.cached("x-forwarded-for");
  static final AsciiString X_FORWARDED_PROTO = AsciiString.cached("x-forwarded-proto");
  static final AsciiString X_FORWARDED_HOST = AsciiString.cached("x-forwarded-host");
  static final AsciiString X_REQUEST_ID = AsciiString.cached("x-request-id");
  static final AsciiString TRACEPARENT = AsciiString.cached("traceparent");
  static final AsciiString KEEP_ALIVE = AsciiString.cached("keep-alive");
  static final AsciiString PROXY_CONNECTION = AsciiString.cached("proxy-connection");
  static final String VIA = "1.1 nonstop";

  private Headers() {}

  /**
   * Removes the hop-by-hop headers of {@code h}: the fixed list and every header the
   * {@code Connection} header names. {@code Transfer-Encoding} goes too (Netty's codecs frame the
   * body on each hop). An {@code Upgrade} is kept when {@code upgrade} is set (WebSocket), with
   * {@code Connection: upgrade}.
   */
  static void stripHopByHop(HttpHeaders h, boolean upgrade) {
    for (String connection : h.getAll(HttpHeaderNames.CONNECTION)) {
      for (String name : connection.split(",")) {
        String n = name.trim();
        // Framing and Host are never dropped because Connection names them: the body was framed by
        // them on the way in, and a request forwarded without them would be read differently
        // upstream (request smuggling onto a shared pooled connection).
        if (!n.isEmpty() && !(upgrade && HttpHeaderValues.UPGRADE.contentEqualsIgnoreCase(n))
            && !HttpHeaderNames.CONTENT_LENGTH.contentEqualsIgnoreCase(n)
            && !HttpHeaderNames.TRANSFER_ENCODING.contentEqualsIgnoreCase(n)
            && !HttpHeaderNames.HOST.contentEqualsIgnoreCase(n)) {
          h.remove(n);
        }
      }
    }
    h.remove(HttpHeaderNames.CONNECTION);
    h.remove(KEEP_ALIVE);
    h.remove(PROXY_CONNECTION);
    h.remove(HttpHeaderNames.TE);
    h.remove(HttpHeaderNames.TRAILER);
    h.remove(HttpHeaderNames.TRANSFER_ENCODING);
    h.remove(HttpHeaderNames.PROXY_AUTHORIZATION);
    h.remove(HttpHeaderNames.PROXY_AUTHENTICATE);
    if (upgrade) {
      h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE);
    } else {
      h.remove(HttpHeaderNames.UPGRADE);
    }
  }

  /**
   * Sets the forwarding headers of a request from {@code peer}. From a trusted peer, an existing
   * {@code X-Forwarded-For} is extended and {@code -Proto}/{@code -Host} are kept when present;
   * from anyone else all three are replaced.
   *
   * @return the client address hashing balancers should key on: the left-most valid address of a
   *     trusted chain, else the peer
   */
  static InetAddress forwarded(HttpHeaders h, InetAddress peer, String peerText, Trusted trusted) {
    InetAddress client = peer;
    if (trusted.contains(peer)) {
      String xff = h.get(X_FORWARDED_FOR);
      if (xff != null && !xff.isBlank()) {
        h.set(X_FORWARDED_FOR, xff + ", " + peerText);
        client = leftmostUntrusted(xff, trusted, peer);
      } else {
        h.set(X_FORWARDED_FOR, peerText);
      }
      if (!h.contains(X_FORWARDED_PROTO)) {
        h.set(X_FORWARDED_PROTO, "http");
      }
      if (!h.contains(X_FORWARDED_HOST)) {
        setHost(h);
      }
    } else {
      h.set(X_FORWARDED_FOR, peerText);
      h.set(X_FORWARDED_PROTO, "http");
      setHost(h);
    }
    return client;
  }

  private static void setHost(HttpHeaders h) {
    String host = h.get(HttpHeaderNames.HOST);
    if (host != null) {
      h.set(X_FORWARDED_HOST, host);
    } else {
      h.remove(X_FORWARDED_HOST);
    }
  }

  // Walks the chain from the right (nearest hop) and stops at the first address we do not trust:
  // that is the client as far as anyone we trust can vouch. Garbage ends the walk at the last good hop.
  private static InetAddress leftmostUntrusted(String xff, Trusted trusted, InetAddress peer) {
    String[] hops = xff.split(",");
    InetAddress client = peer;
    for (int i = hops.length - 1; i >= 0; i--) {
      InetAddress a = Trusted.literal(hops[i]);
      if (a == null) {
        break;
      }
      client = a;
      if (!trusted.contains(a)) {
        break;
      }
    }
    return client;
  }

  /** Appends this hop to {@code Via}. */
  static void via(HttpHeaders h) {
    String via = h.get(HttpHeaderNames.VIA);
    h.set(HttpHeaderNames.VIA, via == null || via.isBlank() ? VIA : via + ", " + VIA);
  }

  /**
   * Keeps a sane client {@code X-Request-Id} (1-128 visible ASCII characters) or sets a new one.
   *
   * @return the request id
   */
  static String requestId(HttpHeaders h) {
    String id = h.get(X_REQUEST_ID);
    if (id != null && saneId(id)) {
      return id;
    }
    id = hex(ThreadLocalRandom.current().nextLong(), 16) + hex(ThreadLocalRandom.current().nextLong(), 16);
    h.set(X_REQUEST_ID, id);
    return id;
  }

  /**
   * Keeps a valid W3C {@code traceparent} (version 00 form) or starts a new trace, sampled flag
   * off: the gateway does not record spans yet, it only makes sure every hop shares one trace id.
   */
  static void traceparent(HttpHeaders h) {
    String tp = h.get(TRACEPARENT);
    if (tp != null && validTraceparent(tp)) {
      return;
    }
    ThreadLocalRandom r = ThreadLocalRandom.current();
    long hi = r.nextLong();
    long lo = r.nextLong();
    if (hi == 0 && lo == 0) {
      lo = 1; // the all-zero trace id is invalid
    }
    long span = r.nextLong();
    if (span == 0) {
      span = 1;
    }
    h.set(TRACEPARENT, "00-" + hex(hi, 16) + hex(lo, 16) + "-" + hex(span, 16) + "-00");
  }

  static boolean validTraceparent(String tp) {
    // 00-<32 hex trace id>-<16 hex parent id>-<2 hex flags>; ids not all zero (W3C Trace Context 3.2).
    if (tp.length() != 55 || !tp.startsWith("00-") || tp.charAt(35) != '-' || tp.charAt(52) != '-') {
      return false;
    }
    return lowerHex(tp, 3, 35) && lowerHex(tp, 36, 52) && lowerHex(tp, 53, 55)
        && !allZero(tp, 3, 35) && !allZero(tp, 36, 52);
  }

  private static boolean lowerHex(String s, int from, int to) {
    for (int i = from; i < to; i++) {
      char c = s.charAt(i);
      if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
        return false;
      }
    }
    return true;
  }

  private static boolean allZero(String s, int from, int to) {
    for (int i = from; i < to; i++) {
      if (s.charAt(i) != '0') {
        return false;
      }
    }
    return true;
  }

  private static boolean saneId(String id) {
    if (id.isEmpty() || id.length() > 128) {
      return false;
    }
    for (int i = 0; i < id.length(); i++) {
      char c = id.charAt(i);
      if (c <= 0x20 || c >= 0x7f) {
        return false;
      }
    }
    return true;
  }

  private static String hex(long v, int digits) {
    String s = Long.toHexString(v);
    return s.length() >= digits ? s : "0".repeat(digits - s.length()) + s;
  }

  /** Whether {@code h} asks for a WebSocket upgrade ({@code Connection: upgrade} and {@code Upgrade: websocket}). */
  static boolean wantsWebSocket(HttpHeaders h) {
    return h.containsValue(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE, true)
        && h.contains(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET, true);
  }
}
