package dev.nonstop.web.context;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.nonstop.web.Engine;
import dev.nonstop.web.Handler;
import dev.nonstop.web.RouteGroup;
import dev.nonstop.web.testing.Servers;
import dev.nonstop.web.testing.TestServer;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The handler chain: request-scoped values, middleware order around next(), abort, groups, Gin's
 * "use applies to later routes", registration errors, and custom 404/405 handlers.
 */
class ContextChainIT {
  @RegisterExtension
  static final Servers servers = new Servers();
  private static TestServer server;
  private static final AtomicBoolean reachedHandler = new AtomicBoolean();
  private static final AtomicReference<Boolean> outerSawAborted = new AtomicReference<>();

  /** A middleware that records its name before and after the rest of the chain. */
  private static Handler trace(String name) {
    return c -> {
      List<String> t = c.get("trace");
      t.add(name + ">");
      c.next();
      t.add(name + "<");
    };
  }

  @BeforeAll
  static void start() {
    Engine app = Engine.builder().build();
    // The outermost middleware answers last, with everything the chain recorded.
    app.use(c -> {
      List<String> t = new ArrayList<>();
      c.set("trace", t);
      c.next();
      if (!c.isCommitted()) {
        c.json(200, t);
      }
    });
    app.use(trace("global"));
    app.get("/order", trace("route"), c -> c.<List<String>>get("trace").add("handler"));
    app.get("/implicit-next", c -> c.<List<String>>get("trace").add("no next() call"),
        c -> c.<List<String>>get("trace").add("handler"));

    RouteGroup api = app.group("/api", trace("api"));
    RouteGroup v1 = api.group("/v1", trace("v1"));
    v1.get("/users/:id", c -> c.<List<String>>get("trace").add("user " + c.param("id") + " at " + c.route()));
    api.get("/health", c -> c.<List<String>>get("trace").add("api health"));
    api.use(trace("api-late"));
    api.get("/late", c -> c.<List<String>>get("trace").add("late"));
    app.get("/sibling", c -> c.<List<String>>get("trace").add("sibling"));

    app.get("/values", c -> {
      c.set("n", 41);
      c.next();
    }, c -> {
      c.set("n", c.<Integer>get("n") + 1);
      c.<List<String>>get("trace").add("n=" + c.get("n") + ", missing=" + c.get("missing"));
    });

    app.get("/abort", trace("route"), c -> {
      c.abort();
      c.<List<String>>get("trace").add("aborting middleware finishes");
    }, c -> {
      reachedHandler.set(true);
      c.string(200, "should not run");
    });
    app.get("/abort-status", c -> c.abortWithStatus(401), c -> reachedHandler.set(true));
    app.get("/abort-json", c -> {
      c.next();
      outerSawAborted.set(c.isAborted());
    }, c -> {
      assertThat(c.isAborted()).isFalse();
      c.abortWithStatusJson(403, Map.of("error", "forbidden"));
    }, c -> reachedHandler.set(true));

    app.use(trace("after-routes"));
    app.get("/after-use", c -> c.<List<String>>get("trace").add("handler"));

    app.noRoute(c -> c.json(404, Map.of("error", "nothing at " + c.path(), "trace", c.<List<String>>get("trace"))));
    app.noMethod(c -> c.string(405, "try " + c.responseStatus()));
    server = servers.start(app);
  }

  @Test
  void middlewareRunsInRegistrationOrderAroundNext() {
    assertThat(traceOf("/order")).containsExactly("global>", "route>", "handler", "route<", "global<");
  }

  @Test
  void aMiddlewareThatDoesNotCallNextStillLetsTheChainContinue() {
    assertThat(traceOf("/implicit-next")).containsExactly("global>", "no next() call", "handler", "global<");
  }

  @Test
  void valuesSetByOneHandlerAreSeenByTheNext() {
    assertThat(traceOf("/values")).containsExactly("global>", "n=42, missing=null", "global<");
  }

  @Test
  void groupsPrefixPathsAndNestWithTheirMiddleware() {
    assertThat(traceOf("/api/v1/users/7"))
        .containsExactly("global>", "api>", "v1>", "user 7 at /api/v1/users/:id", "v1<", "api<", "global<");
    assertThat(traceOf("/api/health")).containsExactly("global>", "api>", "api health", "api<", "global<");
    assertThat(server.engine().group("/api").group("/v1").basePath()).isEqualTo("/api/v1");
  }

  @Test
  void useAppliesOnlyToRoutesRegisteredAfterIt() {
    assertThat(traceOf("/api/health")).doesNotContain("api-late>");
    assertThat(traceOf("/api/late"))
        .containsExactly("global>", "api>", "api-late>", "late", "api-late<", "api<", "global<");
    assertThat(traceOf("/order")).doesNotContain("after-routes>");
    assertThat(traceOf("/after-use")).containsExactly("global>", "after-routes>", "handler", "after-routes<", "global<");
  }

