package dev.nonstop.web.http;

import static dev.nonstop.web.http.ConformanceApp.HEADER_TIMEOUT;
import static dev.nonstop.web.http.ConformanceApp.assertHarmless;
import static dev.nonstop.web.http.ConformanceApp.assertRejected;
import static dev.nonstop.web.http.ConformanceApp.assertServes;
import static dev.nonstop.web.http.ConformanceApp.bytes;
import static dev.nonstop.web.http.ConformanceApp.chunked;
import static dev.nonstop.web.testing.RawConnection.getRequest;
import static dev.nonstop.web.testing.RawConnection.postRequest;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.nonstop.web.Engine;
import dev.nonstop.web.testing.RawConnection;
import dev.nonstop.web.testing.Response;
import dev.nonstop.web.testing.Servers;
import dev.nonstop.web.testing.TestServer;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The limits that keep one client from hurting the others, over real sockets: sizes (414, 431, 413,
 * per-route body limits), slow and silent clients (408), idle keep-alive connections, and the cap
 * on concurrent connections. Every abuse is followed by proof that other clients are still served.
 */
class HttpLimitsIT {
  private static final Duration TRICKLE = Duration.ofMillis(100);

  @RegisterExtension
  static final Servers servers = new Servers();
  private static TestServer app;

  @BeforeAll
  static void start() {
    app = servers.start(ConformanceApp.create(b -> b));
  }

  /** An app with other settings, for this test only. */
  private static TestServer startOwn(UnaryOperator<Engine.Builder> settings) {
    return servers.start(ConformanceApp.create(settings));
  }

  @Test
  void longRequestLineGets414() throws Exception {
    String target = "/hello?q=" + bytes(ConformanceApp.MAX_LINE);
    assertRejected(app, getRequest(target), 414);
  }

  @Test
  void requestLineJustUnderTheLimitIsServed() throws Exception {
    String line = "GET /hello?q= HTTP/1.1";
    String target = "/hello?q=" + bytes(ConformanceApp.MAX_LINE - line.length() - 8);
    try (RawConnection c = app.connect()) {
      assertThat(c.get(target).status()).isEqualTo(200);
    }
  }

  @Test
  void largeHeadersGet431() throws Exception {
    assertRejected(app, "GET /hello HTTP/1.1\r\nHost: test\r\nX-Big: " + bytes(ConformanceApp.MAX_HEADERS) + "\r\n\r\n",
        431);
    StringBuilder many = new StringBuilder("GET /hello HTTP/1.1\r\nHost: test\r\n");
    for (int i = 0; i < ConformanceApp.MAX_HEADERS / 4; i++) {
      many.append("X-H").append(i).append(": v\r\n");
    }
    assertRejected(app, many.append("\r\n").toString(), 431);
  }

  @Test
  void contentLengthOverTheLimitGets413BeforeTheBodyIsSent() throws Exception {
    // Only the head is sent: the answer must not wait for a body it is going to refuse.
    Response r = assertRejected(app, "POST /echo HTTP/1.1\r\nHost: test\r\nContent-Length: "
        + (ConformanceApp.MAX_BODY + 1) + "\r\n\r\n", 413);
    assertThat(r.body()).contains("larger than " + ConformanceApp.MAX_BODY + " bytes");
  }

  @Test
  void bodyAtTheLimitIsServed() throws Exception {
    try (RawConnection c = app.connect()) {
      assertThat(c.send(postRequest("/echo", bytes(ConformanceApp.MAX_BODY))).read().bytes()).hasSize(ConformanceApp.MAX_BODY);
      c.send("POST /echo HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n"
          + chunked(bytes(ConformanceApp.MAX_BODY), 100));
      assertThat(c.read().bytes()).hasSize(ConformanceApp.MAX_BODY);
    }
  }

  @Test
  void chunkedBodyOverTheLimitGets413() throws Exception {
    assertRejected(app, "POST /echo HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n"
        + chunked(bytes(ConformanceApp.MAX_BODY + 1), 100), 413);
  }

