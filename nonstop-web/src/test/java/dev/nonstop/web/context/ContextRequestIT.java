package dev.nonstop.web.context;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nonstop.web.Cookie;
import dev.nonstop.web.Engine;
import dev.nonstop.web.testing.RawConnection;
import dev.nonstop.web.testing.Response;
import dev.nonstop.web.testing.Servers;
import dev.nonstop.web.testing.TestServer;
import java.io.IOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The request side of Context: path, query, headers, cookies (in and out) and the raw body. */
class ContextRequestIT {
  @RegisterExtension
  static final Servers servers = new Servers();
  private static TestServer server;

  @BeforeAll
  static void start() {
    Engine app = Engine.builder().build();
    app.get("/users/:id/books/:book", c -> c.json(200, Map.of("id", c.param("id"), "book", c.param("book"))));
    app.get("/files/*path", c -> c.string(200, c.param("path")));
    app.get("/line/:name", c -> c.json(200, Echo.of(
        "method", c.method(),
        "path", c.path(),
        "uri", c.uri(),
        "route", c.route(),
        "missingParam", c.param("nope"))));
    app.get("/query", c -> c.json(200, Echo.of(
        "one", c.query("q"),
        "default", c.query("missing", "fallback"),
        "presentDefault", c.query("q", "fallback"),
        "all", c.queryAll("tag"),
        "none", c.queryAll("missing"),
        "map", c.queryMap())));
    app.get("/headers", c -> c.json(200, Echo.of(
        "first", c.header("x-multi"),
        "all", c.headers("X-MULTI"),
        "missing", c.header("X-None"),
        "none", c.headers("X-None"))));
    app.get("/cookies", c -> c.json(200, Echo.of(
        "session", c.cookie("session"),
        "theme", c.cookie("theme"),
        "missing", c.cookie("nope"))));
    app.get("/set-cookies", c -> {
      c.setCookie(Cookie.of("session", "abc123").maxAge(Duration.ofHours(1)).secure(true).sameSite("Strict"));
      c.setCookie(Cookie.of("theme", "dark").httpOnly(false).sameSite(null).path("/app").domain("example.com"));
      c.setCookie(Cookie.of("old", "").maxAge(Duration.ZERO));
      c.status(204);
    });
    app.post("/body", c -> c.json(200, Echo.of(
        "length", c.body().length,
        "text", c.bodyString(),
        "contentType", c.contentType())));
    server = servers.start(app);
  }

  @Test
  void pathParamsAreReadByName() {
    HttpResponse<String> r = server.get("/users/42/books/J%C3%BCrgen");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(TestServer.json(r)).isEqualTo(Map.of("id", "42", "book", "Jürgen"));
  }

  @Test
  void catchAllParamHoldsTheRestOfThePathWithItsLeadingSlash() {
    assertThat(server.get("/files/css/site/main.css").body()).isEqualTo("/css/site/main.css");
    assertThat(server.get("/files/").body()).isEqualTo("/");
    assertThat(server.get("/files/a%20b.txt").body()).isEqualTo("/a b.txt");
  }

  @Test
  void requestLineAccessorsGiveTheDecodedPathTheRawUriAndTheRouteTemplate() {
    Map<String, Object> m = TestServer.json(server.get("/line/a%20b?x=1"));
    assertThat(m).containsEntry("method", "GET").containsEntry("path", "/line/a b")
        .containsEntry("uri", "/line/a%20b?x=1").containsEntry("route", "/line/:name")
        .containsEntry("missingParam", null);
  }

  @Test
  void queryGivesTheFirstValueADefaultAllValuesAndTheMap() {
    Map<String, Object> m = TestServer.json(server.get("/query?q=first&tag=a&q=second&tag=b&empty="));
    assertThat(m).containsEntry("one", "first").containsEntry("default", "fallback")
        .containsEntry("presentDefault", "first").containsEntry("all", List.of("a", "b"))
        .containsEntry("none", List.of())
        .containsEntry("map", Map.of("q", List.of("first", "second"), "tag", List.of("a", "b"), "empty", List.of("")));
  }

  @Test
  void queryIsPercentDecodedAndPlusIsASpace() {
    Map<String, Object> m = TestServer.json(server.get("/query?q=caf%C3%A9+au+lait%26more%3D1%2B1&tag=%E2%9C%93"));
    assertThat(m).containsEntry("one", "café au lait&more=1+1").containsEntry("all", List.of("✓"));
  }

  @Test
  void querySemicolonIsPartOfTheValueNotASeparator() {
    // WHATWG URL and Go's net/url (since 1.17) split only on '&'; splitting on ';' too lets a proxy
    // and the application see different parameters ("parameter cloaking").
    Map<String, Object> m = TestServer.json(server.get("/query?q=a;tag=b"));
    assertThat(m).containsEntry("one", "a;tag=b").containsEntry("all", List.of());
  }

