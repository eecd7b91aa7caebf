package dev.nonstop.web.internal;

import dev.nonstop.web.http.StrictRequestDecoder;
import dev.nonstop.web.internal.handoff.Inheritance;
import dev.nonstop.web.internal.handoff.Takeover;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter.MeterProvider;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.ServerChannelRecvByteBufAllocator;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.unix.FileDescriptor;
import io.netty.channel.unix.UnixChannel;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Netty side of an engine: the listener (and the optional management listener), the connection
 * cap, and the drain. Invariants: a connection is in {@code connections} from accept to close;
 * during the shutdown delay everything is served as usual (only readiness says 503); once the
 * listener closes no new connection is accepted on the main port, every idle connection is closed
 * and every busy one closes after its response; the management listener closes last, so /readyz
 * stays observable (503) during the whole drain. After a handoff ({@link #handOver}) idle
 * connections get a short grace instead of an immediate close. Listeners taken over from another
 * process are the same sockets as that process's: closing ours never closes theirs, and the main
 * one accepts nothing before {@link #openGate()}.
 */
public final class HttpServer {
  private static final Logger log = LoggerFactory.getLogger(HttpServer.class);
  /** Connecting to the old process and receiving its listeners; it sends them as soon as we connect. */
  private static final Duration TAKEOVER_TIMEOUT = Duration.ofSeconds(10);
  /** How long an idle keep-alive connection may stay open after a handoff; see {@link #handOver}. */
  static final Duration HANDOVER_IDLE_GRACE = Duration.ofSeconds(1);

  private final Settings settings;
  private final Dispatcher dispatcher;
  private final Dispatcher management;
  private final MeterRegistry meters;
  // Keyed by channel: a Connection learns its channel only at channelActive, after it is listed here.
  private final Map<Channel, Connection> connections = new ConcurrentHashMap<>();
  private final Map<Channel, Connection> managementConnections = new ConcurrentHashMap<>();
  private final AtomicInteger open = new AtomicInteger();
  private final AtomicBoolean stopping = new AtomicBoolean();
  private volatile boolean listenerClosed;
  private volatile long idleGrace; // set before listenerClosed, read after it
  private final CountDownLatch terminated = new CountDownLatch(1);
  private final MeterProvider<Counter> rejected;
  private final List<AutoCloseable> binders = new ArrayList<>();
  private EventLoopGroup group;
  private Takeover takeover;
  private Channel listener;
  private Channel managementListener;
  private String transport;

  public HttpServer(Settings settings, Dispatcher dispatcher, Dispatcher management, MeterRegistry meters) {
    this.settings = settings;
    this.dispatcher = dispatcher;
    this.management = management;
    this.meters = meters;
    this.rejected = Counter.builder("nonstop.http.server.rejected")
        .description("Requests refused before routing (malformed, too large, too slow)")
        .withRegistry(meters);
  }

  /**
   * Binds the listeners, or, with an {@code inheritance}, takes over those of the process handing
   * over: their port and address are theirs, and the main one accepts only after {@link #openGate()}.
   */
  public void start(int port, Inheritance inheritance) {
    boolean epoll = settings.nativeTransport() && Epoll.isAvailable();
    if (inheritance != null && !epoll) {
      String why = settings.nativeTransport() ? "epoll is unavailable here" : "nativeTransport is off";
      throw new IllegalStateException("handoff: pid " + inheritance.parent() + " hands over its listeners, "
          + "which needs the epoll transport (" + why + ")");
    }
    IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
    Class<? extends ServerChannel> channelType = epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
    transport = epoll ? "epoll" : "nio";
    group = new MultiThreadIoEventLoopGroup(settings.ioThreads(), new DefaultThreadFactory("nonstop-io", true), io);
    Map<String, Integer> inherited = new HashMap<>();
    try {
      if (inheritance != null) {
        takeover = Takeover.connect(inheritance, group, TAKEOVER_TIMEOUT);
        inherited.putAll(takeover.listeners());
      }
      listener = open(channelType, dispatcher, settings.host(), port, inherited.remove(Inheritance.MAIN),
          epoll && settings.reusePort(), true);
      if (management != null) {
        managementListener = open(channelType, management, settings.managementHost(), settings.managementPort(),
            inherited.remove(Inheritance.MANAGEMENT), false, false);
      }
      inherited.values().forEach(Takeover::closeQuietly); // this version has no management port: not needed
    } catch (RuntimeException e) {
      inherited.values().forEach(Takeover::closeQuietly);
      if (listener != null) {
        listener.close();
      }
      if (takeover != null) {
        takeover.failed(e.getMessage());
      }
      group.shutdownGracefully(0, 0, TimeUnit.SECONDS);
      throw e;
    }
    registerMetrics();
  }

  /** The new process's end of the handoff it is taking over through, or null; see {@link #start}. */
  public Takeover takeover() {
    return takeover;
  }

  /**
   * Starts accepting on a main listener taken over in {@link #start}; does nothing after the drain began.
   *
   * @return whether it accepts now
   */
  public boolean openGate() {
    return Takeover.openGate(listener, () -> listenerClosed);
  }

  /** Whether the listeners can be handed to another process: epoll sockets only. */
  public boolean canHandOff() {
    return listener instanceof UnixChannel;
  }

  /** The listening sockets to hand over, main first; see {@link Inheritance}. */
  public Map<String, FileDescriptor> handoffListeners() {
    Map<String, FileDescriptor> fds = new LinkedHashMap<>();
    fds.put(Inheritance.MAIN, ((UnixChannel) listener).fd());
    if (managementListener != null) {
      fds.put(Inheritance.MANAGEMENT, ((UnixChannel) managementListener).fd());
    }
    return fds;
  }

  /** The event loops, for the handoff's own socket. */
  public EventLoopGroup group() {
    return group;
  }

  // A listener on `fd` when one was inherited, else a new one bound to host:port.
  private Channel open(Class<? extends ServerChannel> type, Dispatcher d, String host, int port, Integer fd,
      boolean reusePort, boolean counted) {
    ServerBootstrap b = new ServerBootstrap()
        .group(group)
        .option(ChannelOption.SO_BACKLOG, 1024)
        .option(ChannelOption.SO_REUSEADDR, true)
        .childOption(ChannelOption.TCP_NODELAY, true)
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            accept(ch, d, counted);
          }
        });
    if (reusePort) {
      b.option(EpollChannelOption.SO_REUSEPORT, true);
    }
    if (counted) {
      // One accept per read, counted on the listener's own loop before the next accept: a burst cannot
      // slip past the cap between accepting a connection and counting it.
      b.option(ChannelOption.RCVBUF_ALLOCATOR, new ServerChannelRecvByteBufAllocator().maxMessagesPerRead(1));
      b.handler(new Cap());
    }
    if (fd != null) {
      // Already bound and listening. Registered with reads off: the main listener of a new process
      // must not accept before the old one says go, and a management one waits until the bootstrap's
      // acceptor is in its pipeline (added by a task queued during registration, ahead of this one).
      Channel ch = Takeover.register(b, fd);
      if (!counted) {
        ch.eventLoop().execute(() -> ch.config().setAutoRead(true));
      }
      return ch;
    }
    b.channel(type);
    InetSocketAddress address = host == null ? new InetSocketAddress(port) : new InetSocketAddress(host, port);
    try {
      return b.bind(address).sync().channel();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while binding " + address, e);
    } catch (Exception e) {
      throw new IllegalStateException("cannot listen on " + address + ": " + e.getMessage(), e);
    }
  }

  private void accept(SocketChannel ch, Dispatcher d, boolean counted) {
    Connection conn = new Connection(this, settings, d);
    HttpDecoderConfig cfg = new HttpDecoderConfig()
        .setMaxInitialLineLength(settings.maxInitialLineLength())
        .setMaxHeaderSize(settings.maxHeaderSize())
        .setMaxChunkSize(64 * 1024)
        .setValidateHeaders(true);
    ChannelPipeline p = ch.pipeline();
    p.addLast("decoder", new StrictRequestDecoder(cfg, conn::onBytes));
    p.addLast("encoder", new HttpResponseEncoder() {
      @Override
      protected boolean isContentAlwaysEmpty(HttpResponse msg) {
        // As HttpServerCodec does: a response to HEAD has GET's headers but no body, not even a last chunk.
        return conn.answeringHead() || super.isContentAlwaysEmpty(msg);
      }
    });
    p.addLast("connection", conn);
    Map<Channel, Connection> tracked = counted ? connections : managementConnections;
    tracked.put(ch, conn);
    if (listenerClosed && counted) {
      // Accepted just before the listener closed but registered after the drain swept the set.
      drain(ch, conn);
    }
    ch.closeFuture().addListener(f -> tracked.remove(ch));
  }

  // At the cap we stop accepting instead of accepting and closing: new clients wait in the kernel's
  // backlog and are served as soon as a slot frees up, rather than seeing a reset. Pausing and
  // resuming run on the listener's event loop only: epoll ignores an autoRead change made from another
  // thread while a read is pending, and a pause and a resume from two threads could interleave.
  private final class Cap extends ChannelInboundHandlerAdapter {
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object child) {
      Channel listening = ctx.channel();
      if (open.incrementAndGet() >= settings.maxConnections() && listening.config().isAutoRead()) {
        listening.config().setAutoRead(false);
        // A close that raced with the pause may have seen accept still on and skipped the resume
        // (both sides write, then read the other's volatile); so look at the count once more.
        if (open.get() < settings.maxConnections()) {
          listening.config().setAutoRead(true);
        } else {
          log.atWarn().addKeyValue("connections", open.get())
              .log("connection cap {} reached; pausing accept", settings.maxConnections());
        }
      }
      ((Channel) child).closeFuture().addListener(f -> {
        // Only a paused listener needs the hop to its loop; most closes happen far below the cap.
        if (open.decrementAndGet() < settings.maxConnections() && !listenerClosed
            && !listening.config().isAutoRead()) {
          listening.eventLoop().execute(() -> {
            if (open.get() < settings.maxConnections() && !listenerClosed) {
              listening.config().setAutoRead(true);
            }
          });
        }
      });
      ctx.fireChannelRead(child);
    }
  }

  void countRejected(int status) {
    rejected.withTags("status", Integer.toString(status)).increment();
  }

  public int port() {
    return ((InetSocketAddress) listener.localAddress()).getPort();
  }

  public int managementPort() {
    return managementListener == null ? -1 : ((InetSocketAddress) managementListener.localAddress()).getPort();
  }

  public String transport() {
    return transport;
  }

  /** The drain; see the class comment. Blocks until done; later calls wait for the first. */
  public void stop(Duration drain) {
    stop(settings.shutdownDelay(), drain, 0);
  }

  /**
   * The drain after a handoff, when another process accepts on the same socket. No shutdown delay:
   * the port never stops being served, so there is nothing for balancers to notice. Idle keep-alive
   * connections get {@link #HANDOVER_IDLE_GRACE} to send one more request (answered with Connection:
   * close) before they are closed: under load, closing them all at once races with clients sending
   * on them, and several such closes together can defeat a client's single retry (the JDK client
   * retries once, perhaps on another connection that is being closed too).
   */
  public void handOver(Duration drain) {
    stop(Duration.ZERO, drain, HANDOVER_IDLE_GRACE.toNanos());
  }

  private void stop(Duration delay, Duration drain, long idleGraceNanos) {
    if (!stopping.compareAndSet(false, true)) {
      awaitTermination();
      return;
    }
    long t0 = System.nanoTime();
    try {
      log.atInfo().addKeyValue("phase", "readiness_down").addKeyValue("connections", open.get())
          .addKeyValue("in_flight", dispatcher.inFlight()).addKeyValue("delay_ms", delay.toMillis())
          .log("drain: readiness is 503; closing the listener in {} ms", delay.toMillis());
      if (!delay.isZero()) {
        Thread.sleep(delay.toMillis()); // the delay itself is the point: let balancers notice
      }
      idleGrace = idleGraceNanos;
      listener.close().syncUninterruptibly();
      listenerClosed = true;
      int total = open.get();
      int busy = dispatcher.inFlight();
      connections.forEach(this::drain);
      log.atInfo().addKeyValue("phase", "listener_closed").addKeyValue("connections", total)
          .addKeyValue("in_flight", busy)
          .log("drain: listener closed; {} connections, {} requests in flight", total, busy);
      long deadline = t0 + delay.toNanos() + drain.toNanos();
      // Polling two counters is simpler than wiring a latch through every close path, and 10 ms is
      // nothing next to a drain measured in seconds.
      while ((open.get() > 0 || dispatcher.inFlight() > 0) && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      int forced = open.get();
      int unfinished = dispatcher.inFlight();
      if (forced > 0) {
        connections.keySet().forEach(Channel::close);
      }
      if (unfinished > 0 && !dispatcher.interruptHandlers(Duration.ofSeconds(1))) {
        log.atWarn().addKeyValue("unfinished_requests", dispatcher.inFlight())
            .log("drain: {} handlers ignored their interrupt", dispatcher.inFlight());
      }
      long ms = (System.nanoTime() - t0) / 1_000_000;
      log.atInfo().addKeyValue("phase", "drained").addKeyValue("forced_connections", forced)
          .addKeyValue("unfinished_requests", unfinished).addKeyValue("duration_ms", ms)
          .log("drain: done in {} ms; {} connections force-closed, {} requests unfinished", ms, forced, unfinished);
    } catch (InterruptedException e) {
      // Asked to hurry: skip the rest of the wait but still close everything below.
      Thread.currentThread().interrupt();
      listener.close();
      connections.keySet().forEach(Channel::close);
    } finally {
      for (AutoCloseable b : binders) {
        try {
          b.close();
        } catch (Exception e) {
          log.debug("closing a metrics binder failed", e);
        }
      }
      if (managementListener != null) {
        managementListener.close().syncUninterruptibly();
        managementConnections.keySet().forEach(Channel::close);
      }
      group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
      terminated.countDown();
    }
  }

  // On the channel's own event loop, so after its registration (and channelActive) has completed.
  private void drain(Channel ch, Connection conn) {
    long grace = idleGrace;
    ch.eventLoop().execute(() -> conn.drain(grace));
  }

  public void awaitTermination() {
    try {
      terminated.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void registerMetrics() {
    Gauge.builder("nonstop.http.server.connections", open, AtomicInteger::get)
        .description("Open client connections").register(meters);
    // The main port's requests only: management-port probes and scrapes are not the service's load.
    Gauge.builder("nonstop.http.server.requests.active", dispatcher, Dispatcher::inFlight)
        .description("HTTP requests being handled").register(meters);
    new JvmMemoryMetrics().bindTo(meters);
    JvmGcMetrics gc = new JvmGcMetrics(); // holds GC listeners that pin the registry until closed
    gc.bindTo(meters);
    binders.add(gc);
    new JvmThreadMetrics().bindTo(meters);
    new ClassLoaderMetrics().bindTo(meters);
    new ProcessorMetrics().bindTo(meters);
    new UptimeMetrics().bindTo(meters);
    new FileDescriptorMetrics().bindTo(meters);
    Path status = Path.of("/proc/self/status");
    if (Files.isReadable(status)) {
      // Micrometer has no RSS meter; the supervisor's max_memory acts on the same number.
      Gauge.builder("process.resident.memory", () -> residentBytes(status)).baseUnit("bytes")
          .description("Resident set size of this process").register(meters);
    }
  }

  // VmRSS is in kB whatever the page size (statm counts pages, which are 16 or 64 KiB on some kernels).
  private static double residentBytes(Path status) {
    try {
      for (String line : Files.readAllLines(status)) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.substring(6).trim().split("\\s+")[0]) * 1024.0;
        }
      }
    } catch (IOException | RuntimeException e) {
      // fall through: an unreadable value is reported as NaN, not as a crash of the scrape
    }
    return Double.NaN;
  }
}
