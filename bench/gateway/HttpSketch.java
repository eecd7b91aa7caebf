import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
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
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Benchmark yardstick, not product code: a sketch of the "forward the header block as bytes"
 * design, to learn what a rewrite of the gateway's hot path could buy before writing it. It copies
 * the request head line by line (dropping {@code Connection}), appends the same headers the gateway
 * adds (X-Forwarded-For/Proto/Host, X-Request-Id, traceparent, Via; Via and X-Request-Id on the
 * response), pools upstream connections per event loop (round robin, LIFO) and frames responses by
 * Content-Length only. It handles GET without bodies, no chunked responses, no errors, no timers,
 * no health or metrics: an upper bound for the design, not a proxy.
 *
 * <p>Run: {@code java -cp nonstop.jar HttpSketch.java PORT HOST:PORT HOST:PORT...}
 */
public final class HttpSketch {
  private static final byte[] CRLF = {'\r', '\n'};
  /** {@code SKETCH_HEADERS=none}: add no headers, to measure what the added ones cost (mostly the upstream's parsing). */
  private static final boolean ADD_HEADERS = !"none".equals(System.getenv("SKETCH_HEADERS"));
  private static InetSocketAddress[] upstreams;

  public static void main(String[] args) throws InterruptedException {
    int port = Integer.parseInt(args[0]);
    upstreams = new InetSocketAddress[args.length - 1];
    for (int i = 1; i < args.length; i++) {
      int colon = args[i].lastIndexOf(':');
      upstreams[i - 1] = new InetSocketAddress(args[i].substring(0, colon), Integer.parseInt(args[i].substring(colon + 1)));
    }
    EventLoopGroup loops = new MultiThreadIoEventLoopGroup(Runtime.getRuntime().availableProcessors(),
        EpollIoHandler.newFactory());
    new ServerBootstrap().group(loops).channel(EpollServerSocketChannel.class)
        .childOption(ChannelOption.TCP_NODELAY, true)
        .childHandler(new ChannelInitializer<Channel>() {
          @Override
          protected void initChannel(Channel c) {
            c.pipeline().addLast(new Client());
          }
        })
        .bind("127.0.0.1", port).sync();
    System.out.println("http sketch on 127.0.0.1:" + port);
    Thread.currentThread().join();
  }

  /** Idle upstream connections of one event loop, per upstream; touched only from that loop. */
  private static final class Pool {
    private static final ThreadLocal<Pool> OF_LOOP = ThreadLocal.withInitial(Pool::new);
    @SuppressWarnings("unchecked")
    final ArrayDeque<Channel>[] idle = new ArrayDeque[upstreams.length];
    int next;

    Pool() {
      for (int i = 0; i < idle.length; i++) {
        idle[i] = new ArrayDeque<>();
      }
    }
  }

  // Index just past the blank line ending a head in b, or -1 while it is incomplete.
  private static int headEnd(ByteBuf b) {
    int i = b.indexOf(b.readerIndex(), b.writerIndex(), (byte) '\n');
    while (i >= 0) {
      int n = b.indexOf(i + 1, b.writerIndex(), (byte) '\n');
      if (n < 0) {
        return -1;
      }
      if (n - i <= 2) {
        return n + 1;
      }
      i = n;
    }
    return -1;
  }

  private static ByteBuf append(ByteBuf acc, ByteBuf b) {
    return acc == null ? b : Unpooled.wrappedBuffer(acc, b);
  }

  private static String hex(long v) {
    String s = Long.toHexString(v);
    return "0".repeat(16 - s.length()) + s;
  }

