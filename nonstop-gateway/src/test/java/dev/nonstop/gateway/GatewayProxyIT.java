package dev.nonstop.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nonstop.gateway.testing.Specs;
import dev.nonstop.gateway.testing.TestUpstream;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Plain proxying through a real gateway to real upstream servers on ephemeral ports. */
class GatewayProxyIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private final List<AutoCloseable> closing = new java.util.ArrayList<>();

  @AfterEach
  void tearDown() throws Exception {
    for (AutoCloseable c : closing.reversed()) {
      c.close();
    }
  }

  private TestUpstream upstream(String name) {
    TestUpstream u = new TestUpstream(name);
    closing.add(u);
    return u;
  }

  private Gateway gateway(String yaml) {
    Gateway g = Gateway.start(Specs.yaml(yaml), new SimpleMeterRegistry());
    closing.add(() -> g.stop(Duration.ofSeconds(1)));
    return g;
  }

  private HttpResponse<String> get(Gateway g, String path, String... headers) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + g.port() + path))
        .timeout(Duration.ofSeconds(10));
    if (headers.length > 0) {
      b.headers(headers);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  @Test
  void roundRobinSpreadsRequestsEvenly() throws Exception {
    TestUpstream a = upstream("a");
    TestUpstream b = upstream("b");
    Gateway g = gateway("""
        listen: 127.0.0.1:0
        routes: [{path: /, upstream: web}]
        upstreams:
          web: {servers: ["%s", "%s"], balance: round_robin}
        """.formatted(a.address(), b.address()));
    Map<String, Integer> seen = new HashMap<>();
    for (int i = 0; i < 20; i++) {
      HttpResponse<String> r = get(g, "/id");
      assertThat(r.statusCode()).isEqualTo(200);
      seen.merge(r.body(), 1, Integer::sum);
    }
    assertThat(seen).containsEntry("a", 10).containsEntry("b", 10);
  }

  @Test
  void requestAndResponseBodiesStreamThroughUnchanged() throws Exception {
    TestUpstream a = upstream("a");
    Gateway g = gateway("""
        listen: 127.0.0.1:0
        routes: [{path: /, upstream: web}]
        upstreams: {web: {servers: ["%s"]}}
        """.formatted(a.address()));
    byte[] body = new byte[3 * 1024 * 1024];
    ThreadLocalRandom.current().nextBytes(body);
    HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + g.port() + "/echo"))
        .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofByteArray());
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).isEqualTo(body);
  }

  @Test
  void forwardingHeadersAreSetAndHopByHopHeadersStayOnTheirHop() throws Exception {
    TestUpstream a = upstream("a");
    Gateway g = gateway("""
        listen: 127.0.0.1:0
        routes: [{path: /, upstream: web}]
        upstreams: {web: {servers: ["%s"]}}
        """.formatted(a.address()));
    HttpResponse<String> r = get(g, "/headers", "X-Forwarded-For", "6.6.6.6", "X-Forwarded-Host", "evil.example",
        "X-Hop", "secret", "Via", "1.0 other");
    JsonNode h = JSON.readTree(r.body());
    assertThat(h.get("x-forwarded-for").asText()).isEqualTo("127.0.0.1"); // the spoofed value is not trusted
    assertThat(h.get("x-forwarded-proto").asText()).isEqualTo("http");
    assertThat(h.get("x-forwarded-host").asText()).isEqualTo("127.0.0.1:" + g.port());
    assertThat(h.get("via").asText()).isEqualTo("1.0 other, 1.1 nonstop");
    assertThat(h.get("x-request-id").asText()).matches("[0-9a-f]{32}");
    assertThat(h.get("traceparent").asText()).matches("00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]");
    assertThat(r.headers().firstValue("x-request-id")).contains(h.get("x-request-id").asText());
    assertThat(r.headers().firstValue("via")).hasValueSatisfying(v -> assertThat(v).endsWith("1.1 nonstop"));
  }

  @Test
  void clientRequestIdAndTraceparentArePassedOn() throws Exception {
    TestUpstream a = upstream("a");
    Gateway g = gateway("""
        listen: 127.0.0.1:0
        routes: [{path: /, upstream: web}]
        upstreams: {web: {servers: ["%s"]}}
        """.formatted(a.address()));
    String tp = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    JsonNode h = JSON.readTree(get(g, "/headers", "X-Request-Id", "abc-123", "traceparent", tp).body());
    assertThat(h.get("x-request-id").asText()).isEqualTo("abc-123");
    assertThat(h.get("traceparent").asText()).isEqualTo(tp);
  }

  @Test
  void trustedProxyForwardingHeadersAreExtended() throws Exception {
    TestUpstream a = upstream("a");
    Gateway g = gateway("""
        listen: 127.0.0.1:0
        trusted_proxies: [127.0.0.0/8]
        routes: [{path: /, upstream: web}]
        upstreams: {web: {servers: ["%s"]}}
        """.formatted(a.address()));
    JsonNode h = JSON.readTree(get(g, "/headers", "X-Forwarded-For", "203.0.113.7", "X-Forwarded-Proto", "https").body());
    assertThat(h.get("x-forwarded-for").asText()).isEqualTo("203.0.113.7, 127.0.0.1");
    assertThat(h.get("x-forwarded-proto").asText()).isEqualTo("https");
  }

  @Test
  void longestPrefixWinsAndStripPrefixRewritesThePath() throws Exception {
    TestUpstream api = upstream("api");
    TestUpstream web = upstream("web");
    Gateway g = gateway("""
        listen: 127.0.0.1:0
        routes:
          - {path: /, upstream: web}
          - {path: /v2/, upstream: api, strip_prefix: true}
          - {path: /api/, upstream: api}
        upstreams:
          api: {servers: ["%s"]}
          web: {servers: ["%s"]}
        """.formatted(api.address(), web.address()));
    assertThat(get(g, "/api/users").body()).isEqualTo("api /api/users");
    assertThat(get(g, "/v2/api/x?q=1").body()).isEqualTo("api /api/x");
    assertThat(get(g, "/id").body()).isEqualTo("web");
  }

  @Test
  void noRouteIsA404WithAJsonBody() throws Exception {
    TestUpstream a = upstream("a");
    Gateway g = gateway("""
        listen: 127.0.0.1:0
        routes: [{path: /api/, upstream: web}]
        upstreams: {web: {servers: ["%s"]}}
        """.formatted(a.address()));
    HttpResponse<String> r = get(g, "/other");
    assertThat(r.statusCode()).isEqualTo(404);
    assertThat(r.headers().firstValue("content-type")).contains("application/json");
    assertThat(JSON.readTree(r.body()).get("error").asText()).isEqualTo("no route for /other");
  }

  @Test
  void aServerThatRefusesConnectionsIsSkippedWithoutAFailedRequest() throws Exception {
    TestUpstream a = upstream("a");
    int dead = freePort();
    Gateway g = gateway("""
        listen: 127.0.0.1:0
        routes: [{path: /, upstream: web}]
        upstreams: {web: {servers: ["%s", "127.0.0.1:%d"]}}
        """.formatted(a.address(), dead));
    for (int i = 0; i < 20; i++) {
      HttpResponse<String> r = get(g, "/id");
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.body()).isEqualTo("a");
    }
    // POSTs too: nothing was sent to the dead server, so a retry is safe for any method.
    HttpResponse<String> post = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + g.port() + "/echo"))
        .POST(HttpRequest.BodyPublishers.ofString("hi")).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(post.body()).isEqualTo("hi");
  }

  @Test
  void whenEveryServerIsDownTheClientGetsA502WithJson() throws Exception {
    Gateway g = gateway("""
        listen: 127.0.0.1:0
        routes: [{path: /, upstream: web}]
        upstreams: {web: {servers: ["127.0.0.1:%d", "127.0.0.1:%d"]}}
        """.formatted(freePort(), freePort()));
    HttpResponse<String> r = get(g, "/id");
    assertThat(r.statusCode()).isEqualTo(502);
    JsonNode body = JSON.readTree(r.body());
    assertThat(body.get("status").asInt()).isEqualTo(502);
    assertThat(body.get("request_id").asText()).isNotBlank();
  }

  @Test
  void headRequestsGetHeadersWithoutBody() throws Exception {
    TestUpstream a = upstream("a");
    Gateway g = gateway("""
        listen: 127.0.0.1:0
        routes: [{path: /, upstream: web}]
        upstreams: {web: {servers: ["%s"]}}
        """.formatted(a.address()));
    for (int i = 0; i < 3; i++) {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + g.port() + "/id"))
          .method("HEAD", HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.body()).isEmpty();
    }
    assertThat(get(g, "/id").body()).isEqualTo("a");
  }

  @Test
  void aClientThatDoesNotReadHoldsBackTheUpstreamInsteadOfFillingTheGatewaysMemory() throws Exception {
    TestUpstream a = upstream("a");
    Gateway g = gateway("""
        listen: 127.0.0.1:0
        routes: [{path: /, upstream: web}]
        upstreams: {web: {servers: ["%s"]}}
        """.formatted(a.address()));
    try (java.net.Socket s = new java.net.Socket()) {
      s.setReceiveBufferSize(64 * 1024);
      s.connect(new java.net.InetSocketAddress("127.0.0.1", g.port()));
      s.getOutputStream().write("GET /big?mib=64 HTTP/1.1\r\nHost: gw\r\n\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      // Not reading: what the upstream manages to send is bounded by the socket buffers on both
      // hops and the gateway's write watermark, far below the 64 MiB body.
      org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5))
          .until(() -> a.bigSent.get() > 0);
      org.awaitility.Awaitility.await().during(Duration.ofMillis(700)).atMost(Duration.ofSeconds(5))
          .until(() -> a.bigSent.get() < 24L * 1024 * 1024);
      long total = 0;
      byte[] buf = new byte[256 * 1024];
      java.io.InputStream in = s.getInputStream();
      int n;
      long want = 64L * 1024 * 1024;
      long body = -1;
      java.io.ByteArrayOutputStream head = new java.io.ByteArrayOutputStream();
      while ((n = in.read(buf)) > 0) {
        total += n;
        if (body < 0) {
          head.write(buf, 0, n);
          String h = head.toString(java.nio.charset.StandardCharsets.ISO_8859_1);
          int end = h.indexOf("\r\n\r\n");
          if (end >= 0) {
            body = total - (end + 4);
            total = body;
            head = null;
          } else {
            continue;
          }
        }
        if (total >= want) {
          break;
        }
      }
      assertThat(total).isGreaterThanOrEqualTo(want);
    }
  }
}
