import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import java.net.InetSocketAddress;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Benchmark yardstick, not product code: the cheapest forwarder Netty can be. Every client
 * connection gets its own upstream connection (round robin) and bytes are copied both ways without
 * looking at them: no HTTP parsing, no pooling, no balancing state, no timers. What this reaches in
 * bench/gateway.sh is the ceiling of any Netty/epoll proxy on the box, so the gateway's ratio to
 * nginx can be read against the platform's, not against an abstract target.
 *
 * <p>Run: {@code java -cp nonstop.jar TcpCeiling.java PORT HOST:PORT HOST:PORT...}
 */
public final class TcpCeiling {
  public static void main(String[] args) throws InterruptedException {
    int port = Integer.parseInt(args[0]);
    InetSocketAddress[] upstreams = new InetSocketAddress[args.length - 1];
    for (int i = 1; i < args.length; i++) {
      int colon = args[i].lastIndexOf(':');
      upstreams[i - 1] = new InetSocketAddress(args[i].substring(0, colon), Integer.parseInt(args[i].substring(colon + 1)));
    }
    AtomicInteger next = new AtomicInteger();
    EventLoopGroup loops = new MultiThreadIoEventLoopGroup(Runtime.getRuntime().availableProcessors(),
        EpollIoHandler.newFactory());
    new ServerBootstrap().group(loops).channel(EpollServerSocketChannel.class)
        .childOption(ChannelOption.TCP_NODELAY, true)
        .childOption(ChannelOption.AUTO_READ, false) // read the client once its upstream is connected
        .childHandler(new ChannelInitializer<Channel>() {
          @Override
          protected void initChannel(Channel client) {
            InetSocketAddress to = upstreams[Math.floorMod(next.getAndIncrement(), upstreams.length)];
            ChannelFuture f = new Bootstrap().group(client.eventLoop()).channel(EpollSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true)
                .handler(new Pipe(client))
                .connect(to);
            client.pipeline().addLast(new Pipe(f.channel()));
            f.addListener(c -> {
              if (c.isSuccess()) {
                client.config().setAutoRead(true);
              } else {
                client.close();
              }
            });
          }
        })
        .bind("127.0.0.1", port).sync();
    System.out.println("tcp ceiling on 127.0.0.1:" + port);
    Thread.currentThread().join();
  }

  /** Copies what one side reads to the other, flushing once per read batch, with writability backpressure. */
  private static final class Pipe extends ChannelInboundHandlerAdapter {
    private final Channel peer;

    Pipe(Channel peer) {
      this.peer = peer;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      peer.write(msg);
      if (!peer.isWritable()) {
        ctx.channel().config().setAutoRead(false);
      }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
      peer.flush();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
      if (ctx.channel().isWritable()) {
        peer.config().setAutoRead(true);
      }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      peer.close();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      ctx.close();
    }
  }
}