  private static final class Client extends ChannelInboundHandlerAdapter {
    private ByteBuf pending;
    private Channel ch;

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
      ch = ctx.channel();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      ByteBuf in = pending = append(pending, (ByteBuf) msg);
      int end = headEnd(in);
      if (end < 0) {
        return;
      }
      pending = null;
      ByteBuf out = ctx.alloc().directBuffer(end - in.readerIndex() + 320);
      int line = in.indexOf(in.readerIndex(), end, (byte) '\n') + 1;
      out.writeBytes(in, in.readerIndex(), line - in.readerIndex());
      while (end - line > 2) {
        int next = in.indexOf(line, end, (byte) '\n') + 1;
        if (!isHeader(in, line, "connection")) {
          out.writeBytes(in, line, next - line);
        }
        line = next;
      }
      in.release();
      ThreadLocalRandom r = ThreadLocalRandom.current();
      String id = hex(r.nextLong()) + hex(r.nextLong());
      if (!ADD_HEADERS) {
        out.writeBytes(CRLF);
      } else {
        out.writeCharSequence("x-forwarded-for: 127.0.0.1\r\nx-forwarded-proto: http\r\nx-forwarded-host: localhost\r\n"
          + "x-request-id: " + id + "\r\ntraceparent: 00-" + hex(r.nextLong()) + hex(r.nextLong()) + "-"
            + hex(r.nextLong()) + "-00\r\nvia: 1.1 nonstop\r\n\r\n", StandardCharsets.US_ASCII);
      }
      Pool pool = Pool.OF_LOOP.get();
      int s = pool.next++ % upstreams.length;
      Channel up = pool.idle[s].pollLast();
      if (up != null) {
        up.pipeline().get(Upstream.class).send(this, id, out);
        return;
      }
      Upstream u = new Upstream(pool, s);
      new Bootstrap().group(ch.eventLoop()).channel(EpollSocketChannel.class)
          .option(ChannelOption.TCP_NODELAY, true)
          .handler(u)
          .connect(upstreams[s])
          .addListener((ChannelFutureListener) f -> {
            if (f.isSuccess()) {
              u.ch = f.channel();
              u.send(this, id, out);
            } else {
              out.release();
              ch.close();
            }
          });
    }

    private static boolean isHeader(ByteBuf b, int at, String lowerName) {
      int n = lowerName.length();
      if (b.getByte(at + n) != ':') {
        return false;
      }
      for (int i = 0; i < n; i++) {
        if ((b.getByte(at + i) | 0x20) != lowerName.charAt(i)) {
          return false;
        }
      }
      return true;
    }
  }

  private static final class Upstream extends ChannelInboundHandlerAdapter {
    private final Pool pool;
    private final int server;
    Channel ch;
    private Client client;
    private String id;
    private ByteBuf pending;
    private long remaining = -1; // body bytes still to come; -1 while reading a head

    Upstream(Pool pool, int server) {
      this.pool = pool;
      this.server = server;
    }

    void send(Client c, String requestId, ByteBuf request) {
      client = c;
      id = requestId;
      ch.writeAndFlush(request);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      ByteBuf b = (ByteBuf) msg;
      if (remaining >= 0) {
        remaining -= b.readableBytes();
        client.ch.write(b);
      } else {
        ByteBuf in = pending = append(pending, b);
        int end = headEnd(in);
        if (end < 0) {
          return;
        }
        pending = null;
        ByteBuf out = ctx.alloc().directBuffer(end - in.readerIndex() + 80);
        long length = 0;
        int line = in.indexOf(in.readerIndex(), end, (byte) '\n') + 1;
        out.writeBytes(in, in.readerIndex(), line - in.readerIndex());
        while (end - line > 2) {
          int next = in.indexOf(line, end, (byte) '\n') + 1;
          if (Client.isHeader(in, line, "content-length")) {
            length = 0;
            for (int i = line + 15; i < next; i++) {
              byte d = in.getByte(i);
              if (d >= '0' && d <= '9') {
                length = length * 10 + d - '0';
              }
            }
          }
          out.writeBytes(in, line, next - line);
          line = next;
        }
        if (ADD_HEADERS) {
          out.writeCharSequence("via: 1.1 nonstop\r\nx-request-id: " + id + "\r\n", StandardCharsets.US_ASCII);
        }
        out.writeBytes(CRLF);
        in.readerIndex(end);
        remaining = length - in.readableBytes();
        client.ch.write(out);
        client.ch.write(in);
      }
      if (remaining <= 0) {
        client.ch.flush();
        client = null;
        remaining = -1;
        pool.idle[server].addLast(ch);
      }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
      if (client != null) {
        client.ch.flush();
      }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      pool.idle[server].remove(ctx.channel());
      if (client != null) {
        client.ch.close();
      }
    }
  }
}
