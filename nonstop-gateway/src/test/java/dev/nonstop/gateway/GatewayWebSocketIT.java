package dev.nonstop.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.nonstop.gateway.testing.Specs;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * WebSocket through the gateway: the JDK client, the gateway's upgrade and raw tunnel, and a Netty
 * echo server behind it. Messages go both ways unchanged and a close from either end reaches the
 * other and tears the tunnel down.
 */
class GatewayWebSocketIT {
  /** A text message that makes the echo server close the WebSocket itself. */
  private static final String CLOSE_PLEASE = "close please";

  private EventLoopGroup group;
  private final ChannelGroup upstreamConnections = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
  private final CompletableFuture<String> handshakeVia = new CompletableFuture<>();
  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
  private final HttpClient http = HttpClient.newHttpClient();
  private Gateway gateway;

  @BeforeEach
  void start() throws Exception {
    group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    Channel listener = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            upstreamConnections.add(ch);
            ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(64 * 1024),
                new WebSocketServerProtocolHandler("/ws"), new Echo());
          }
        })
        .bind(InetAddress.getLoopbackAddress(), 0).sync().channel();
    int port = ((InetSocketAddress) listener.localAddress()).getPort();
    gateway = Gateway.start(Specs.yaml("""
        listen: 127.0.0.1:0
        routes: [{path: /ws, upstream: echo}]
        upstreams: {echo: {servers: ["127.0.0.1:%d"]}}
        """.formatted(port)), meters);
  }

  @AfterEach
  void stop() {
    http.shutdownNow(); // close() would wait for every WebSocket still open
    gateway.stop(Duration.ofSeconds(1));
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
  }

  /** Echoes every data frame as it came; answers {@link #CLOSE_PLEASE} with a close of its own. */
  private final class Echo extends SimpleChannelInboundHandler<WebSocketFrame> {
    @Override
    protected void channelRead0(ChannelHandlerContext ctx, WebSocketFrame frame) {
      if (frame instanceof TextWebSocketFrame t && t.text().equals(CLOSE_PLEASE)) {
        ctx.writeAndFlush(new CloseWebSocketFrame(4000, "server says bye"));
        return;
      }
      ctx.writeAndFlush(frame.retainedDuplicate());
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
      if (evt instanceof WebSocketServerProtocolHandler.HandshakeComplete done) {
        handshakeVia.complete(String.valueOf(done.requestHeaders().get("via")));
      }
      ctx.fireUserEventTriggered(evt);
    }
  }

  /** What the client received: whole text messages in order, and the close. */
  private static final class Recorder implements WebSocket.Listener {
    final BlockingQueue<String> messages = new LinkedBlockingQueue<>();
    final CompletableFuture<String> closed = new CompletableFuture<>();
    private final StringBuilder partial = new StringBuilder();

    @Override
    public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
      partial.append(data);
      if (last) {
        messages.add(partial.toString());
        partial.setLength(0);
      }
      ws.request(1);
      return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket ws, int status, String reason) {
      closed.complete(status + " " + reason);
      return null; // the JDK answers with a Close of the same status
    }

    @Override
    public void onError(WebSocket ws, Throwable error) {
      closed.completeExceptionally(error);
    }
  }

  private WebSocket connect(Recorder recorder) throws Exception {
    return http.newWebSocketBuilder()
        .buildAsync(URI.create("ws://127.0.0.1:" + gateway.port() + "/ws"), recorder)
        .get(5, TimeUnit.SECONDS);
  }

  private String next(Recorder r) throws InterruptedException {
    return r.messages.poll(5, TimeUnit.SECONDS);
  }

  private double clientConnections() {
    return meters.get("nonstop_gateway_client_connections").gauge().value();
  }

  @Test
  void textMessagesAreEchoedThroughTheGateway() throws Exception {
    Recorder r = new Recorder();
    WebSocket ws = connect(r);
    assertThat(handshakeVia.get(5, TimeUnit.SECONDS)).isEqualTo("1.1 nonstop"); // it went through the gateway
    String large = "x".repeat(40_000);
    for (String m : new String[] {"hello", "wörld ✓", large, ""}) {
      ws.sendText(m, true).get(5, TimeUnit.SECONDS);
      assertThat(next(r)).isEqualTo(m);
    }
    // A message sent in fragments comes back whole.
    ws.sendText("frag", false).get(5, TimeUnit.SECONDS);
    ws.sendText("mented", true).get(5, TimeUnit.SECONDS);
    assertThat(next(r)).isEqualTo("fragmented");
    assertThat(upstreamConnections.size()).isEqualTo(1);
  }

  @Test
  void aCloseFromTheClientReachesTheServerAndTearsTheTunnelDown() throws Exception {
    Recorder r = new Recorder();
    WebSocket ws = connect(r);
    ws.sendText("hi", true).get(5, TimeUnit.SECONDS);
    assertThat(next(r)).isEqualTo("hi");
    ws.sendClose(WebSocket.NORMAL_CLOSURE, "client done").get(5, TimeUnit.SECONDS);
    // The server answers a Close with the same status and reason, then closes its connection.
    assertThat(r.closed.get(5, TimeUnit.SECONDS)).isEqualTo("1000 client done");
    await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
      assertThat(upstreamConnections.size()).isZero();
      assertThat(clientConnections()).isZero();
    });
    assertThat(ws.isInputClosed()).isTrue();
    assertThat(ws.isOutputClosed()).isTrue();
  }

  @Test
  void aCloseFromTheServerReachesTheClientAndTearsTheTunnelDown() throws Exception {
    Recorder r = new Recorder();
    WebSocket ws = connect(r);
    ws.sendText(CLOSE_PLEASE, true).get(5, TimeUnit.SECONDS);
    assertThat(r.closed.get(5, TimeUnit.SECONDS)).isEqualTo("4000 server says bye");
    await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
      assertThat(ws.isOutputClosed()).isTrue(); // the JDK answered the Close
      assertThat(upstreamConnections.size()).isZero();
      assertThat(clientConnections()).isZero();
    });
    assertThat(r.messages).isEmpty();
  }
}