  @Test
  void queryIsEmptyWithoutAQueryString() {
    Map<String, Object> m = TestServer.json(server.get("/query"));
    assertThat(m).containsEntry("one", null).containsEntry("map", Map.of());
  }

  @Test
  void headersAreCaseInsensitiveAndKeepEveryValueOfARepeatedHeader() {
    Map<String, Object> m = TestServer.json(server.send(server.request("/headers")
        .header("X-Multi", "one").header("X-Multi", "two")));
    assertThat(m).containsEntry("first", "one").containsEntry("all", List.of("one", "two"))
        .containsEntry("missing", null).containsEntry("none", List.of());
  }

  @Test
  void cookiesAreParsedFromTheCookieHeader() {
    Map<String, Object> m = TestServer.json(server.get("/cookies", "Cookie", "theme=dark; session=abc123; other=x"));
    assertThat(m).containsEntry("session", "abc123").containsEntry("theme", "dark").containsEntry("missing", null);
  }

  @Test
  void cookiesFromSeveralCookieHeadersAreAllSeen() {
    Response r = server.fetch("GET", "/cookies", "Cookie", "session=s1", "Cookie", "theme=light");
    assertThat(TestServer.json(r.body())).containsEntry("session", "s1").containsEntry("theme", "light");
  }

  @Test
  void setCookieCarriesMaxAgeSecureHttpOnlyAndSameSite() {
    HttpResponse<String> r = server.get("/set-cookies");
    assertThat(r.statusCode()).isEqualTo(204);
    List<String> cookies = r.headers().allValues("Set-Cookie");
    assertThat(cookies).hasSize(3);
    String session = cookies.get(0);
    assertThat(session).startsWith("session=abc123").containsIgnoringCase("; Max-Age=3600")
        .containsIgnoringCase("; Expires=").contains("; Path=/").containsIgnoringCase("; Secure")
        .containsIgnoringCase("; HTTPOnly").contains("; SameSite=Strict");
    String theme = cookies.get(1);
    assertThat(theme).startsWith("theme=dark").contains("; Path=/app").contains("; Domain=example.com")
        .doesNotContainIgnoringCase("HttpOnly").doesNotContainIgnoringCase("SameSite")
        .doesNotContainIgnoringCase("Max-Age").doesNotContainIgnoringCase("Secure");
    assertThat(cookies.get(2)).startsWith("old=").containsIgnoringCase("Max-Age=0");
  }

  @Test
  void cookieDefaultsAreTheSafeOnes() {
    Cookie c = Cookie.of("a", "b");
    assertThat(c.httpOnly()).isTrue();
    assertThat(c.sameSite()).isEqualTo("Lax");
    assertThat(c.path()).isEqualTo("/");
    assertThat(c.secure()).isFalse();
    assertThat(c.maxAge()).isNull();
  }

  @Test
  void cookieSameSiteIsCheckedWhenTheCookieIsBuilt() {
    assertThat(Cookie.of("a", "b").sameSite("strict").sameSite()).isEqualTo("Strict");
    assertThat(Cookie.of("a", "b").sameSite("NONE").sameSite()).isEqualTo("None");
    assertThatThrownBy(() -> Cookie.of("a", "b").sameSite("sometimes"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("sometimes")
        .hasMessageContaining("Strict, Lax or None");
  }

  @Test
  void bodyIsGivenRawAndAsTextInTheContentTypeCharset() {
    byte[] latin1 = "café".getBytes(StandardCharsets.ISO_8859_1);
    Map<String, Object> m = TestServer.json(server.send(server.request("/body")
        .header("Content-Type", "text/plain; charset=ISO-8859-1")
        .POST(HttpRequest.BodyPublishers.ofByteArray(latin1))));
    assertThat(m).containsEntry("length", 4).containsEntry("text", "café").containsEntry("contentType", "text/plain");
  }

  @Test
  void bodyTextDefaultsToUtf8() {
    Map<String, Object> m = TestServer.json(server.send(server.request("/body")
        .header("Content-Type", "Text/Plain")
        .POST(HttpRequest.BodyPublishers.ofString("café ✓", StandardCharsets.UTF_8))));
    assertThat(m).containsEntry("length", 9).containsEntry("text", "café ✓").containsEntry("contentType", "text/plain");
  }

  @Test
  void bodyIsEmptyWithoutOne() {
    Map<String, Object> m = TestServer.json(server.send(server.request("/body")
        .POST(HttpRequest.BodyPublishers.noBody())));
    assertThat(m).containsEntry("length", 0).containsEntry("text", "").containsEntry("contentType", null);
  }

  @Test
  void chunkedRequestBodyIsReassembled() throws IOException {
    try (RawConnection c = server.connect()) {
      Response r = c.send("POST /body HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
          + "Content-Type: text/plain\r\nConnection: close\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n").read();
      assertThat(r.status()).isEqualTo(200);
      assertThat(TestServer.json(r.body())).containsEntry("text", "hello world").containsEntry("length", 11);
      c.assertClosedByServer();
    }
  }
}
