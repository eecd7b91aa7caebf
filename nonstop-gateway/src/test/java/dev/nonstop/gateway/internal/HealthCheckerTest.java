package dev.nonstop.gateway.internal;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nonstop.gateway.GatewaySpec;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ConnectTimeoutException;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.MockTicker;
import io.netty.util.concurrent.Ticker;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.NoRouteToHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class HealthCheckerTest {
  private static final long TIMEOUT = TimeUnit.MILLISECONDS.toNanos(500);

  private final List<String> outcomes = new ArrayList<>();
  private final MockTicker ticker = Ticker.newMockTicker();

  @Test
  void anUpServerFallsAfterFallFailuresInARow() {
    HealthChecker.Streak s = new HealthChecker.Streak(2, 3);

    assertThat(s.flips(false, true)).isFalse();
    assertThat(s.flips(false, true)).isFalse();
    assertThat(s.flips(true, true)).as("a pass ends the run").isFalse();
    assertThat(s.flips(false, true)).isFalse();
    assertThat(s.flips(false, true)).isFalse();
    assertThat(s.flips(false, true)).isTrue();
  }

  @Test
  void aDownServerRisesAfterRisePassesInARow() {
    HealthChecker.Streak s = new HealthChecker.Streak(2, 3);

    assertThat(s.flips(true, false)).isFalse();
    assertThat(s.flips(false, false)).as("a failure ends the run").isFalse();
    assertThat(s.flips(true, false)).isFalse();
    assertThat(s.flips(true, false)).isTrue();
  }

  @Test
  void aFlipStartsTheCountsAfresh() {
    HealthChecker.Streak s = new HealthChecker.Streak(1, 2);
    s.flips(false, true);
    assertThat(s.flips(false, true)).isTrue();

    assertThat(s.flips(true, false)).isTrue(); // rise 1
    assertThat(s.flips(false, true)).isFalse();
    assertThat(s.flips(false, true)).isTrue();
  }

  @Test
  void riseAndFallOfOneFlipOnEveryDisagreement() {
    HealthChecker.Streak s = new HealthChecker.Streak(1, 1);

    assertThat(s.flips(true, true)).isFalse();
    assertThat(s.flips(false, true)).isTrue();
    assertThat(s.flips(false, false)).isFalse();
    assertThat(s.flips(true, false)).isTrue();
  }

  @Test
  void anHttpCheckSendsAGetThatClosesTheConnection() {
    EmbeddedChannel ch = channel(http("/healthz"));

    String request = outbound(ch);

    assertThat(request).startsWith("GET /healthz HTTP/1.1\r\n");
    assertThat(request).containsIgnoringCase("host: 10.0.0.1:8080\r\n");
    assertThat(request).containsIgnoringCase("user-agent: nonstop-health\r\n");
    assertThat(request).containsIgnoringCase("connection: close\r\n");
    assertThat(request).endsWith("\r\n\r\n");
    assertThat(outcomes).isEmpty();
    ch.finishAndReleaseAll();
  }

  @Test
  void twoHundredsAndThreeHundredsPass() {
    for (String status : List.of("200 OK", "204 No Content", "301 Moved Permanently", "399 Whatever")) {
      outcomes.clear();
      EmbeddedChannel ch = channel(http("/"));
      outbound(ch);

      respond(ch, "HTTP/1.1 " + status + "\r\nContent-Length: 0\r\n\r\n");

      assertThat(outcomes).as(status).containsExactly("pass status " + status.substring(0, 3));
      assertThat(ch.isOpen()).isFalse();
      ch.finishAndReleaseAll();
    }
  }

  @Test
  void otherStatusesFail() {
    for (String status : List.of("404 Not Found", "500 Internal Server Error", "503 Service Unavailable")) {
      outcomes.clear();
      EmbeddedChannel ch = channel(http("/"));
      outbound(ch);

      respond(ch, "HTTP/1.1 " + status + "\r\nContent-Length: 4\r\n\r\ndown");

      assertThat(outcomes).as(status).containsExactly("fail status " + status.substring(0, 3));
      ch.finishAndReleaseAll();
    }
  }

  @Test
  void theVerdictComesWithTheStatusLineNotTheBody() {
    EmbeddedChannel ch = channel(http("/"));
    outbound(ch);

    respond(ch, "HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n\r\nthe start of a large body");

    assertThat(outcomes).containsExactly("pass status 200");
    assertThat(ch.isOpen()).isFalse();
    ch.finishAndReleaseAll();
  }

  @Test
  void aResponseThatIsNotHttpFails() {
    EmbeddedChannel ch = channel(http("/"));
    outbound(ch);

    respond(ch, "SSH-2.0-OpenSSH_9.6\r\n\r\n");

    assertThat(outcomes).singleElement().asString().startsWith("fail invalid response: ");
    ch.finishAndReleaseAll();
  }

  @Test
  void aConnectionClosedBeforeTheResponseFails() {
    EmbeddedChannel ch = channel(http("/"));
    outbound(ch);

    ch.close();

    assertThat(outcomes).containsExactly("fail connection closed before the response");
    ch.finishAndReleaseAll();
  }

  @Test
  void noResponseWithinTheTimeoutFails() {
    EmbeddedChannel ch = channel(http("/"));
    outbound(ch);

    advance(ch, ticker, TIMEOUT - 1);
    assertThat(outcomes).isEmpty();
    advance(ch, ticker, 1);

    assertThat(outcomes).containsExactly("fail timeout after 500ms");
    assertThat(ch.isOpen()).isFalse();
    ch.finishAndReleaseAll();
  }

  @Test
  void aTcpCheckPassesOnceConnected() {
    EmbeddedChannel ch = channel(new HealthChecker.Attempt(null, "10.0.0.1:8080", TIMEOUT, this::record));

    assertThat(outcomes).containsExactly("pass connected");
    assertThat(ch.outboundMessages()).as("nothing is sent").isEmpty();
    assertThat(ch.isOpen()).isFalse();
    ch.finishAndReleaseAll();
  }

  @Test
  void aCheckHasOneVerdict() {
    EmbeddedChannel ch = channel(http("/"));
    outbound(ch);
    respond(ch, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");

    advance(ch, ticker, TIMEOUT);

    assertThat(outcomes).containsExactly("pass status 200");
    ch.finishAndReleaseAll();
  }

  @Test
  void anAbortedCheckHasNoVerdict() {
    HealthChecker.Attempt attempt = http("/");
    EmbeddedChannel ch = channel(attempt);
    outbound(ch);

    attempt.abort();
    advance(ch, ticker, TIMEOUT);

    assertThat(outcomes).isEmpty();
    assertThat(ch.isOpen()).isFalse();
    ch.finishAndReleaseAll();
  }

  @Test
  void connectFailuresAreNamed() {
    assertThat(HealthChecker.connectFailure(new ConnectTimeoutException("connection timed out"), 500))
        .isEqualTo("timeout after 500ms");
    assertThat(HealthChecker.connectFailure(new ConnectException("Connection refused"), 500))
        .isEqualTo("connect refused");
    assertThat(HealthChecker.connectFailure(new NoRouteToHostException("No route to host"), 500))
        .isEqualTo("connect failed: java.net.NoRouteToHostException: No route to host");
  }

  @Test
  void rejectsNonsense() {
    var group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    try {
      Server[] servers = {server()};
      assertThatThrownBy(() -> new HealthChecker("api", servers,
          new GatewaySpec.Health(null, Duration.ZERO, Duration.ofSeconds(1), 2, 3), group, NioSocketChannel.class))
          .hasMessage("health.interval: PT0S (expected: > 0)");
      assertThatThrownBy(() -> new HealthChecker("api", servers,
          new GatewaySpec.Health("healthz", Duration.ofSeconds(2), Duration.ofSeconds(1), 2, 3), group,
          NioSocketChannel.class))
          .hasMessage("health.http: healthz (expected: a path starting with /)");
      assertThatThrownBy(() -> new HealthChecker("api", servers,
          new GatewaySpec.Health(null, Duration.ofSeconds(2), Duration.ofSeconds(1), 0, 3), group,
          NioSocketChannel.class))
          .hasMessage("health.rise, health.fall: 0, 3 (expected: >= 1)");
      HealthChecker checker = new HealthChecker("api", servers, GatewaySpec.Health.DEFAULT, group, NioSocketChannel.class);
      checker.stop();
      assertThatThrownBy(checker::start).hasMessage("health checker of api already stopped (expected: a new one)");
    } finally {
      group.shutdownGracefully(0, 0, TimeUnit.SECONDS).syncUninterruptibly();
    }
  }

  private HealthChecker.Attempt http(String path) {
    return new HealthChecker.Attempt(path, "10.0.0.1:8080", TIMEOUT, this::record);
  }

  private void record(boolean pass, String reason) {
    outcomes.add((pass ? "pass " : "fail ") + reason);
  }

  /**
   * A channel with the check installed before it becomes active, as a connecting one has, on an
   * event loop whose clock moves only when {@link #ticker} does.
   */
  private EmbeddedChannel channel(HealthChecker.Attempt attempt) {
    return EmbeddedChannel.builder().ticker(ticker).handlers(new ChannelInitializer<Channel>() {
      @Override
      protected void initChannel(Channel c) {
        attempt.install(c.pipeline());
      }
    }).build();
  }

  /** Moves the check's clock on and runs what fell due. */
  private static void advance(EmbeddedChannel ch, MockTicker ticker, long nanos) {
    ticker.advance(nanos, TimeUnit.NANOSECONDS);
    ch.runScheduledPendingTasks();
  }

  private static String outbound(EmbeddedChannel ch) {
    StringBuilder out = new StringBuilder();
    for (ByteBuf b; (b = ch.readOutbound()) != null; ) {
      out.append(b.toString(US_ASCII));
      b.release();
    }
    return out.toString();
  }

  /** Feeds {@code response} in, and checks that the check released it. */
  private static void respond(EmbeddedChannel ch, String response) {
    ByteBuf in = Unpooled.copiedBuffer(response, US_ASCII);
    ch.writeInbound(in);
    assertThat(in.refCnt()).as("the response buffer's references").isZero();
  }

  private static Server server() {
    return new Server("127.0.0.1:1", new InetSocketAddress("127.0.0.1", 1), 1, false, 0, System.nanoTime(), false,
        (s, c, r) -> { });
  }
}
