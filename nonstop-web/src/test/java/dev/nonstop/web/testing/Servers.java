package dev.nonstop.web.testing;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.spi.ILoggingEvent;
import dev.nonstop.web.Engine;
import io.netty.buffer.ByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import java.lang.ref.Reference;
import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The engines and raw connections of a test class, and the Netty leak check, as one JUnit extension.
 * What a {@code @BeforeAll} method starts lives until the class ends; what a test starts is stopped
 * (and its connections closed) when that test ends. When the class ends, after its servers have
 * stopped, the class fails if Netty's leak detector reports a buffer that was never released.
 *
 * <pre>{@code
 * @RegisterExtension static final Servers servers = new Servers();
 *
 * @BeforeAll static void start() {
 *   Engine app = Engine.builder().build();
 *   app.get("/ping", c -> c.string(200, "pong"));
 *   server = servers.start(app);
 * }
 * }</pre>
 *
 * <p>Register it on a static field: the leak check needs the class's whole life.
 */
public final class Servers implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback, AfterEachCallback {
  private final Deque<Deque<AutoCloseable>> scopes = new ArrayDeque<>();
  private Logs leakReports;

  /** Starts {@code engine}, whose routes are registered, on port 0; stopped when the scope ends. */
  public TestServer start(Engine engine) {
    add(engine).start(0);
    return new TestServer(engine, this);
  }

  /** Stops {@code engine} when the scope ends, for a test that starts it itself (or must not). */
  public Engine add(Engine engine) {
    closeLater(() -> engine.stop(Duration.ZERO));
    return engine;
  }

  <T extends AutoCloseable> T closeLater(T resource) {
    if (scopes.isEmpty()) {
      throw new IllegalStateException("Servers used outside a test class (expected: a static @RegisterExtension field)");
    }
    scopes.peek().push(resource);
    return resource;
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    assertThat(ResourceLeakDetector.getLevel()).as("leak detection level (see the surefire and failsafe argLine)")
        .isEqualTo(ResourceLeakDetector.Level.PARANOID);
    leakReports = Logs.capture(ResourceLeakDetector.class.getName());
    scopes.push(new ArrayDeque<>());
  }

  @Override
  public void beforeEach(ExtensionContext context) {
    if (leakReports == null) {
      throw new IllegalStateException("Servers on an instance field (expected: a static @RegisterExtension field)");
    }
    scopes.push(new ArrayDeque<>());
  }

  @Override
  public void afterEach(ExtensionContext context) throws Exception {
    closeAll(scopes.pop());
  }

  @Override
  public void afterAll(ExtensionContext context) throws Exception {
    try {
      closeAll(scopes.pop());
      provokeLeakReports();
      assertThat(leakReports.events()).extracting(ILoggingEvent::getFormattedMessage)
          .as("Netty leak reports").noneMatch(m -> m.contains("LEAK"));
    } finally {
      leakReports.close();
      leakReports = null;
    }
  }

  private static void closeAll(Deque<AutoCloseable> resources) throws Exception {
    Exception failure = null;
    for (AutoCloseable r = resources.poll(); r != null; r = resources.poll()) {
      try {
        r.close();
      } catch (Exception e) {
        if (failure == null) {
          failure = e;
        } else {
          failure.addSuppressed(e);
        }
      }
    }
    if (failure != null) {
      throw failure;
    }
  }

  /**
   * Netty reports a leaked buffer only when a later tracked allocation finds it collected. So:
   * collect twice, each time until a sentinel of our own is enqueued (after the second, the
   * reference handler has processed everything the first collection found), then allocate.
   */
  private static void provokeLeakReports() throws InterruptedException {
    for (int round = 0; round < 2; round++) {
      ReferenceQueue<Object> collected = new ReferenceQueue<>();
      WeakReference<Object> sentinel = new WeakReference<>(new Object(), collected);
      do {
        System.gc();
      } while (collected.remove(100) == null);
      Reference.reachabilityFence(sentinel);
    }
    for (int i = 0; i < 10; i++) {
      ByteBufAllocator.DEFAULT.buffer(16).release(); // at paranoid level every allocation looks for leaks
    }
  }
}
