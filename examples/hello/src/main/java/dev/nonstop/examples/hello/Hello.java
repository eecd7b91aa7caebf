package dev.nonstop.examples.hello;

import dev.nonstop.web.Engine;
import dev.nonstop.web.HttpException;
import jakarta.validation.constraints.Email;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Size;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The article's service on Nonstop: {@code GET /} says it is running, plus a few routes that show
 * params, validation and drain behaviour.
 *
 * <pre>
 * GET  /            {"message":"Service is running"}
 * GET  /users/:id   the user, or 404
 * POST /users       create from validated JSON (400 lists the field errors)
 * GET  /work?ms=N   holds the request N ms on its virtual thread, for drain tests
 * </pre>
 *
 * <p>Port from {@code PORT} (default 8080). {@code ACCESS_LOG=off} drops the access-log middleware
 * (the benchmark compares with a Gin built without its logger). SIGTERM drains and exits 0;
 * {@code SHUTDOWN_DELAY_MS} sets the delay between readiness 503 and closing the listener;
 * {@code IO_THREADS} the number of Netty event loops (default: one per core).
 *
 * <p>{@code HANDOFF=on} makes SIGHUP replace the process by a new copy of itself that inherits the
 * listening socket (see {@code Engine.Builder.handoffOnHangup}): {@code ./run hello} in one terminal,
 * {@code kill -HUP <pid>} in another, and {@code curl} never sees a refused connection while the pid
 * changes. Off by default: under {@code nonstop up} the supervisor replaces instances itself, and a
 * re-exec would look to it like an exit.
 */
public final class Hello {
  /** The body of {@code POST /users}. */
  public record NewUser(
      @NotBlank @Size(max = 64) String name,
      @NotBlank @Email String email,
      @Min(0) @Max(150) Integer age) {}

  /** A stored user. */
  public record User(long id, String name, String email, Integer age) {}

  private Hello() {}

  /** Builds the application; {@link #main} runs it. */
  public static Engine app() {
    Engine.Builder b = Engine.builder();
    String io = System.getenv("IO_THREADS");
    if (io != null && !io.isBlank()) {
      b.ioThreads(Integer.parseInt(io.trim()));
    }
    if ("on".equalsIgnoreCase(System.getenv("HANDOFF"))) {
      b.handoffOnHangup(true);
    }
    String delay = System.getenv("SHUTDOWN_DELAY_MS");
    if (delay != null && !delay.isBlank()) {
      b.shutdownDelay(java.time.Duration.ofMillis(Long.parseLong(delay.trim())));
    }
    Engine app = b.build();
    app.use(dev.nonstop.web.Middleware.requestId());
    if (!"off".equalsIgnoreCase(System.getenv("ACCESS_LOG"))) {
      app.use(dev.nonstop.web.Middleware.logger());
    }
    app.use(dev.nonstop.web.Middleware.recovery());

    Map<Long, User> users = new ConcurrentHashMap<>();
    AtomicLong ids = new AtomicLong();
    users.put(0L, new User(0, "Ada", "ada@example.com", 36));

    app.get("/", c -> c.json(200, Map.of("message", "Service is running")));
    app.get("/users/:id", c -> {
      long id;
      try {
        id = Long.parseLong(c.param("id"));
      } catch (NumberFormatException e) {
        // Gin's hello echoes any id; so do we for non-numeric ids, which keeps the benchmark comparable.
        c.json(200, Map.of("id", c.param("id")));
        return;
      }
      User u = users.get(id);
      if (u == null) {
        c.json(200, Map.of("id", c.param("id")));
        return;
      }
      c.json(200, u);
    });
    app.post("/users", c -> {
      NewUser in = c.bind(NewUser.class);
      long id = ids.incrementAndGet();
      User u = new User(id, in.name(), in.email(), in.age());
      users.put(id, u);
      c.header("Location", "/users/" + id).json(201, u);
    });
    app.get("/work", c -> {
      long ms;
      try {
        ms = Long.parseLong(c.query("ms", "100"));
      } catch (NumberFormatException e) {
        throw new HttpException(400, "ms: '" + c.query("ms") + "' (expected: milliseconds)");
      }
      if (ms < 0 || ms > 600_000) {
        throw new HttpException(400, "ms: " + ms + " (expected: 0-600000)");
      }
      Thread.sleep(ms); // blocking is fine: this is a virtual thread
      c.json(200, Map.of("slept_ms", ms));
    });
    return app;
  }

  public static void main(String[] args) {
    app().run();
  }
}
