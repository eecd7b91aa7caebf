package dev.nonstop.web.internal.handoff;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFactory;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.channel.unix.DomainSocketReadMode;
import io.netty.channel.unix.FileDescriptor;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;

/**
 * The new process's end of a handoff: connects to the old process, receives the listening sockets,
 * later says "ready", learns "go", and says "serving" once it accepts. See {@link Control} for the
 * protocol.
 */
public final class Takeover {
  private final Inheritance inheritance;
  private final Channel channel;
  private final Map<String, Integer> listeners;
  private final CompletableFuture<Void> go;

  private Takeover(Inheritance inheritance, Channel channel, Map<String, Integer> listeners,
      CompletableFuture<Void> go) {
    this.inheritance = inheritance;
    this.channel = channel;
    this.listeners = listeners;
    this.go = go;
  }

  /**
   * Connects to the process handing over and receives its listeners, within {@code timeout}.
   *
   * @param group an epoll event loop group
   * @throws IllegalStateException saying what failed; nothing is left open then
   */
  public static Takeover connect(Inheritance inheritance, EventLoopGroup group, Duration timeout) {
    List<String> names = inheritance.listeners();
    List<Integer> fds = Collections.synchronizedList(new ArrayList<>()); // added on the event loop
    CompletableFuture<Map<String, Integer>> received = new CompletableFuture<>();
    CompletableFuture<Void> go = new CompletableFuture<>();
    Bootstrap b = new Bootstrap()
        .group(group)
        .channel(EpollDomainSocketChannel.class)
        // Descriptors first: in this mode every read is a recvmsg that keeps the SCM_RIGHTS part.
        .option(EpollChannelOption.DOMAIN_SOCKET_READ_MODE, DomainSocketReadMode.FILE_DESCRIPTORS)
        .handler(new ChannelInitializer<EpollDomainSocketChannel>() {
          @Override
          protected void initChannel(EpollDomainSocketChannel ch) {
            ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
              @Override
              public void channelRead(ChannelHandlerContext ctx, Object msg) {
                if (!(msg instanceof FileDescriptor fd)) {
                  ctx.fireChannelRead(msg);
                  return;
                }
                fds.add(fd.intValue());
                if (fds.size() == names.size()) {
                  // The old process sends nothing more until it hears "ready", so no byte can be
                  // read in the wrong mode.
                  ch.config().setReadMode(DomainSocketReadMode.BYTES);
                  Map<String, Integer> byName = new LinkedHashMap<>();
                  for (int i = 0; i < names.size(); i++) {
                    byName.put(names.get(i), fds.get(i));
                  }
                  received.complete(byName);
                }
              }

              @Override
              public void channelInactive(ChannelHandlerContext ctx) {
                received.completeExceptionally(new IllegalStateException("pid " + inheritance.parent()
                    + " closed the handoff connection after " + fds.size() + " of " + names.size() + " listeners"));
                go.completeExceptionally(new IllegalStateException("pid " + inheritance.parent()
                    + " closed the handoff connection before saying go"));
                ctx.fireChannelInactive();
              }
            });
            Control.addLines(ch.pipeline(), line -> {
              if (Control.GO.equals(line)) {
                go.complete(null);
              }
            });
          }
        });
    String where = inheritance.socket().toString();
    ChannelFuture connected = b.connect(new DomainSocketAddress(where)).awaitUninterruptibly();
    if (!connected.isSuccess()) {
      throw new IllegalStateException("handoff: cannot connect to " + where + ": " + connected.cause().getMessage(),
          connected.cause());
    }
    EpollDomainSocketChannel ch = (EpollDomainSocketChannel) connected.channel();
    try {
      int peer = ch.peerCredentials().pid();
      if (peer != inheritance.parent()) {
        throw failed(ch, fds, where + " is served by pid " + peer + " (expected: " + inheritance.parent()
            + ", the parent)", null);
      }
      Map<String, Integer> listeners = received.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      return new Takeover(inheritance, ch, listeners, go);
    } catch (IOException e) {
      throw failed(ch, fds, "cannot read the peer's credentials: " + e.getMessage(), e);
    } catch (TimeoutException e) {
      throw failed(ch, fds, "no listeners from pid " + inheritance.parent() + " within " + timeout.toMillis() + " ms", e);
    } catch (ExecutionException e) {
      throw failed(ch, fds, e.getCause().getMessage(), e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw failed(ch, fds, "interrupted while receiving the listeners", e);
    }
  }

  private static IllegalStateException failed(Channel ch, List<Integer> fds, String why, Throwable cause) {
    ch.close().awaitUninterruptibly(); // no descriptor arrives after this
    for (int fd : List.copyOf(fds)) {
      closeQuietly(fd);
    }
    return new IllegalStateException("handoff: " + why, cause);
  }

  /**
   * Serves the listening socket {@code fd}, received from the old process (already bound and
   * listening), with {@code bootstrap}: registered with reads off, so that it accepts nothing
   * before {@link #openGate}.
   *
   * @throws IllegalStateException when it cannot be registered
   */
  public static Channel register(ServerBootstrap bootstrap, int fd) {
    ChannelFactory<ServerChannel> wrap = () -> new EpollServerSocketChannel(fd); // typed: the overload is ambiguous
    ChannelFuture registered = bootstrap.channelFactory(wrap).option(ChannelOption.AUTO_READ, false).register()
        .awaitUninterruptibly();
    if (!registered.isSuccess()) {
      throw new IllegalStateException("handoff: cannot serve on the inherited listener: "
          + registered.cause().getMessage(), registered.cause());
    }
    return registered.channel();
  }

  /**
   * Starts accepting on {@code listener}, a taken-over listening socket registered with auto-read
   * off, unless {@code closing} says its server is stopping; on the listener's event loop, and
   * waits for it, so that the answer is what the socket does now.
   *
   * @return whether it accepts now
   */
  public static boolean openGate(Channel listener, BooleanSupplier closing) {
    try {
      return listener.eventLoop().submit(() -> {
        if (closing.getAsBoolean() || !listener.isOpen()) {
          return false;
        }
        listener.config().setAutoRead(true);
        return true;
      }).get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    } catch (ExecutionException | RejectedExecutionException e) {
      return false; // the loop is gone: the server stopped
    }
  }

  /** Closes a received descriptor that will not be used. */
  public static void closeQuietly(int fd) {
    try {
      new FileDescriptor(fd).close();
    } catch (IOException e) {
      // already closed: nothing to give back
    }
  }

  /** The received listening sockets by name ({@link Inheritance#MAIN}, {@link Inheritance#MANAGEMENT}). */
  public Map<String, Integer> listeners() {
    return listeners;
  }

  /** The pid of the process handing over. */
  public long parent() {
    return inheritance.parent();
  }

  /**
   * Tells the old process this one is ready. The future completes when it answers "go", and fails when
   * the connection closes first (the old process gave up, or died).
   */
  public CompletableFuture<Void> ready() {
    return ready(true);
  }

  /**
   * {@link #ready()}, saying or not that this process will confirm with {@link #serving()}: false
   * speaks the protocol of the versions before "serving", for tests of a handoff between versions.
   */
  public CompletableFuture<Void> ready(boolean confirms) {
    if (confirms) {
      Control.send(channel, Control.CONFIRMS);
    }
    Control.send(channel, Control.READY).addListener(f -> {
      if (!f.isSuccess()) {
        go.completeExceptionally(f.cause());
      }
    });
    return go;
  }

  /**
   * Tells the old process why this one cannot take over, and hangs up; returns once the words are
   * sent (at most a second), because the usual next step is the end of this process.
   */
  public void failed(String reason) {
    Control.send(channel, Control.FAILED + " " + reason).addListener(ChannelFutureListener.CLOSE)
        .awaitUninterruptibly(1, TimeUnit.SECONDS);
  }

  /**
   * Tells the old process that this one accepts now, so it may stop accepting; returns once the
   * words are sent (at most a second). Call after "go" and after opening the gate.
   */
  public void serving() {
    Control.send(channel, Control.SERVING).awaitUninterruptibly(1, TimeUnit.SECONDS);
  }

  /** Hangs up, once "go" has arrived. */
  public void close() {
    channel.close();
  }
}
