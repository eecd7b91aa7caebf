package dev.nonstop.web.http;

import static dev.nonstop.web.http.ConformanceApp.assertHarmless;
import static dev.nonstop.web.http.ConformanceApp.assertRejected;
import static dev.nonstop.web.http.ConformanceApp.assertServes;
import static dev.nonstop.web.http.ConformanceApp.chunked;
import static dev.nonstop.web.testing.RawConnection.getRequest;
import static dev.nonstop.web.testing.RawConnection.postRequest;
import static org.assertj.core.api.Assertions.assertThat;

import dev.nonstop.web.testing.RawConnection;
import dev.nonstop.web.testing.Response;
import dev.nonstop.web.testing.Servers;
import dev.nonstop.web.testing.TestServer;
import java.io.ByteArrayInputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * HTTP/1.1 as a client sees it, over real sockets: persistence, pipelining, chunked bodies both
 * ways, Expect, HEAD, malformed requests and the framework's automatic answers. Every bad input is
 * followed by proof that another open connection and a new one are still served.
 */
class HttpConformanceIT {
  @RegisterExtension
  static final Servers servers = new Servers();
  private static TestServer app;

  @BeforeAll
  static void start() {
    app = servers.start(ConformanceApp.create(b -> b));
  }

  private static RawConnection connect() {
    return app.connect();
  }

