package dev.nonstop.web.context;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nonstop.web.Engine;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** clientIp(): forwarding headers count only from trusted proxies, and garbage never breaks it. */
class ContextClientIpIT {
  private static TestServer untrusting;
  private static TestServer behindProxy;

  @BeforeAll
  static void start() {
    Engine plain = Engine.builder().build();
    plain.get("/ip", c -> c.string(200, c.clientIp()));
    untrusting = TestServer.start(plain);

    Engine proxied = Engine.builder().trustedProxies("127.0.0.1/32", "10.0.0.0/8").build();
    proxied.get("/ip", c -> c.string(200, c.clientIp()));
    behindProxy = TestServer.start(proxied);
  }

  @AfterAll
  static void stop() {
    untrusting.close();
    behindProxy.close();
  }

  @Test
  void withoutTrustedProxiesForwardingHeadersAreIgnored() {
    HttpResponse<String> r = untrusting.get("/ip", "X-Forwarded-For", "203.0.113.7", "X-Real-IP", "198.51.100.2");
    assertThat(r.body()).isEqualTo("127.0.0.1");
    assertThat(untrusting.get("/ip").body()).isEqualTo("127.0.0.1");
  }

  @Test
  void behindATrustedProxyTheRightmostUntrustedHopIsTheClient() {
    assertThat(behindProxy.get("/ip", "X-Forwarded-For", "198.51.100.1, 203.0.113.7, 10.1.2.3").body())
        .as("the leftmost entry can be forged by the client; the rightmost untrusted one cannot")
        .isEqualTo("203.0.113.7");
    assertThat(behindProxy.get("/ip", "X-Forwarded-For", "203.0.113.7").body()).isEqualTo("203.0.113.7");
  }

  @Test
  void forwardedForSpreadOverSeveralHeadersIsReadAsOneList() {
    HttpResponse<String> r = behindProxy.send(behindProxy.request("/ip")
        .header("X-Forwarded-For", "198.51.100.1").header("X-Forwarded-For", "203.0.113.9, 10.0.0.1"));
    assertThat(r.body()).isEqualTo("203.0.113.9");
  }

  @Test
  void whenEveryHopIsTrustedTheLeftmostIsTheClient() {
    assertThat(behindProxy.get("/ip", "X-Forwarded-For", "10.9.9.9, 10.0.0.1").body()).isEqualTo("10.9.9.9");
  }

  @Test
  void behindATrustedProxyXRealIpIsUsedWithoutForwardedFor() {
    assertThat(behindProxy.get("/ip", "X-Real-IP", "198.51.100.2").body()).isEqualTo("198.51.100.2");
    assertThat(behindProxy.get("/ip", "X-Real-IP", "2001:DB8:0:0::1").body()).isEqualTo("2001:db8::1");
  }

  @Test
  void ipv6HopsAreGivenInTheirCanonicalForm() {
    assertThat(behindProxy.get("/ip", "X-Forwarded-For", "2001:DB8::7, 127.0.0.1").body()).isEqualTo("2001:db8::7");
    assertThat(behindProxy.get("/ip", "X-Forwarded-For", "[2001:db8::8]").body()).isEqualTo("2001:db8::8");
  }

  @ParameterizedTest
  @ValueSource(strings = {"not-an-ip", "999.1.1.1", "1.2.3", "1", "1.2.3.4.5", "1.2.3.4:8080", "0x7f.0.0.1",
      "\u0661\u0662\u0663.1.1.1", ",,,", " ", "2001:db8::zz", "[::1", "unknown, 10.0.0.1", "localhost"})
  void garbageForwardedForFallsBackToThePeer(String xff) {
    TestServer.Raw r = behindProxy.raw("GET", "/ip", "X-Forwarded-For", xff);
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.body()).as(xff).isIn("127.0.0.1", "10.0.0.1");
  }

  @Test
  void garbageXRealIpFallsBackToThePeer() {
    assertThat(behindProxy.get("/ip", "X-Real-IP", "localhost").body()).isEqualTo("127.0.0.1");
    assertThat(behindProxy.get("/ip", "X-Real-IP", "999.1.1.1").body()).isEqualTo("127.0.0.1");
  }

  @Test
  void garbageBehindAnUntrustedHopStopsTheWalk() {
    assertThat(behindProxy.get("/ip", "X-Forwarded-For", "garbage, 203.0.113.7").body()).isEqualTo("203.0.113.7");
  }

  @Test
  void trustedProxiesAreValidatedAtBuildTime() {
    assertThatThrownBy(() -> Engine.builder().trustedProxies("10.0.0.0/33"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("10.0.0.0/33");
    assertThatThrownBy(() -> Engine.builder().trustedProxies("proxy.internal"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("proxy.internal");
  }
}