  @Test
  void bodyLimitMiddlewareRaisesTheLimit() throws Exception {
    int raised = ConformanceApp.RAISED_LIMIT;
    try (RawConnection c = app.connect()) {
      assertThat(c.send(postRequest("/big", bytes(raised))).read().body()).isEqualTo(Integer.toString(raised));
      c.send("POST /big HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked(bytes(raised), 1000));
      assertThat(c.read().body()).isEqualTo(Integer.toString(raised));
    }
    assertRejected(app, "POST /big HTTP/1.1\r\nHost: test\r\nContent-Length: " + (raised + 1) + "\r\n\r\n", 413);
    assertRejected(app, "POST /big HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n"
        + chunked(bytes(raised + 1), 1000), 413);
  }

  @Test
  void bodyLimitMiddlewareLowersTheLimit() throws Exception {
    int lowered = ConformanceApp.LOWERED_LIMIT;
    try (RawConnection c = app.connect()) {
      assertThat(c.send(postRequest("/small", bytes(lowered))).read().body()).isEqualTo(Integer.toString(lowered));
    }
    assertRejected(app, postRequest("/small", bytes(lowered + 1)), 413);
    assertRejected(app, "POST /small HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n"
        + chunked(bytes(lowered + 1), 5), 413);
    assertRejected(app, "POST /small HTTP/1.1\r\nHost: test\r\nContent-Length: " + (lowered + 1)
        + "\r\nExpect: 100-continue\r\n\r\n", 413);
  }

  @Test
  void headersTricklingInSlowerThanTheTimeoutGet408AndClose() throws Exception {
    assertHarmless(app, () -> {
      try (RawConnection c = app.connect()) {
        assertSlowlorisStopped(c);
      }
    });
  }

  @Test
  void slowHeadersOnAKeptAliveConnectionGet408() throws Exception {
    // The second request of a connection gets the same head timeout as the first, not the idle one.
    assertHarmless(app, () -> {
      try (RawConnection c = app.connect()) {
        assertServes(c);
        // Idle for longer than the head timeout: that must not count against the next request, nor
        // may the next request inherit the idle timeout.
        c.assertNothingWithin(HEADER_TIMEOUT.plusMillis(200));
        assertSlowlorisStopped(c);
      }
    });
  }

  /** Sends a header line every {@link #TRICKLE} until the server answers, which must be 408 in time. */
  private static void assertSlowlorisStopped(RawConnection c) throws Exception {
    AtomicInteger lines = new AtomicInteger();
    c.send("GET /hello HTTP/1.1\r\nHost: test\r\n");
    long t0 = System.nanoTime();
    Thread trickler = Thread.ofVirtual().start(() -> {
      try {
        while (!Thread.currentThread().isInterrupted()) {
          Thread.sleep(TRICKLE); // the pace of the attack, not a wait for a state
          c.send("X-Line-" + lines.incrementAndGet() + ": x\r\n");
        }
      } catch (InterruptedException | IOException stopped) {
        // interrupted by the test, or the server closed the connection
      }
    });
    try {
      Response r = c.read();
      Duration took = Duration.ofNanos(System.nanoTime() - t0);
      assertThat(r.status()).isEqualTo(408);
      assertThat(r.header("Connection")).isEqualToIgnoringCase("close");
      assertThat(took).isBetween(HEADER_TIMEOUT.minusMillis(50), HEADER_TIMEOUT.plusSeconds(1));
      assertThat(lines.get()).as("header lines sent before the 408").isGreaterThanOrEqualTo(2);
      c.assertClosedByServer();
    } finally {
      trickler.interrupt();
      trickler.join();
    }
  }

  @Test
  void silentConnectionGets408AndClose() throws Exception {
    assertHarmless(app, () -> {
      try (RawConnection c = app.connect()) {
        long t0 = System.nanoTime();
        Response r = c.read();
        assertThat(r.status()).isEqualTo(408);
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isGreaterThanOrEqualTo(HEADER_TIMEOUT.minusMillis(50));
        c.assertClosedByServer();
      }
    });
  }

  @Test
  void bodyStallingMidwayGets408AndClose() throws Exception {
    assertHarmless(app, () -> {
      try (RawConnection c = app.connect()) {
        Response r = c.send("POST /echo HTTP/1.1\r\nHost: test\r\nContent-Length: 10\r\n\r\nabc").read();
        assertThat(r.status()).isEqualTo(408);
        c.assertClosedByServer();
      }
    });
  }

  @Test
  void idleKeepAliveConnectionIsClosedWithoutAResponse() throws Exception {
    Duration idle = Duration.ofMillis(300);
    TestServer e = startOwn(b -> b.idleTimeout(idle).headerReadTimeout(Duration.ofSeconds(5)));
    RawConnection c = e.connect();
    assertServes(c);
    long t0 = System.nanoTime();
    c.assertClosedByServer(); // blocks until the close; no byte may arrive before it
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isBetween(idle.minusMillis(50), idle.plusSeconds(2));
    // A connection that keeps talking is not idle.
    RawConnection busy = e.connect();
    for (int i = 0; i < 4; i++) {
      assertThat(busy.get("/slow?ms=100&id=" + i).status()).as("request %d, %d ms in", i, i * 100).isEqualTo(200);
    }
    assertServes(e.connect());
  }

  // The cap is enforced by pausing accept on the listener's own event loop (epoll ignores an
  // autoRead change made from another thread while a read is pending), once per accepted socket.
  @ParameterizedTest(name = "native transport: {0}")
  @ValueSource(booleans = {false, true})
  void clientsOverTheConnectionCapWaitInsteadOfBeingReset(boolean nativeTransport) throws Exception {
    // A long head timeout: the clients queue up on purpose, and a slow first request must not expire the second.
    TestServer e = startOwn(b -> b.maxConnections(2).nativeTransport(nativeTransport).headerReadTimeout(Duration.ofSeconds(5)));
    RawConnection first = e.connect();
    RawConnection second = e.connect();
    assertServes(first);
    assertServes(second);

    RawConnection third = e.connect(); // the kernel completes the handshake; the server does not accept yet
    third.send(getRequest("/slow?id=third"));
    third.assertNothingWithin(Duration.ofMillis(300));
    assertServes(first);

    first.close();
    Response r = third.read();
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.body()).isEqualTo("third");
    assertServes(second);
  }

  @Test
  void connectionCapHoldsForABurstOfClients() throws Exception {
    TestServer e = startOwn(b -> b.maxConnections(2).headerReadTimeout(Duration.ofSeconds(5)));
    List<RawConnection> burst = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      RawConnection c = e.connect();
      c.send(getRequest("/slow?id=" + i));
      burst.add(c);
    }
    await().atMost(Duration.ofSeconds(2)).untilAsserted(() ->
        assertThat(served(burst)).isGreaterThanOrEqualTo(2));
    await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2)).untilAsserted(() ->
        assertThat(served(burst)).as("clients served while the cap is full").isEqualTo(2));
  }

  /** How many of the clients have an answer waiting, without consuming it. */
  private static int served(List<RawConnection> clients) throws IOException {
    int n = 0;
    for (RawConnection c : clients) {
      if (c.available() > 0) {
        n++;
      }
    }
    return n;
  }
}