  @Test
  void keepAliveServesSeveralRequestsOnOneConnection() throws Exception {
    try (RawConnection c = connect()) {
      for (int i = 0; i < 5; i++) {
        Response r = c.get("/slow?id=" + i);
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.version()).isEqualTo("HTTP/1.1");
        assertThat(r.body()).isEqualTo(Integer.toString(i));
        assertThat(r.header("Connection")).isNull();
      }
      assertThat(c.send(postRequest("/echo", "still open")).read().body()).isEqualTo("still open");
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "GET /hello HTTP/1.0\r\n\r\n", // 1.0 closes by default, and needs no Host
      "GET /hello HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n"})
  void connectionIsClosedAfterTheResponseWhenTheClientAsks(String request) throws Exception {
    try (RawConnection c = connect()) {
      Response r = c.send(request).read();
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.body()).isEqualTo("hello");
      assertThat(r.header("Connection")).isEqualToIgnoringCase("close");
      c.assertClosedByServer();
    }
  }

  @Test
  void http10WithKeepAliveStaysOpen() throws Exception {
    try (RawConnection c = connect()) {
      for (int i = 0; i < 3; i++) {
        Response r = c.send("GET /hello HTTP/1.0\r\nConnection: keep-alive\r\n\r\n").read();
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.header("Connection")).isEqualToIgnoringCase("keep-alive");
        assertThat(r.header("Content-Length")).isEqualTo("5");
      }
    }
  }

  @Test
  void pipelinedRequestsAreAnsweredInOrder() throws Exception {
    // Were they run concurrently, the later ones would finish first.
    String pipeline = getRequest("/slow?ms=300&id=first")
        + postRequest("/echo", "second, with a body")
        + getRequest("/slow?ms=100&id=third")
        + "POST /echo HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked("fourth, chunked", 4)
        + "GET /slow?ms=0&id=fifth HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n";
    try (RawConnection c = connect()) {
      long t0 = System.nanoTime();
      c.send(pipeline);
      assertThat(c.read().body()).isEqualTo("first");
      assertThat(c.read().body()).isEqualTo("second, with a body");
      assertThat(c.read().body()).isEqualTo("third");
      assertThat(c.read().body()).isEqualTo("fourth, chunked");
      Response last = c.read();
      assertThat(last.body()).isEqualTo("fifth");
      assertThat(last.header("Connection")).isEqualToIgnoringCase("close");
      assertThat(Duration.ofNanos(System.nanoTime() - t0)).isGreaterThanOrEqualTo(Duration.ofMillis(400));
      c.assertClosedByServer();
    }
  }

  @Test
  void pipelinedBadRequestIsAnsweredAfterTheGoodOnesAndCloses() throws Exception {
    assertHarmless(app, () -> {
      try (RawConnection c = connect()) {
        c.send(getRequest("/slow?ms=100&id=good") + "G@T / HTTP/1.1\r\nHost: test\r\n\r\n" + getRequest("/hello"));
        assertThat(c.read().body()).isEqualTo("good");
        Response bad = c.read();
        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.header("Connection")).isEqualToIgnoringCase("close");
        c.assertClosedByServer(); // the request after the bad one is never answered
      }
    });
  }

  @Test
  void chunkedRequestBodyIsReassembled() throws Exception {
    String body = "hello, chunked world";
    try (RawConnection c = connect()) {
      c.send("POST /echo HTTP/1.1\r\nHost: test\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n"
          + chunked(body, 3));
      Response r = c.read();
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.body()).isEqualTo(body);
      assertThat(r.header("Content-Length")).isEqualTo(Integer.toString(body.length()));
      // Chunk extensions and trailers are legal and ignored.
      c.send("POST /echo HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n"
          + "5;name=value\r\nhello\r\n0\r\nX-Trailer: yes\r\n\r\n");
      assertThat(c.read().body()).isEqualTo("hello");
      assertServes(c);
    }
  }

  @Test
  void chunkedRequestBodyFromHttpClient() throws Exception {
    byte[] body = "streamed by the JDK client".getBytes(StandardCharsets.UTF_8);
    HttpResponse<String> r = app.send(app.request("/echo")
        .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body))) // unknown length: chunked
        .header("Content-Type", "text/plain"));
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).isEqualTo("streamed by the JDK client");
  }

  @Test
  void streamedResponseIsChunked() throws Exception {
    try (RawConnection c = connect()) {
      Response r = c.get("/stream");
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.isChunked()).isTrue();
      assertThat(r.header("Content-Length")).isNull();
      assertThat(r.chunks()).hasSizeGreaterThanOrEqualTo(2);
      assertThat(r.body()).isEqualTo("part 0\npart 1\npart 2\npart 3\n");
      assertServes(c);
    }
    HttpResponse<String> viaClient = app.get("/stream");
    assertThat(viaClient.body()).isEqualTo("part 0\npart 1\npart 2\npart 3\n");
  }

  @Test
  void expectContinueGets100ThenTheResponse() throws Exception {
    try (RawConnection c = connect()) {
      c.send("POST /echo HTTP/1.1\r\nHost: test\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n");
      Response interim = c.read();
      assertThat(interim.status()).isEqualTo(100);
      assertThat(interim.reason()).isEqualTo("Continue");
      Response r = c.send("hello").read();
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.body()).isEqualTo("hello");
      assertServes(c);
    }
    HttpResponse<String> viaClient = app.send(app.request("/echo").expectContinue(true)
        .POST(HttpRequest.BodyPublishers.ofString("via client")));
    assertThat(viaClient.body()).isEqualTo("via client");
  }

  @Test
  void expectContinueWithTooLargeBodyGets413Without100() throws Exception {
    Response r = assertRejected(app, "POST /echo HTTP/1.1\r\nHost: test\r\nContent-Length: "
        + (ConformanceApp.MAX_BODY + 1) + "\r\nExpect: 100-continue\r\n\r\n", 413);
    assertThat(r.body()).contains("larger than " + ConformanceApp.MAX_BODY);
  }

  @Test
  void unknownExpectationGets417() throws Exception {
    assertRejected(app, "POST /echo HTTP/1.1\r\nHost: test\r\nContent-Length: 5\r\nExpect: the-unexpected\r\n\r\nhello",
        417);
  }

  @ParameterizedTest(name = "HEAD {0}")
  @CsvSource({"/hello, 200, false", "/nowhere, 404, false", "/stream, 200, true"})
  void headHasTheHeadersOfGetAndNoBody(String target, int status, boolean chunked) throws Exception {
    try (RawConnection c = connect()) {
      // /hello is a GET-only route. Pipelined, so a body after HEAD (even the last chunk of a streamed
      // one) would be read as the next status line.
      c.send(RawConnection.request("HEAD", target) + getRequest(target) + getRequest("/hello"));
      Response head = c.readHead();
      Response get = c.read();
      assertThat(head.status()).isEqualTo(status);
      assertThat(head.headers()).isEqualTo(get.headers());
      assertThat(head.isChunked()).isEqualTo(chunked);
      assertThat(head.header("Content-Length")).isEqualTo(chunked ? null : Integer.toString(get.bytes().length));
      assertThat(c.read().body()).as("no body follows HEAD").isEqualTo("hello");
    }
  }

  static Stream<Arguments> malformed() {
    return Stream.of(
        Arguments.of("bad method token", "G@T /hello HTTP/1.1\r\nHost: test\r\n\r\n"),
        Arguments.of("wrong protocol name", "GET /hello HTTX/1.1\r\nHost: test\r\n\r\n"),
        Arguments.of("non-numeric version", "GET /hello HTTP/1.x\r\nHost: test\r\n\r\n"),
        Arguments.of("Content-Length and Transfer-Encoding",
            "POST /echo HTTP/1.1\r\nHost: test\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"
                + chunked("hello", 5)),
        Arguments.of("Transfer-Encoding and Content-Length",
            "POST /echo HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n"
                + chunked("hello", 5)),
        Arguments.of("differing Content-Length",
            "POST /echo HTTP/1.1\r\nHost: test\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!"),
        Arguments.of("differing Content-Length in one header",
            "POST /echo HTTP/1.1\r\nHost: test\r\nContent-Length: 5, 6\r\n\r\nhello!"),
        Arguments.of("non-numeric Content-Length", "POST /echo HTTP/1.1\r\nHost: test\r\nContent-Length: five\r\n\r\n"),
        Arguments.of("negative Content-Length", "POST /echo HTTP/1.1\r\nHost: test\r\nContent-Length: -5\r\n\r\n"),
        Arguments.of("invalid chunk size",
            "POST /echo HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n"),
        Arguments.of("overflowing chunk size",
            "POST /echo HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffffff\r\nhello\r\n"),
        Arguments.of("bare CR in a header value", "GET /hello HTTP/1.1\r\nHost: test\r\nX-Note: a\rb\r\n\r\n"),
        Arguments.of("obs-fold", "GET /hello HTTP/1.1\r\nHost: test\r\nX-Note: a\r\n b\r\n\r\n"),
        Arguments.of("NUL in a header value", "GET /hello HTTP/1.1\r\nHost: test\r\nX-Note: a\0b\r\n\r\n"),
        Arguments.of("header line without colon", "GET /hello HTTP/1.1\r\nHost: test\r\nNoColonHere\r\n\r\n"),
        Arguments.of("space before the colon", "GET /hello HTTP/1.1\r\nHost : test\r\n\r\n"),
        Arguments.of("missing Host on HTTP/1.1", "GET /hello HTTP/1.1\r\nAccept: */*\r\n\r\n"),
        Arguments.of("two Host headers", "GET /hello HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"),
        Arguments.of("garbage request line", "this is not http at all\r\n\r\n"),
        Arguments.of("one-word request line", "HELLO\r\n\r\n"),
        Arguments.of("two-word request line", "GET /hello\r\nHost: test\r\n\r\n"),
        Arguments.of("encoded NUL in the target", "GET /he%00llo HTTP/1.1\r\nHost: test\r\n\r\n"),
        Arguments.of("raw NUL in the target", "GET /he\0llo HTTP/1.1\r\nHost: test\r\n\r\n"),
        Arguments.of("bad percent-encoding", "GET /%zz HTTP/1.1\r\nHost: test\r\n\r\n"),
        Arguments.of("target without a leading slash", "GET hello HTTP/1.1\r\nHost: test\r\n\r\n"),
        Arguments.of("asterisk target on GET", "GET * HTTP/1.1\r\nHost: test\r\n\r\n"),
        Arguments.of("bare LF line ends", "GET /hello HTTP/1.1\nHost: test\n\n"),
        Arguments.of("whitespace before the first header", "GET /hello HTTP/1.1\r\n Host: test\r\n\r\n"),
        Arguments.of("plus-signed Content-Length", "POST /echo HTTP/1.1\r\nHost: test\r\nContent-Length: +5\r\n\r\nhello"),
        Arguments.of("bare LF after a chunk size",
            "POST /echo HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n5\nhello\r\n0\r\n\r\n"),
        Arguments.of("chunk data without its CRLF",
            "POST /echo HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhelloXX0\r\n\r\n"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("malformed")
  void malformedRequestGets400AndClose(String name, String raw) throws Exception {
    assertRejected(app, raw, 400);
  }

  @Test
  void wellFormedButUnsupportedVersionGets505() throws Exception {
    assertRejected(app, "GET /hello HTTP/2.0\r\nHost: test\r\n\r\n", 505);
    assertRejected(app, "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 505); // an HTTP/2 prior-knowledge preface
  }

  @Test
  void transferCodingOtherThanChunkedIsRefused() throws Exception {
    // RFC 9112 6.3: without chunked as the final coding the body length is unknowable, so 400.
    assertRejected(app, "POST /echo HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: gzip\r\n\r\n", 400);
    // Chunked framing around a coding the server does not implement: 501, not a body passed on still gzipped.
    assertRejected(app, "POST /echo HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"
        + chunked("not really gzip", 5), 501);
    assertRejected(app, "POST /echo HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: chunked"
        + "\r\n\r\n" + chunked("not really gzip", 5), 501);
    assertRejected(app, "POST /echo HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked, chunked\r\n\r\n"
        + chunked("hello", 5), 400);
    // RFC 9112 6.1: Transfer-Encoding in HTTP/1.0 means faulty framing.
    assertRejected(app, "POST /echo HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked("hello", 5), 400);
  }

  @Test
  void h2cUpgradeIsIgnoredAndServedAsHttp11() throws Exception {
    try (HttpClient h2 = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).build()) {
      HttpResponse<String> r = h2.send(app.request("/hello").build(), HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.version()).isEqualTo(HttpClient.Version.HTTP_1_1);
      assertThat(r.body()).isEqualTo("hello");
    }
  }

  @Test
  void absoluteFormTargetIsServedByItsPathAndQuery() throws Exception {
    try (RawConnection c = connect()) {
      assertThat(c.get("http://test/slow?id=absolute").body()).isEqualTo("absolute");
      assertThat(c.get("http://test:8080/hello").body()).isEqualTo("hello");
      // The authority ends at '?' too: the query belongs to the root path.
      assertThat(c.get("http://test?id=query-only").body()).isEqualTo("root query-only");
      assertThat(c.get("http://test").body()).isEqualTo("root ");
    }
  }

  static Stream<Arguments> automaticAnswers() {
    return Stream.of(
        answer("an unknown path gets 404 JSON", getRequest("/nowhere"), 404, "{\"error\":\"not found\"}",
            "Content-Type", "application/json; charset=utf-8"),
        answer("a wrong method gets 405 with Allow", postRequest("/only-get", "x"), 405,
            "{\"error\":\"method not allowed\"}", "Allow", "GET, HEAD"),
        answer("a trailing slash redirects GET with 301 keeping the query", getRequest("/users/?page=2&sort=name"), 301, "",
            "Location", "/users?page=2&sort=name", "Content-Length", "0"),
        answer("a trailing slash redirects GET with 301", getRequest("/hello/"), 301, "", "Location", "/hello"),
        answer("a trailing slash redirects POST with 308 keeping the query", postRequest("/users/?dry=true", "{}"), 308,
            null, "Location", "/users?dry=true"),
        answer("OPTIONS gets 204 with Allow", "OPTIONS /users HTTP/1.1\r\nHost: test\r\n\r\n", 204, "",
            "Allow", "GET, HEAD, POST, OPTIONS", "Content-Length", null));
  }

  /** A row: the request, the status, the body (null: not checked) and headers as name, value (null: absent). */
  private static Arguments answer(String name, String request, int status, String body, String... headers) {
    Map<String, String> expected = new LinkedHashMap<>();
    for (int i = 0; i < headers.length; i += 2) {
      expected.put(headers[i], headers[i + 1]);
    }
    return Arguments.of(name, request, status, body, expected);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("automaticAnswers")
  void theFrameworkAnswersWhatNoRouteServesAndKeepsTheConnection(String name, String request, int status, String body,
      Map<String, String> headers) throws Exception {
    try (RawConnection c = connect()) {
      Response r = c.send(request).read();
      assertThat(r.status()).as("%s: %s", name, r).isEqualTo(status);
      headers.forEach((header, value) -> assertThat(r.header(header)).as(header).isEqualTo(value));
      if (body != null) {
        assertThat(r.body()).isEqualTo(body);
      }
      assertServes(c);
    }
  }

  @Test
  void handlerExceptionGets500AndTheConnectionKeepsWorking() throws Exception {
    for (String path : List.of("/boom", "/recovered/boom")) { // without and with the recovery middleware
      try (RawConnection c = connect()) {
        Response r = c.get(path);
        assertThat(r.status()).isEqualTo(500);
        assertThat(r.header("Content-Type")).startsWith("application/json");
        assertThat(r.body()).isEqualTo("{\"error\":\"internal server error\"}");
        assertThat(r.header("Connection")).isNull();
        assertServes(c);
      }
    }
  }
}
