package dev.nonstop.web.lifecycle;

import dev.nonstop.web.Engine;
import dev.nonstop.web.internal.handoff.Inheritance;
import dev.nonstop.web.internal.handoff.Takeover;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The small service {@link HandoffIT} runs as a child process, re-executed by its own handoff: it
 * answers with its pid, so a test sees which generation served each request.
 *
 * <pre>
 * GET /pid            this process's pid
 * GET /slow           the pid, 1 s after this process began to drain (so: in flight during the drain)
 * GET /slow-entered   how many /slow requests have begun here
 * </pre>
 *
 * <p>Knobs for the second generation (the one whose environment has {@code NONSTOP_HANDOFF}):
 * {@code HANDOFF_TEST_FAIL=exit} exits 1 before starting, {@code =unready} never passes readiness,
 * and, speaking the protocol by hand (no engine stops at these points), {@code =after-go} takes the
 * listeners, says "ready" and dies as soon as it hears "go", before it accepts; {@code
 * =silent-after-go} never says "serving" after "go" and lives until SIGTERM; {@code =legacy} speaks
 * the protocol of the versions before "serving" ("ready" alone) and dies 3 s after "go";
 * {@code SUCCESSOR_MANAGEMENT_PORT} gives it a management port the first generation did not have. For
 * every generation: {@code HANDOFF_TIMEOUT_MS} sets the handoff timeout, {@code NATIVE_TRANSPORT=off}
 * forces NIO, {@code MANAGEMENT_PORT} moves health and metrics to their own port. PORT as for any
 * {@code run()}.
 */
public final class HandoffApp {
  private static final Logger log = LoggerFactory.getLogger(HandoffApp.class);

  private HandoffApp() {}

  private static void byHand(String mode) {
    Inheritance inheritance = Inheritance.claim(System.getenv(),
        ProcessHandle.current().parent().map(ProcessHandle::pid).orElse(-1L)).orElseThrow();
    EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
    Takeover t = Takeover.connect(inheritance, group, Duration.ofSeconds(10));
    t.ready(!"legacy".equals(mode)).join();
    log.atInfo().addKeyValue("mode", mode).log("told go; not accepting (HANDOFF_TEST_FAIL={})", mode);
    switch (mode) {
      case "after-go" -> Runtime.getRuntime().halt(3);
      case "legacy" -> {
        sleep(Duration.ofSeconds(3));
        Runtime.getRuntime().halt(4);
      }
      default -> {
        // Silent: SIGTERM ends it. A shutdown hook runs on SIGTERM, never on SIGKILL, so it tells them
        // apart; printed as a JSON line of its own, as logback may already be stopping by then.
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
          System.out.println("{\"stand_in\":\"terminated\",\"message\":\"stand-in stopping on SIGTERM\"}");
          System.out.flush();
        }));
        sleep(Duration.ofMinutes(5));
      }
    }
  }

  private static void sleep(Duration d) {
    try {
      Thread.sleep(d);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Runs the service until SIGTERM or a successful handoff. */
  public static void main(String[] args) {
    long pid = ProcessHandle.current().pid();
    boolean successor = System.getenv("NONSTOP_HANDOFF") != null;
    String fail = successor ? System.getenv("HANDOFF_TEST_FAIL") : null;
    log.atInfo().addKeyValue("pid", pid).addKeyValue("successor", successor).log("handoff test app starting");
    if ("exit".equals(fail)) {
      System.exit(1);
    }
    if (fail != null && fail.endsWith("after-go") || "legacy".equals(fail)) {
      byHand(fail);
    }
    Engine.Builder b = Engine.builder().handoffOnHangup(true)
        .nativeTransport(!"off".equals(System.getenv("NATIVE_TRANSPORT")));
    String timeout = System.getenv("HANDOFF_TIMEOUT_MS");
    if (timeout != null) {
      b.handoffTimeout(Duration.ofMillis(Long.parseLong(timeout)));
    }
    String management = successor && System.getenv("SUCCESSOR_MANAGEMENT_PORT") != null
        ? System.getenv("SUCCESSOR_MANAGEMENT_PORT") : System.getenv("MANAGEMENT_PORT");
    if (management != null) {
      b.managementPort(Integer.parseInt(management));
    }
    Engine app = b.build();
    if ("unready".equals(fail)) {
      app.health().readiness("never", () -> {
        throw new IllegalStateException("never ready (HANDOFF_TEST_FAIL=unready)");
      });
    }
    AtomicInteger slowEntered = new AtomicInteger();
    app.get("/pid", c -> c.string(200, Long.toString(pid)));
    app.get("/slow", c -> {
      slowEntered.incrementAndGet();
      long giveUp = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (!app.isDraining() && System.nanoTime() < giveUp) {
        Thread.sleep(10);
      }
      Thread.sleep(1000);
      c.string(200, Long.toString(pid));
    });
    app.get("/slow-entered", c -> c.string(200, Integer.toString(slowEntered.get())));
    app.run();
  }
}