  @Test
  void groupMiddlewareStaysInItsGroup() {
    assertThat(traceOf("/sibling")).containsExactly("global>", "sibling", "global<");
  }

  @Test
  void abortSkipsRemainingHandlersButOuterMiddlewareFinishes() {
    reachedHandler.set(false);
    assertThat(traceOf("/abort"))
        .containsExactly("global>", "route>", "aborting middleware finishes", "route<", "global<");
    assertThat(reachedHandler).isFalse();
  }

  @Test
  void abortWithStatusAnswersAtOnceWithAnEmptyBody() {
    reachedHandler.set(false);
    HttpResponse<String> r = server.get("/abort-status");
    assertThat(r.statusCode()).isEqualTo(401);
    assertThat(r.body()).isEmpty();
    assertThat(reachedHandler).isFalse();
  }

  @Test
  void abortWithStatusJsonAnswersJsonAndOuterMiddlewareSeesIsAborted() {
    reachedHandler.set(false);
    outerSawAborted.set(null);
    HttpResponse<String> r = server.get("/abort-json");
    assertThat(r.statusCode()).isEqualTo(403);
    assertThat(TestServer.json(r)).isEqualTo(Map.of("error", "forbidden"));
    await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(outerSawAborted.get()).isTrue());
    assertThat(reachedHandler).isFalse();
  }

  @Test
  void customNoRouteRunsAfterTheGlobalMiddleware() {
    HttpResponse<String> r = server.get("/nowhere");
    assertThat(r.statusCode()).isEqualTo(404);
    Map<String, Object> body = TestServer.json(r);
    assertThat(body).containsEntry("error", "nothing at /nowhere");
    assertThat(body.get("trace")).asList().startsWith("global>", "after-routes>");
  }

  @Test
  void customNoMethodRunsWithAllowAndStatus405Set() {
    HttpResponse<String> r = server.send(server.request("/order").POST(HttpRequest.BodyPublishers.noBody()));
    assertThat(r.statusCode()).isEqualTo(405);
    assertThat(r.body()).isEqualTo("try 405");
    assertThat(r.headers().firstValue("Allow")).hasValue("GET, HEAD");
  }

  @Test
  void defaultNoRouteAndNoMethodAnswerJson() {
    Engine e = Engine.builder().build();
    e.get("/only-get", c -> c.string(200, "ok"));
    TestServer s = servers.start(e);
    HttpResponse<String> missing = s.get("/missing");
    assertThat(missing.statusCode()).isEqualTo(404);
    assertThat(TestServer.json(missing)).isEqualTo(Map.of("error", "not found"));
    HttpResponse<String> wrong = s.send(s.request("/only-get").DELETE());
    assertThat(wrong.statusCode()).isEqualTo(405);
    assertThat(wrong.headers().firstValue("Allow")).hasValue("GET, HEAD");
    assertThat(TestServer.json(wrong)).isEqualTo(Map.of("error", "method not allowed"));
  }

  @Test
  void conflictingRouteIsRejectedAtRegistrationNamingBothPaths() {
    Engine e = Engine.builder().build();
    e.get("/users/:id", c -> { });
    assertThatThrownBy(() -> e.get("/users/:name", c -> { }))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("/users/:id").hasMessageContaining("/users/:name");
    RouteGroup files = e.group("/files");
    files.get("/*path", c -> { });
    assertThatThrownBy(() -> files.get("/readme", c -> { }))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("/files/*path").hasMessageContaining("/files/readme");
    assertThatThrownBy(() -> e.get("/users/:id", c -> { }))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("/users/:id");
  }

  @Test
  void registeringAfterStartIsRefused() {
    Engine e = server.engine();
    assertThatThrownBy(() -> e.get("/too-late", c -> { }))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("/too-late");
    assertThatThrownBy(() -> e.group("/g").post("/too-late", c -> { }))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("/g/too-late");
    assertThat(server.get("/too-late").statusCode()).isEqualTo(404);
  }

  @Test
  void routesNeedHandlersAndAbsolutePaths() {
    Engine e = Engine.builder().build();
    assertThatThrownBy(() -> e.get("/none")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> e.get("relative", c -> { })).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("relative");
    assertThatThrownBy(() -> e.handle("BAD METHOD", "/x", c -> { })).isInstanceOf(IllegalArgumentException.class);
  }

  private static List<Object> traceOf(String target) {
    HttpResponse<String> r = server.get(target);
    assertThat(r.statusCode()).as(target + ": " + r.body()).isEqualTo(200);
    return TestServer.jsonList(r.body());
  }
}
