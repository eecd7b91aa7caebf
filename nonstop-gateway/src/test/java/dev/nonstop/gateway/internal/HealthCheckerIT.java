package dev.nonstop.gateway.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.sun.net.httpserver.HttpServer;
import dev.nonstop.gateway.GatewaySpec;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.ResourceLeakDetector;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** Real sockets on loopback, port 0; the checker on a real NIO event loop group. */
class HealthCheckerIT {
  private static final Duration INTERVAL = Duration.ofMillis(50);
  private static final Duration WAIT = Duration.ofSeconds(10);

  private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
  private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
  private final List<String> changes = new CopyOnWriteArrayList<>();
  /** What {@link #checksSoFar} said at each change. */
  private final List<Integer> checksAtChange = new CopyOnWriteArrayList<>();
  private volatile IntSupplier checksSoFar = () -> 0;
  private final ListAppender<ILoggingEvent> leaks = new ListAppender<>();
  private final Logger leakLogger = (Logger) LoggerFactory.getLogger(ResourceLeakDetector.class);
  private HealthChecker checker;

  @BeforeEach
  void watchForLeaks() {
    leaks.start();
    leakLogger.addAppender(leaks);
  }

  @AfterEach
  void stopAndCheckForLeaks() {
    if (checker != null) {
      checker.stop();
    }
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    threads.shutdownNow();
    // Paranoid detection reports a leaked buffer when a later allocation finds it collected.
    for (int i = 0; i < 3; i++) {
      System.gc();
      for (int j = 0; j < 64; j++) {
        ByteBuf b = PooledByteBufAllocator.DEFAULT.buffer(64);
        b.release();
      }
    }
    leakLogger.detachAppender(leaks);
    assertThat(leaks.list).filteredOn(e -> e.getLevel() == Level.ERROR).isEmpty();
  }

  @Test
  void anHttpServerGoesDownAfterFallFailuresAndComesBackAfterRisePasses() throws IOException {
    AtomicInteger status = new AtomicInteger(200);
    Map<Integer, AtomicInteger> served = new ConcurrentHashMap<>(); // checks answered, by status
    AtomicReference<String> request = new AtomicReference<>();
    HttpServer http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    http.createContext("/healthz", exchange -> {
      var h = exchange.getRequestHeaders();
      request.set(exchange.getRequestMethod() + " " + exchange.getRequestURI() + " host=" + h.getFirst("Host")
          + " ua=" + h.getFirst("User-Agent") + " connection=" + h.getFirst("Connection"));
      int code = status.get();
      served.computeIfAbsent(code, c -> new AtomicInteger()).incrementAndGet();
      exchange.sendResponseHeaders(code, -1);
      exchange.close();
    });
    http.start();
    try {
      Server server = server(http.getAddress().getPort());
      checker = start(server, new GatewaySpec.Health("/healthz", INTERVAL, Duration.ofMillis(500), 2, 3));

      await().atMost(WAIT).untilAsserted(() -> assertThat(count(served, 200)).isGreaterThanOrEqualTo(3));
      assertThat(server.healthy()).isTrue();
      assertThat(request.get()).isEqualTo("GET /healthz host=" + server.address()
          + " ua=nonstop-health connection=close");

      // Each check waits for the previous verdict, so the change comes with exactly the fall-th 503.
      checksSoFar = () -> count(served, 503);
      status.set(503);
      await().atMost(WAIT).untilAsserted(() -> assertThat(server.healthy()).isFalse());
      assertThat(changes).containsExactly("UNHEALTHY 3 checks failed in a row (last: status 503)");
      assertThat(checksAtChange).containsExactly(3);

      checksSoFar = () -> count(served, 204);
      status.set(204);
      await().atMost(WAIT).untilAsserted(() -> assertThat(server.healthy()).isTrue());
      assertThat(changes).containsExactly("UNHEALTHY 3 checks failed in a row (last: status 503)",
          "HEALTHY 2 checks passed in a row (last: status 204)");
      assertThat(checksAtChange).containsExactly(3, 2);
    } finally {
      http.stop(0);
    }
  }

  @Test
  void aClosedPortGoesDown() throws IOException {
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    Server server = server(port);

    checker = start(server, new GatewaySpec.Health("/healthz", INTERVAL, Duration.ofMillis(500), 2, 2));

    await().atMost(WAIT).untilAsserted(() -> assertThat(server.healthy()).isFalse());
    assertThat(changes).containsExactly("UNHEALTHY 2 checks failed in a row (last: connect refused)");
  }

