package dev.nonstop.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nonstop.gateway.testing.RawClient;
import dev.nonstop.gateway.testing.Specs;
import dev.nonstop.gateway.testing.TestUpstream;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The gateway as the first thing a hostile or broken client meets: raw sockets write exact bytes.
 * Every refused request is answered with its status and a JSON body, reaches no upstream, and
 * leaves the gateway serving the next client.
 */
class GatewayEdgeIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String GET_ID = "GET /id HTTP/1.1\r\nHost: gw\r\n\r\n";

  private final List<AutoCloseable> closing = new ArrayList<>();
  private TestUpstream web;

  @AfterEach
  void tearDown() throws Exception {
    for (AutoCloseable c : closing.reversed()) {
      c.close();
    }
  }

  /** A gateway in front of one {@link TestUpstream} named {@code a}, with these {@code limits:}. */
  private Gateway gateway(String limits) {
    web = new TestUpstream("a");
    closing.add(web);
    return gateway(limits, "routes: [{path: /, upstream: web}]\nupstreams: {web: {servers: [\"%s\"]}}"
        .formatted(web.address()));
  }

  private Gateway gateway(String limits, String routesAndUpstreams) {
    Gateway g = Gateway.start(Specs.yaml("listen: 127.0.0.1:0\nlimits: " + limits + "\n" + routesAndUpstreams),
        new SimpleMeterRegistry());
    closing.add(() -> g.stop(Duration.ofSeconds(1)));
    return g;
  }

  private RawClient client(Gateway g) throws IOException {
    RawClient c = new RawClient(g.port());
    closing.add(c);
    return c;
  }

  /** A gateway-made response: the status and a JSON body saying the same. */
  private static void assertGatewayError(RawClient.Response r, int status) throws IOException {
    assertThat(r.status()).as(r.statusLine() + "\n" + r.body()).isEqualTo(status);
    assertThat(r.header("content-type")).isEqualTo("application/json");
    JsonNode body = JSON.readTree(r.body());
    assertThat(body.path("status").asInt()).isEqualTo(status);
    assertThat(body.path("error").asText()).isNotBlank();
  }

  /** The next client is served as usual, by the upstream. */
  private void assertServesNextClient(Gateway g) throws IOException {
    try (RawClient next = new RawClient(g.port())) {
      RawClient.Response r = next.send(GET_ID).read();
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.body()).isEqualTo("a");
    }
  }

  static Stream<Arguments> refusedRequests() {
    String bigHeader = "X-Big: " + "b".repeat(5 * 1024) + "\r\n";
    String manyHeaders = "X-Many: " + "m".repeat(100) + "\r\n";
    return Stream.of(
        arguments("Content-Length and Transfer-Encoding",
            "POST /echo HTTP/1.1\r\nHost: gw\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400),
        arguments("two different Content-Length values",
            "POST /echo HTTP/1.1\r\nHost: gw\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!", 400),
        arguments("a chunk size that is not hex",
            "POST /echo HTTP/1.1\r\nHost: gw\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n", 400),
        arguments("obs-fold", "GET /id HTTP/1.1\r\nHost: gw\r\nX-Folded: a\r\n b\r\n\r\n", 400),
        arguments("a bare CR in a header value", "GET /id HTTP/1.1\r\nHost: gw\r\nX-Bad: a\rb\r\n\r\n", 400),
        arguments("a request line longer than the decoder's limit",
            "GET /" + "u".repeat(2 * 1024) + " HTTP/1.1\r\nHost: gw\r\n\r\n", 414),
        arguments("a URI just over max_uri_length",
            "GET /" + "u".repeat(1024) + " HTTP/1.1\r\nHost: gw\r\n\r\n", 414),
        arguments("one header larger than max_header_size",
            "GET /id HTTP/1.1\r\nHost: gw\r\n" + bigHeader + "\r\n", 431),
        arguments("many headers together larger than max_header_size",
            "GET /id HTTP/1.1\r\nHost: gw\r\n" + manyHeaders.repeat(50) + "\r\n", 431));
  }

  @ParameterizedTest(name = "{0} -> {2}")
  @MethodSource("refusedRequests")
  void aMalformedOrOversizedRequestIsRefusedAndNeverForwarded(String what, String request, int status)
      throws Exception {
    Gateway g = gateway("{max_uri_length: 1KiB, max_header_size: 4KiB}");
    RawClient c = client(g);
    RawClient.Response r = c.send(request).read();
    assertGatewayError(r, status);
    assertThat(r.header("connection")).isEqualTo("close"); // the framing cannot be trusted after this
    assertThat(c.closedByPeer()).isTrue();
    assertThat(web.hits).hasValue(0);
    assertServesNextClient(g);
    assertThat(web.hits).hasValue(1);
  }

  @Test
  void clientsThatBreakTheBodyFramingCannotOpenTheUpstreamsCircuit() throws Exception {
    Gateway g = gateway("{}");
    // More than the breaker's minimum window, all "failing": were they counted against the upstream,
    // the circuit would open and the next client would get 503.
    for (int i = 0; i < 30; i++) {
      try (RawClient c = new RawClient(g.port())) {
        assertGatewayError(c.send("POST /echo HTTP/1.1\r\nHost: gw\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n").read(),
            400);
      }
    }
    assertServesNextClient(g);
    assertThat(g.upstreams().getFirst().circuit()).isEqualTo("closed");
  }

  @Test
  void aClientThatSendsHalfAHeadGets408AfterTheHeaderTimeout() throws Exception {
    Gateway g = gateway("{header_timeout: 500ms}");
    RawClient c = client(g);
    long start = System.nanoTime();
    c.send("GET /id HTTP/1.1\r\nHost: gw\r\nX-Slow: ");
    RawClient.Response r = c.read(); // the socket's read timeout, 5 s, is the upper bound
    long tookMs = Duration.ofNanos(System.nanoTime() - start).toMillis();
    assertGatewayError(r, 408);
    assertThat(tookMs).isBetween(400L, 3_000L);
    assertThat(c.closedByPeer()).isTrue();
    assertThat(web.hits).hasValue(0);
    assertServesNextClient(g);
  }

  @Test
  void clientsOverTheConnectionCapWaitInTheBacklogUntilOneCloses() throws Exception {
    Gateway g = gateway("{max_connections: 2}");
    RawClient first = client(g);
    RawClient second = client(g);
    assertThat(first.send(GET_ID).read().status()).isEqualTo(200);
    assertThat(second.send(GET_ID).read().status()).isEqualTo(200);

    RawClient third = client(g); // the kernel completes the handshake; the gateway does not accept yet
    third.send(GET_ID).timeout(Duration.ofMillis(700));
    assertThatThrownBy(third::read).isInstanceOf(SocketTimeoutException.class);
    assertThat(web.hits).hasValue(2);

    first.close();
    RawClient.Response r = third.timeout(Duration.ofSeconds(5)).read();
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.body()).isEqualTo("a");
    // The two open connections keep working, each in turn.
    assertThat(second.send(GET_ID).read().status()).isEqualTo(200);
    assertThat(third.send(GET_ID).read().status()).isEqualTo(200);
  }

  @Test
  void anUpstreamThatAnswersGarbageIsA502AndTheGatewayServesOn() throws Exception {
    AtomicInteger garbageConnections = new AtomicInteger();
    ServerSocket garbage = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    closing.add(garbage);
    Thread.ofVirtual().start(() -> {
      while (!garbage.isClosed()) {
        try (Socket s = garbage.accept()) {
          garbageConnections.incrementAndGet();
          readHead(s.getInputStream());
          s.getOutputStream().write("garbage\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
          s.getOutputStream().flush();
        } catch (IOException e) {
          // closed by the test, or the gateway hung up
        }
      }
    });
    web = new TestUpstream("a");
    closing.add(web);
    Gateway g = gateway("{}", """
        routes: [{path: /, upstream: web}, {path: /bad/, upstream: bad}]
        upstreams:
          web: {servers: ["%s"]}
          bad: {servers: ["127.0.0.1:%d"]}
        """.formatted(web.address(), garbage.getLocalPort()));
    RawClient c = client(g);
    RawClient.Response r = c.send("GET /bad/x HTTP/1.1\r\nHost: gw\r\n\r\n").read();
    assertGatewayError(r, 502);
    assertThat(JSON.readTree(r.body()).path("error").asText()).contains("malformed response");
    assertThat(garbageConnections.get()).isPositive();
    // The same connection, and a new one, are served by the good upstream.
    RawClient.Response next = c.send(GET_ID).read();
    assertThat(next.status()).isEqualTo(200);
    assertThat(next.body()).isEqualTo("a");
    assertServesNextClient(g);
  }

  @Test
  void anHttp10RequestWithoutHostIsServedAndClosed() throws Exception {
    Gateway g = gateway("{}");
    RawClient c = client(g);
    RawClient.Response r = c.send("GET /headers HTTP/1.0\r\n\r\n").read();
    assertThat(r.status()).isEqualTo(200);
    JsonNode seen = JSON.readTree(r.body());
    assertThat(seen.path("host").asText()).isEqualTo("web"); // the upstream's name, as nginx does
    assertThat(seen.path("uri").asText()).isEqualTo("/headers");
    assertThat(c.closedByPeer()).isTrue(); // HTTP/1.0 without keep-alive
    assertThat(web.hits).hasValue(1);
  }

  @Test
  void pipelinedRequestsAreAnsweredInOrder() throws Exception {
    Gateway g = gateway("{}");
    RawClient c = client(g);
    // The first is the slowest: answering in arrival order, not completion order, is the point.
    c.send("GET /slow?ms=200 HTTP/1.1\r\nHost: gw\r\n\r\n"
        + "GET /status/202 HTTP/1.1\r\nHost: gw\r\n\r\n"
        + "GET /api/third HTTP/1.1\r\nHost: gw\r\n\r\n");
    RawClient.Response first = c.read();
    RawClient.Response second = c.read();
    RawClient.Response third = c.read();
    assertThat(first.status()).isEqualTo(200);
    assertThat(first.body()).isEqualTo("a");
    assertThat(second.status()).isEqualTo(202);
    assertThat(third.status()).isEqualTo(200);
    assertThat(third.body()).isEqualTo("a /api/third");
    assertThat(c.send(GET_ID).read().status()).isEqualTo(200); // and the connection stays usable
  }

  @Test
  void oneKeepAliveConnectionServesAHundredRequests() throws Exception {
    Gateway g = gateway("{}");
    RawClient c = client(g);
    for (int i = 0; i < 100; i++) {
      RawClient.Response r = c.send("GET /api/" + i + " HTTP/1.1\r\nHost: gw\r\n\r\n").read();
      assertThat(r.status()).as("request %d", i).isEqualTo(200);
      assertThat(r.body()).isEqualTo("a /api/" + i);
      assertThat(r.header("connection")).isNull();
    }
    assertThat(web.hits).hasValue(100);
  }

  // Reads up to the blank line that ends a request head.
  private static void readHead(InputStream in) throws IOException {
    int state = 0;
    int c;
    while (state < 4 && (c = in.read()) >= 0) {
      state = (c == '\r' && state % 2 == 0) || (c == '\n' && state % 2 == 1) ? state + 1 : 0;
    }
  }

  @Test
  void expectContinueGetsTheUpstreamsContinueAndThenTheResponse() throws Exception {
    Gateway g = gateway("{}");
    RawClient c = client(g);
    c.send("POST /echo HTTP/1.1\r\nHost: gw\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n");
    assertThat(c.read().status()).isEqualTo(100);
    RawClient.Response r = c.send("hello").read();
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.body()).isEqualTo("hello");
    assertThat(c.send(GET_ID).read().status()).isEqualTo(200); // the connection is in a sane state
  }

  @Test
  void aConnectionHeaderNamingContentLengthCannotSmuggleARequest() throws Exception {
    Gateway g = gateway("{}");
    RawClient c = client(g);
    String inner = "GET /status/500 HTTP/1.1\r\nHost: x\r\n\r\n";
    RawClient.Response r = c.send("POST /echo HTTP/1.1\r\nHost: gw\r\nConnection: content-length\r\n"
        + "Content-Length: " + inner.length() + "\r\n\r\n" + inner).read();
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.body()).isEqualTo(inner); // the inner request stayed a body
    assertThat(c.send(GET_ID).read().status()).isEqualTo(200);
    assertThat(web.hits).hasValue(2);
  }

  @Test
  void headToAnUnroutedPathGetsA404WithoutBodyAndTheConnectionStaysInStep() throws Exception {
    Gateway g = gateway("{}", "routes: [{path: /api/, upstream: web}]\nupstreams: {web: {servers: [\"127.0.0.1:1\"]}}");
    RawClient c = client(g);
    RawClient.Response r = c.send("HEAD /nowhere HTTP/1.1\r\nHost: gw\r\n\r\n").readHeadOnly();
    assertThat(r.status()).isEqualTo(404);
    // Had the 404 carried its JSON body, this would read that body as a status line.
    c.send("HEAD /nowhere HTTP/1.1\r\nHost: gw\r\n\r\n");
    assertThat(c.readHeadOnly().status()).isEqualTo(404);
  }
}
