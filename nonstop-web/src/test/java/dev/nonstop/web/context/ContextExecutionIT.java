package dev.nonstop.web.context;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nonstop.web.Engine;
import dev.nonstop.web.Execution;
import dev.nonstop.web.Handler;
import dev.nonstop.web.testing.Servers;
import dev.nonstop.web.testing.TestServer;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Where chains run: virtual threads by default, the event loop for routes that opt in. */
class ContextExecutionIT {
  @RegisterExtension
  static final Servers servers = new Servers();
  private static TestServer server;
  private static TestServer loopByDefault;

  /** Answers where the middleware and the handler ran. */
  private static final Handler WHERE = c -> c.json(200, Echo.of(
      "middlewareVirtual", c.get("middlewareVirtual"),
      "virtual", Thread.currentThread().isVirtual(),
      "name", Thread.currentThread().getName()));

  @BeforeAll
  static void start() {
    Engine app = Engine.builder().build();
    app.use(c -> {
      c.set("middlewareVirtual", Thread.currentThread().isVirtual());
      c.next();
    });
    app.get("/virtual", WHERE);
    app.on(Execution.EVENT_LOOP).get("/loop", WHERE);
    app.on(Execution.EVENT_LOOP).group("/loop-group").get("/x", WHERE);
    app.get("/sleep", c -> {
      Thread.sleep(300);
      c.string(200, "rested");
    });
    server = servers.start(app);

    Engine loop = Engine.builder().execution(Execution.EVENT_LOOP).build();
    loop.get("/loop", WHERE);
    loop.on(Execution.VIRTUAL_THREAD).get("/virtual", WHERE);
    loopByDefault = servers.start(loop);
  }

  @Test
  void defaultRoutesRunOnVirtualThreads() {
    Map<String, Object> m = TestServer.json(server.get("/virtual"));
    assertThat(m).containsEntry("virtual", true).containsEntry("middlewareVirtual", true);
  }

  @Test
  void eventLoopRoutesRunOnANettyEventLoopThread() {
    for (String path : List.of("/loop", "/loop-group/x")) {
      Map<String, Object> m = TestServer.json(server.get(path));
      assertThat(m).as(path).containsEntry("virtual", false).containsEntry("middlewareVirtual", false);
      assertThat((String) m.get("name")).as(path).startsWith("nonstop-io");
    }
  }

  @Test
  void theEngineDefaultCanBeTheEventLoopWithVirtualThreadRoutesOptingBackIn() {
    Map<String, Object> loop = TestServer.json(loopByDefault.get("/loop"));
    assertThat(loop).containsEntry("virtual", false);
    assertThat((String) loop.get("name")).startsWith("nonstop-io");
    assertThat(TestServer.json(loopByDefault.get("/virtual"))).containsEntry("virtual", true);
  }

  @Test
  void blockingHandlersRunConcurrently() {
    int n = 40;
    long t0 = System.nanoTime();
    List<CompletableFuture<HttpResponse<String>>> all = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      all.add(TestServer.CLIENT.sendAsync(server.request("/sleep").build(), HttpResponse.BodyHandlers.ofString()));
    }
    for (CompletableFuture<HttpResponse<String>> f : all) {
      assertThat(f.join().body()).isEqualTo("rested");
    }
    // One after the other would take 40 x 300 ms = 12 s.
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(4));
  }
}
