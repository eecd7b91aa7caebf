package dev.nonstop.web.context;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nonstop.web.Engine;
import dev.nonstop.web.testing.Response;
import dev.nonstop.web.testing.Servers;
import dev.nonstop.web.testing.TestServer;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** clientIp(): forwarding headers count only from trusted proxies, and garbage never breaks it. */
class ContextClientIpIT {
  @RegisterExtension
  static final Servers servers = new Servers();
  private static TestServer untrusting;
  private static TestServer behindProxy;

  @BeforeAll
  static void start() {
    Engine plain = Engine.builder().build();
    plain.get("/ip", c -> c.string(200, c.clientIp()));
    untrusting = servers.start(plain);

    Engine proxied = Engine.builder().trustedProxies("127.0.0.1/32", "10.0.0.0/8").build();
    proxied.get("/ip", c -> c.string(200, c.clientIp()));
    behindProxy = servers.start(proxied);
  }

  @Test
  void withoutTrustedProxiesForwardingHeadersAreIgnored() {
    HttpResponse<String> r = untrusting.get("/ip", "X-Forwarded-For", "203.0.113.7", "X-Real-IP", "198.51.100.2");
    assertThat(r.body()).isEqualTo("127.0.0.1");
    assertThat(untrusting.get("/ip").body()).isEqualTo("127.0.0.1");
  }

  // The leftmost X-Forwarded-For entry can be forged by the client; the rightmost untrusted one cannot.
  @ParameterizedTest(name = "{0}: {1}: {2}")
  @CsvSource(delimiter = '|', textBlock = """
      the rightmost untrusted hop is the client            | X-Forwarded-For | 198.51.100.1, 203.0.113.7, 10.1.2.3 | 203.0.113.7
      a single untrusted hop is the client                 | X-Forwarded-For | 203.0.113.7            | 203.0.113.7
      when every hop is trusted the leftmost is the client | X-Forwarded-For | 10.9.9.9, 10.0.0.1     | 10.9.9.9
      garbage behind an untrusted hop stops the walk       | X-Forwarded-For | garbage, 203.0.113.7   | 203.0.113.7
      an IPv6 hop is given in its canonical form           | X-Forwarded-For | 2001:DB8::7, 127.0.0.1 | 2001:db8::7
      a bracketed IPv6 hop is given in its canonical form  | X-Forwarded-For | [2001:db8::8]          | 2001:db8::8
      X-Real-IP is used without X-Forwarded-For            | X-Real-IP       | 198.51.100.2           | 198.51.100.2
      an IPv6 X-Real-IP is given in its canonical form     | X-Real-IP       | 2001:DB8:0:0::1        | 2001:db8::1
      a host name in X-Real-IP falls back to the peer      | X-Real-IP       | localhost              | 127.0.0.1
      a bad address in X-Real-IP falls back to the peer    | X-Real-IP       | 999.1.1.1              | 127.0.0.1
      """)
  void behindATrustedProxyTheForwardingHeadersNameTheClient(String rule, String header, String value, String client) {
    assertThat(behindProxy.get("/ip", header, value).body()).as(rule).isEqualTo(client);
  }

  @Test
  void forwardedForSpreadOverSeveralHeadersIsReadAsOneList() {
    HttpResponse<String> r = behindProxy.send(behindProxy.request("/ip")
        .header("X-Forwarded-For", "198.51.100.1").header("X-Forwarded-For", "203.0.113.9, 10.0.0.1"));
    assertThat(r.body()).isEqualTo("203.0.113.9");
  }

  @ParameterizedTest
  @ValueSource(strings = {"not-an-ip", "999.1.1.1", "1.2.3", "1", "1.2.3.4.5", "1.2.3.4:8080", "0x7f.0.0.1",
      "\u0661\u0662\u0663.1.1.1", ",,,", " ", "2001:db8::zz", "[::1", "unknown, 10.0.0.1", "localhost"})
  void garbageForwardedForFallsBackToThePeer(String xff) {
    Response r = behindProxy.fetch("GET", "/ip", "X-Forwarded-For", xff);
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.body()).as(xff).isIn("127.0.0.1", "10.0.0.1");
  }

  @Test
  void trustedProxiesAreValidatedAtBuildTime() {
    assertThatThrownBy(() -> Engine.builder().trustedProxies("10.0.0.0/33"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("10.0.0.0/33");
    assertThatThrownBy(() -> Engine.builder().trustedProxies("proxy.internal"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("proxy.internal");
  }
}