  @Test
  void aServerThatAcceptsButNeverAnswersGoesDownByTimeout() throws IOException {
    try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      AtomicInteger accepted = acceptAndHold(silent);
      Server server = server(silent.getLocalPort());

      checker = start(server, new GatewaySpec.Health("/healthz", INTERVAL, Duration.ofMillis(200), 2, 2));

      await().atMost(WAIT).untilAsserted(() -> assertThat(server.healthy()).isFalse());
      assertThat(changes).containsExactly("UNHEALTHY 2 checks failed in a row (last: timeout after 200ms)");
      assertThat(accepted.get()).as("each check on a new connection").isGreaterThanOrEqualTo(2);
    }
  }

  @Test
  void aTcpCheckPassesOnConnectAndFailsOnRefusal() throws IOException {
    ServerSocket listening = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    AtomicInteger accepted = acceptAndHold(listening);
    Server server = server(listening.getLocalPort());
    server.healthy(false, "marked down by the test");
    changes.clear();

    checker = start(server, new GatewaySpec.Health(null, INTERVAL, Duration.ofMillis(500), 2, 2));

    await().atMost(WAIT).untilAsserted(() -> assertThat(server.healthy()).isTrue());
    assertThat(changes).containsExactly("HEALTHY 2 checks passed in a row (last: connected)");
    assertThat(accepted.get()).isGreaterThanOrEqualTo(2);

    listening.close();
    await().atMost(WAIT).untilAsserted(() -> assertThat(server.healthy()).isFalse());
    assertThat(changes).last().isEqualTo("UNHEALTHY 2 checks failed in a row (last: connect refused)");
  }

  @Test
  void stopEndsTheChecksAndClosesTheOneInFlight() throws IOException {
    try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      AtomicInteger accepted = new AtomicInteger();
      AtomicInteger closedByPeer = new AtomicInteger();
      threads.submit(() -> {
        while (!silent.isClosed()) {
          Socket s = silent.accept();
          accepted.incrementAndGet();
          threads.submit(() -> {
            try (s; InputStream in = s.getInputStream()) {
              while (in.read() >= 0) {
                // the request; no answer, ever
              }
              closedByPeer.incrementAndGet();
            }
            return null;
          });
        }
        return null;
      });
      Server server = server(silent.getLocalPort());
      checker = start(server, new GatewaySpec.Health("/healthz", INTERVAL, Duration.ofSeconds(30), 2, 2));
      await().atMost(WAIT).untilAsserted(() -> assertThat(accepted.get()).isEqualTo(1));

      checker.stop();

      await().atMost(WAIT).untilAsserted(() -> assertThat(closedByPeer.get()).isEqualTo(1));
      await().during(Duration.ofMillis(300)).atMost(WAIT).untilAsserted(() -> assertThat(accepted.get()).isEqualTo(1));
      assertThat(server.healthy()).isTrue();
      assertThat(changes).isEmpty();
    }
  }

  @Test
  void stopEndsPeriodicChecks() throws IOException {
    AtomicInteger served = new AtomicInteger();
    HttpServer http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    http.createContext("/", exchange -> {
      served.incrementAndGet();
      exchange.sendResponseHeaders(200, -1);
      exchange.close();
    });
    http.start();
    try {
      checker = start(server(http.getAddress().getPort()),
          new GatewaySpec.Health("/", Duration.ofMillis(20), Duration.ofMillis(500), 2, 2));
      await().atMost(WAIT).untilAsserted(() -> assertThat(served.get()).isGreaterThanOrEqualTo(3));

      checker.stop();

      // At most one check was past its timer when stop ran; after that, silence.
      int afterStop = served.get();
      await().during(Duration.ofMillis(300)).atMost(WAIT)
          .untilAsserted(() -> assertThat(served.get()).isBetween(afterStop, afterStop + 1));
    } finally {
      http.stop(0);
    }
  }

  private static int count(Map<Integer, AtomicInteger> served, int status) {
    AtomicInteger n = served.get(status);
    return n == null ? 0 : n.get();
  }

  /** Accepts connections and keeps them open, unanswered; counts them. */
  private AtomicInteger acceptAndHold(ServerSocket listening) {
    AtomicInteger accepted = new AtomicInteger();
    List<Socket> held = new CopyOnWriteArrayList<>();
    threads.submit(() -> {
      try {
        while (true) {
          held.add(listening.accept());
          accepted.incrementAndGet();
        }
      } catch (IOException closed) {
        for (Socket s : held) {
          s.close();
        }
      }
      return null;
    });
    return accepted;
  }

  private HealthChecker start(Server server, GatewaySpec.Health config) {
    HealthChecker c = new HealthChecker("api", new Server[] {server}, config, group, NioSocketChannel.class);
    c.start();
    return c;
  }

  private Server server(int port) {
    InetSocketAddress address = new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
    return new Server("127.0.0.1:" + port, address, 1, false, 0, System.nanoTime(), false, (s, change, reason) -> {
      checksAtChange.add(checksSoFar.getAsInt());
      changes.add(change + " " + reason);
    });
  }
}
