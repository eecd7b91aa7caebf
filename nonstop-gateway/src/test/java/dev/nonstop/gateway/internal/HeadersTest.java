package dev.nonstop.gateway.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nonstop.web.http.Trusted;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import java.net.InetAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

class HeadersTest {
  private static final InetAddress PEER = Trusted.literal("10.1.2.3");

  @Test
  void hopByHopHeadersAndTheOnesConnectionNamesAreRemoved() {
    HttpHeaders h = new DefaultHttpHeaders()
        .add("Connection", "keep-alive, X-Secret")
        .add("Keep-Alive", "timeout=5")
        .add("X-Secret", "s")
        .add("TE", "trailers")
        .add("Transfer-Encoding", "chunked")
        .add("Proxy-Authorization", "Basic x")
        .add("Upgrade", "h2c")
        .add("X-Kept", "k");
    Headers.stripHopByHop(h, false);
    assertThat(h.names()).containsExactly("X-Kept");
  }

  @Test
  void aWebSocketUpgradeKeepsUpgradeAndConnection() {
    HttpHeaders h = new DefaultHttpHeaders().add("Connection", "Upgrade").add("Upgrade", "websocket");
    assertThat(Headers.wantsWebSocket(h)).isTrue();
    Headers.stripHopByHop(h, true);
    assertThat(h.get("Upgrade")).isEqualTo("websocket");
    assertThat(h.get("Connection")).isEqualToIgnoringCase("upgrade");
  }

  @Test
  void untrustedForwardingHeadersAreReplaced() {
    HttpHeaders h = new DefaultHttpHeaders().add("Host", "example.com")
        .add("X-Forwarded-For", "1.1.1.1").add("X-Forwarded-Proto", "https").add("X-Forwarded-Host", "evil");
    InetAddress client = Headers.forwarded(h, PEER, "10.1.2.3", new Trusted(List.of()));
    assertThat(client).isEqualTo(PEER);
    assertThat(h.get("X-Forwarded-For")).isEqualTo("10.1.2.3");
    assertThat(h.get("X-Forwarded-Proto")).isEqualTo("http");
    assertThat(h.get("X-Forwarded-Host")).isEqualTo("example.com");
  }

  @Test
  void behindTrustedProxiesTheClientIsTheFirstUntrustedHopFromTheRight() {
    HttpHeaders h = new DefaultHttpHeaders().add("X-Forwarded-For", "6.6.6.6, 203.0.113.9, 10.0.0.7");
    InetAddress client = Headers.forwarded(h, PEER, "10.1.2.3", new Trusted(List.of("10.0.0.0/8")));
    assertThat(Trusted.text(client)).isEqualTo("203.0.113.9");
    assertThat(h.get("X-Forwarded-For")).isEqualTo("6.6.6.6, 203.0.113.9, 10.0.0.7, 10.1.2.3");
  }

  @Test
  void requestIdIsKeptWhenSaneAndReplacedOtherwise() {
    HttpHeaders ok = new DefaultHttpHeaders().add("X-Request-Id", "abc-1");
    assertThat(Headers.requestId(ok)).isEqualTo("abc-1");
    HttpHeaders bad = new DefaultHttpHeaders().add("X-Request-Id", "has space");
    String id = Headers.requestId(bad);
    assertThat(id).matches("[0-9a-f]{32}");
    assertThat(bad.get("X-Request-Id")).isEqualTo(id);
  }

  @Test
  void traceparentIsValidatedAsW3cSays() {
    assertThat(Headers.validTraceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")).isTrue();
    assertThat(Headers.validTraceparent("00-00000000000000000000000000000000-00f067aa0ba902b7-01")).isFalse();
    assertThat(Headers.validTraceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01")).isFalse();
    assertThat(Headers.validTraceparent("00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01")).isFalse();
    HttpHeaders h = new DefaultHttpHeaders().add("traceparent", "junk");
    Headers.traceparent(h);
    assertThat(Headers.validTraceparent(h.get("traceparent"))).isTrue();
  }

  @Test
  void viaIsAppended() {
    HttpHeaders h = new DefaultHttpHeaders().add("Via", "1.0 fred");
    Headers.via(h);
    assertThat(h.get("Via")).isEqualTo("1.0 fred, 1.1 nonstop");
  }
}
