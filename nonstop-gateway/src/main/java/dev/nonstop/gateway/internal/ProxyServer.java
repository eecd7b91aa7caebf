package dev.nonstop.gateway.internal;

import dev.nonstop.core.HostPort;
import dev.nonstop.gateway.GatewaySpec;
import dev.nonstop.gateway.UpstreamStatus;
import dev.nonstop.web.http.StrictRequestDecoder;
import dev.nonstop.web.http.Trusted;
import dev.nonstop.web.internal.handoff.Takeover;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.unix.UnixChannel;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.ServerChannelRecvByteBufAllocator;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway's machinery behind {@link dev.nonstop.gateway.Gateway}: event loops, the listener,
 * building and swapping {@link Snapshot}s (on a reload and on a membership change, one at a time),
 * health checkers, the connection cap and the drain.
 */
public final class ProxyServer {
  private static final Logger log = LoggerFactory.getLogger("dev.nonstop.gateway");

  private final EventLoopGroup group;
  private final Class<? extends ServerChannel> serverChannelType;
  private final Proxy proxy;
  private final Map<EventLoop, Pools> pools = new IdentityHashMap<>();
  private final ChannelGroup clients = new DefaultChannelGroup("clients", GlobalEventExecutor.INSTANCE);
  private final AtomicInteger open = new AtomicInteger();
  private final MeterRegistry meters;
  private final Object reloadLock = new Object();
  private final Set<String> gauged = java.util.concurrent.ConcurrentHashMap.newKeySet();
  private volatile Channel listener;
  private volatile boolean stopping;

  private ProxyServer(GatewaySpec spec, MeterRegistry meters) {
    this.meters = meters;
    boolean epoll = Epoll.isAvailable();
    IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
    serverChannelType = epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
    Class<? extends Channel> clientType = epoll ? EpollSocketChannel.class : NioSocketChannel.class;
    // One loop per core, as nginx's worker_processes auto: proxying is all I/O and no blocking.
    int threads = Integer.getInteger("nonstop.gateway.ioThreads", java.lang.Runtime.getRuntime().availableProcessors());
    group = new MultiThreadIoEventLoopGroup(threads, new DefaultThreadFactory("nonstop-gw", true), io);
    group.forEach(e -> pools.put((EventLoop) e, new Pools((EventLoop) e)));
    proxy = new Proxy(clientType, new GatewayMetrics(meters), log);
  }

  /** Builds the first snapshot, binds the listener and starts the health checks. */
  public static ProxyServer start(GatewaySpec spec, MeterRegistry meters) {
    return start(spec, meters, -1);
  }

  /**
   * As {@link #start(GatewaySpec, MeterRegistry)}, but serving on {@code inheritedFd}, a listening
   * socket another process handed over, when it is 0 or more: that socket accepts nothing until
   * {@link #openGate()}.
   */
  public static ProxyServer start(GatewaySpec spec, MeterRegistry meters, int inheritedFd) {
    ProxyServer s = new ProxyServer(spec, meters);
    try {
      Snapshot snap = s.build(spec, null);
      s.meter(snap);
      s.proxy.snapshot(snap);
      s.bind(spec, inheritedFd);
      snap.clusters().values().forEach(c -> c.startHealth(s.checker(c)));
      s.registerGauges();
    } catch (RuntimeException e) {
      s.group.shutdownGracefully(0, 0, TimeUnit.SECONDS);
      throw e;
    }
    log.atInfo().addKeyValue("port", s.port()).log("gateway listening on {}", s.listener.localAddress());
    return s;
  }

  private void bind(GatewaySpec spec, int inheritedFd) {
    HostPort hp = HostPort.parse(spec.listen());
    ServerBootstrap b = new ServerBootstrap()
        .group(group)
        .option(ChannelOption.SO_BACKLOG, 1024)
        .option(ChannelOption.SO_REUSEADDR, true)
        // One accept per read, counted before the next: a burst cannot slip past the cap.
        .option(ChannelOption.RCVBUF_ALLOCATOR, new ServerChannelRecvByteBufAllocator().maxMessagesPerRead(1))
        .handler(new Cap())
        .childOption(ChannelOption.TCP_NODELAY, true)
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            accept(ch);
          }
        });
    if (inheritedFd >= 0) {
      if (serverChannelType != EpollServerSocketChannel.class) {
        throw new IllegalStateException("a handed-over listener needs the epoll transport, which is unavailable here");
      }
      // Bound and listening already (the same socket as the old process's): registered with accepts
      // off until openGate(), so nothing is taken from the shared queue before the old process lets go.
      listener = Takeover.register(b, inheritedFd);
      InetSocketAddress have = (InetSocketAddress) listener.localAddress();
      if (!sameAddress(hp, have)) {
        // The config on disk moved the listener: an upgrade keeps the socket it is handed, so it
        // would serve an address the file no longer names. Refused; the caller's cleanup closes it.
        throw new IllegalStateException("gateway.listen: " + spec.listen() + ", but the listener handed over is "
            + new HostPort(have.getHostString(), have.getPort()) + " (an upgrade keeps the listening socket; "
            + "restart nonstop up to move it)");
      }
      return;
    }
    b.channel(serverChannelType);
    InetSocketAddress address = new InetSocketAddress(hp.host(), hp.port());
    try {
      listener = b.bind(address).sync().channel();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while binding " + spec.listen(), e);
    } catch (Exception e) {
      throw new IllegalStateException("cannot listen on " + spec.listen() + ": " + e.getMessage(), e);
    }
  }

  /**
   * Whether a socket bound to {@code have} is what {@code want} (port 0: any port) asks for.
   *
   * @throws IllegalStateException when {@code want}'s host does not resolve
   */
  static boolean sameAddress(HostPort want, InetSocketAddress have) {
    if (want.port() != 0 && want.port() != have.getPort()) {
      return false;
    }
    InetSocketAddress wanted = new InetSocketAddress(want.host(), 0);
    if (wanted.isUnresolved()) {
      throw new IllegalStateException("gateway.listen: cannot resolve " + want.host());
    }
    InetAddress w = wanted.getAddress();
    InetAddress h = have.getAddress();
    // Netty's epoll sockets are IPv6 sockets: one bound to 0.0.0.0 reads back as ::, like one bound
    // to ::, so the two wildcards cannot be told apart here and are taken as the same.
    return w.equals(h) || w.isAnyLocalAddress() && h.isAnyLocalAddress();
  }

  private void accept(SocketChannel ch) {
    GatewaySpec.Limits limits = proxy.limits();
    ClientConnection conn = new ClientConnection(proxy, pools.get(ch.eventLoop()));
    HttpDecoderConfig cfg = new HttpDecoderConfig()
        // The request line may be as long as the URI limit plus method and version.
        .setMaxInitialLineLength((int) Math.min(Integer.MAX_VALUE, limits.maxUriLength().bytes() + 64))
        .setMaxHeaderSize((int) Math.min(Integer.MAX_VALUE, limits.maxHeaderSize().bytes()))
        .setMaxChunkSize(64 * 1024)
        .setValidateHeaders(true);
    ch.pipeline().addLast("decoder", new StrictRequestDecoder(cfg, conn::onBytes));
    ch.pipeline().addLast("encoder", new HttpResponseEncoder() {
      @Override
      protected boolean isContentAlwaysEmpty(HttpResponse msg) {
        // As HttpServerCodec does: a response to HEAD has GET's headers but no body, not even a last chunk.
        return conn.answeringHead() || super.isContentAlwaysEmpty(msg);
      }
    });
    ch.pipeline().addLast("client", conn);
    clients.add(ch);
    if (stopping) {
      ch.close();
    }
  }

  // At the cap we stop accepting instead of accepting and closing: new clients wait in the kernel's
  // backlog (as with HAProxy's maxconn) and are served as soon as a slot frees up. Pause and resume
  // run on the listener's loop only.
  private final class Cap extends ChannelInboundHandlerAdapter {
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object child) {
      Channel listening = ctx.channel();
      int max = proxy.limits().maxConnections();
      if (open.incrementAndGet() >= max && listening.config().isAutoRead()) {
        listening.config().setAutoRead(false);
        if (open.get() < max) {
          listening.config().setAutoRead(true);
        } else {
          log.atWarn().addKeyValue("connections", open.get()).log("connection cap {} reached; pausing accept", max);
        }
      }
      ((Channel) child).closeFuture().addListener(f -> {
        if (open.decrementAndGet() < proxy.limits().maxConnections() && !listening.config().isAutoRead()
            && !stopping) {
          listening.eventLoop().execute(() -> {
            if (open.get() < proxy.limits().maxConnections() && !stopping) {
              listening.config().setAutoRead(true);
            }
          });
        }
      });
      ctx.fireChannelRead(child);
    }
  }

  /**
   * Builds a snapshot for {@code spec}, carrying over from {@code previous} every server whose
   * address, weight, role and slow start are unchanged. An upstream of an app keeps the members it
   * had in {@code previous} when its app is the same, and starts empty otherwise.
   */
  private Snapshot build(GatewaySpec spec, Snapshot previous) {
    long now = System.nanoTime();
    Map<String, Cluster> clusters = new LinkedHashMap<>();
    for (Map.Entry<String, GatewaySpec.Upstream> e : spec.upstreams().entrySet()) {
      String name = e.getKey();
      GatewaySpec.Upstream up = e.getValue();
      Cluster old = previous == null ? null : previous.cluster(name);
      List<GatewaySpec.ServerEntry> servers = up.app() == null ? up.servers()
          : old != null && up.app().equals(old.spec.app()) ? old.entries() : List.of();
      // Servers of the first config take traffic at once; ones a reload adds warm up.
      clusters.put(name, cluster(name, up, servers, old, previous != null, now));
    }
    IdentityHashMap<GatewaySpec.Route, RateLimiter> routeLimits = new IdentityHashMap<>();
    IdentityHashMap<GatewaySpec.Route, String> routeNames = new IdentityHashMap<>();
    for (GatewaySpec.Route r : spec.routes()) {
      routeNames.put(r, r.host() == null ? r.path() : r.host() + r.path());
      if (r.rateLimit() != null) {
        routeLimits.put(r, new RateLimiter(r.rateLimit().perSecond(), r.rateLimit().burst(), RateLimiter.DEFAULT_MAX_KEYS, now));
      }
    }
    RateLimiter global = spec.rateLimit() == null ? null
        : new RateLimiter(spec.rateLimit().perSecond(), spec.rateLimit().burst(), RateLimiter.DEFAULT_MAX_KEYS, now);
    int maxUri = (int) Math.min(Integer.MAX_VALUE, spec.limits().maxUriLength().bytes());
    return new Snapshot(spec, new RouteTable(spec.routes()), clusters, new Trusted(spec.trustedProxies()), global,
        routeLimits, routeNames, maxUri);
  }

  /**
   * The cluster of upstream {@code name} with {@code servers}, reusing {@code old}'s servers whose
   * address, weight, role and slow start are unchanged, and its breaker when its limits are.
   *
   * @param warm whether new servers start in slow start
   * @throws IllegalArgumentException when a server's host cannot be resolved
   */
  private Cluster cluster(String name, GatewaySpec.Upstream up, List<GatewaySpec.ServerEntry> servers, Cluster old,
      boolean warm, long now) {
    Map<String, Server> reusable = new HashMap<>();
    if (old != null) {
      for (Server s : old.servers) {
        reusable.put(key(s.address(), s.weight(), s.backup(), old.spec.slowStart()), s);
      }
    }
    List<Server> list = new ArrayList<>();
    for (GatewaySpec.ServerEntry entry : servers) {
      Server s = reusable.remove(key(entry.address(), entry.weight(), entry.backup(), up.slowStart()));
      if (s == null) {
        HostPort hp = HostPort.parse(entry.address());
        InetSocketAddress address = new InetSocketAddress(hp.host(), hp.port());
        if (address.isUnresolved()) {
          throw new IllegalArgumentException("gateway.upstreams." + name + ": cannot resolve " + entry.address());
        }
        s = new Server(entry.address(), address, entry.weight(), entry.backup(), up.slowStart().toNanos(), now,
            warm, listener(name));
      }
      list.add(s);
    }
    Breaker breaker = old != null && old.spec.circuitBreaker().equals(up.circuitBreaker())
        ? old.breaker : new Breaker(name, up.circuitBreaker(), System::nanoTime);
    gaugeUpstream(name);
    return new Cluster(name, up, list, breaker, new RetryBudget(up.retries().budgetPercent(), list.size()),
        new OutlierDetector(name, list.toArray(Server[]::new), up.outlier(), System::nanoTime));
  }

  /**
   * Gives each new server of {@code next} its per-server timer, once the snapshot is built (a build
   * that fails registers nothing) and before it serves; on the reload thread, as {@link #retire}'s
   * removal of the meters of servers that left, so the two never race.
   */
  private void meter(Snapshot next) {
    for (Cluster c : next.clusters().values()) {
      for (Server s : c.servers) {
        if (s.tried == null) {
          s.tried = proxy.metrics().serverTimer(c.name, s.address());
        }
      }
    }
  }

  private static String key(String address, int weight, boolean backup, Duration slowStart) {
    return address + '|' + weight + '|' + backup + '|' + slowStart.toNanos();
  }

  private ServerListener listener(String upstream) {
    return (server, change, reason) -> {
      String to = change.name().toLowerCase(Locale.ROOT);
      if (!server.retired()) {
        // A retired server's meters are gone (retire()); its last in-flight requests must not bring them back.
        proxy.metrics().serverChanged(upstream, server.address(), to);
      }
      var event = change == Server.Change.HEALTHY || change == Server.Change.UNDRAINED ? log.atInfo() : log.atWarn();
      event.addKeyValue("upstream", upstream).addKeyValue("server", server.address()).addKeyValue("to", to)
          .log("server {} of {}: {} ({})", server.address(), upstream, to, reason);
    };
  }

  private HealthChecker checker(Cluster c) {
    GatewaySpec.Health h = c.spec.health();
    if (h == null) {
      return null;
    }
    return new HealthChecker(c.name, c.servers, h, group, proxy.channelType());
  }

  /**
   * Swaps in {@code spec}, whose routes all name an upstream ({@link GatewaySpec#resolveApps}); on
   * any problem the old snapshot stays and this throws.
   */
  public void reload(GatewaySpec spec) {
    synchronized (reloadLock) {
      Snapshot old = proxy.snapshot();
      if (!HostPort.parse(spec.listen()).equals(HostPort.parse(old.spec().listen()))) {
        throw new IllegalArgumentException("gateway.listen: " + spec.listen()
            + " (expected: " + old.spec().listen() + "; the listener cannot move on a reload, restart instead)");
      }
      Snapshot next = build(spec, old);
      meter(next);
      proxy.snapshot(next);
      old.clusters().values().forEach(Cluster::stopHealth);
      next.clusters().values().forEach(c -> c.startHealth(checker(c)));
      retire(old, next);
      log.atInfo().log("gateway config reloaded: {} routes, {} upstreams", spec.routes().size(), spec.upstreams().size());
    }
  }

  /**
   * Replaces the servers of upstream {@code upstream}, which must be of an app, as a reload would:
   * a new snapshot in which only that upstream's cluster is new; the rest, rate limiters included,
   * is the current one's.
   *
   * @return completes once no server removed here has a request in flight
   * @throws IllegalArgumentException when there is no such upstream, it is not of an app, or a
   *     server's host cannot be resolved; nothing changed then
   */
  public CompletableFuture<Void> setMembers(String upstream, List<GatewaySpec.ServerEntry> servers) {
    synchronized (reloadLock) {
      Snapshot old = proxy.snapshot();
      Cluster current = old.cluster(upstream);
      if (current == null) {
        throw new IllegalArgumentException("upstream '" + upstream + "' (expected: one of "
            + String.join(", ", old.clusters().keySet()) + ")");
      }
      if (current.spec.app() == null) {
        throw new IllegalArgumentException("upstream '" + upstream
            + "' has servers in the config (expected: an upstream with app, whose servers are set at run time)");
      }
      Cluster next = cluster(upstream, current.spec, servers, current, true, System.nanoTime());
      Map<String, Cluster> clusters = new LinkedHashMap<>(old.clusters());
      clusters.put(upstream, next);
      Snapshot snap = new Snapshot(old.spec(), old.routes(), clusters, old.trusted(), old.global(), old.routeLimits(),
          old.routeNames(), old.maxUriLength());
      meter(snap);
      proxy.snapshot(snap);
      current.stopHealth();
      next.startHealth(checker(next));
      CompletableFuture<Void> idle = retire(old, snap);
      log.atInfo().addKeyValue("upstream", upstream).addKeyValue("app", current.spec.app())
          .log("upstream {} of app {}: {} servers {}", upstream, current.spec.app(), servers.size(),
              servers.stream().map(GatewaySpec.ServerEntry::address).toList());
      return idle;
    }
  }

  /**
   * Retires the servers of {@code old} that {@code next} no longer has: no new requests, the ones in
   * flight finish, idle pooled connections close now, per-server meters go.
   *
   * @return completes once none of them has a request in flight
   */
  private CompletableFuture<Void> retire(Snapshot old, Snapshot next) {
    Set<Server> kept = Collections.newSetFromMap(new IdentityHashMap<>());
    next.clusters().values().forEach(c -> kept.addAll(List.of(c.servers)));
    List<CompletableFuture<Void>> idle = new ArrayList<>();
    for (Cluster c : old.clusters().values()) {
      Cluster successor = next.cluster(c.name);
      for (Server s : c.servers) {
        if (!kept.contains(s)) {
          idle.add(s.retire());
          if (successor == null || successor.server(s.address()) == null) {
            proxy.metrics().serverRemoved(c.name, s.address());
          }
        }
      }
    }
    if (!idle.isEmpty()) {
      for (Pools p : pools.values()) {
        try {
          p.loop().execute(p::closeRetired);
        } catch (RejectedExecutionException e) {
          // The gateway stopped: its pools were closed with the loops.
        }
      }
    }
    return CompletableFuture.allOf(idle.toArray(CompletableFuture[]::new));
  }

  /**
   * Starts accepting on a handed-over listener (see {@link #start(GatewaySpec, MeterRegistry, int)}).
   *
   * @return whether it accepts now: false when the gateway is stopping or the listener is closed
   */
  public boolean openGate() {
    return Takeover.openGate(listener, () -> stopping);
  }

  /** The listening socket's descriptor, to hand to another process; -1 without the epoll transport. */
  public int listenerFd() {
    return listener instanceof UnixChannel u ? u.fd().intValue() : -1;
  }

  public int port() {
    return ((InetSocketAddress) listener.localAddress()).getPort();
  }

  public GatewaySpec spec() {
    return proxy.snapshot().spec();
  }

  /** The admin view of every upstream. */
  public List<UpstreamStatus> status() {
    long now = System.nanoTime();
    List<UpstreamStatus> out = new ArrayList<>();
    for (Cluster c : proxy.snapshot().clusters().values()) {
      List<UpstreamStatus.ServerStatus> servers = new ArrayList<>();
      for (Server s : c.servers) {
        boolean ejected = s.ejected(now);
        String state = s.draining() ? "draining" : !s.healthy() ? "unhealthy" : ejected ? "ejected" : "up";
        servers.add(new UpstreamStatus.ServerStatus(s.address(), s.weight(), s.backup(), state, s.healthy(), ejected,
            s.ejectReason(), s.ejections(), s.draining(), s.warming(now), s.inflight(),
            s.latencyNanos(now) / 1e6));
      }
      out.add(new UpstreamStatus(c.name, balanceName(c.spec.balance()), c.breaker.state().name().toLowerCase(Locale.ROOT),
          c.outlier.panicking(), servers, c.spec.app()));
    }
    return out;
  }

  private static String balanceName(GatewaySpec.Balance b) {
    return switch (b.kind()) {
      case HASH -> b.header() != null ? "hash(header:" + b.header() + ")" : "hash(cookie:" + b.cookie() + ")";
      default -> b.kind().name().toLowerCase(Locale.ROOT);
    };
  }

  public boolean drain(String upstream, String address, boolean on) {
    Cluster c = proxy.snapshot().cluster(upstream);
    Server s = c == null ? null : c.server(address);
    if (s == null) {
      return false;
    }
    s.draining(on);
    return true;
  }

  // Per-upstream gauges read the current snapshot, so they follow reloads; registered once per name
  // (an upstream a reload removes reads NaN).
  private void gaugeUpstream(String name) {
    if (!gauged.add(name)) {
      return;
    }
    Gauge.builder("nonstop_gateway_circuit_state", this, p -> {
          Cluster c = p.proxy.snapshot() == null ? null : p.proxy.snapshot().cluster(name);
          return c == null ? Double.NaN : c.breaker.state().ordinal();
        })
        .description("Circuit breaker state: 0 closed, 1 open, 2 half open")
        .tags("upstream", name).register(meters);
    Gauge.builder("nonstop_gateway_upstream_connections", this, p -> {
          Cluster c = p.proxy.snapshot() == null ? null : p.proxy.snapshot().cluster(name);
          return c == null ? Double.NaN : c.breaker.connections();
        })
        .description("Open connections to the upstream's servers (in use and idle)")
        .tags("upstream", name).register(meters);
    Gauge.builder("nonstop_gateway_upstream_servers_available", this, p -> {
          Cluster c = p.proxy.snapshot() == null ? null : p.proxy.snapshot().cluster(name);
          if (c == null) {
            return Double.NaN;
          }
          long now = System.nanoTime();
          return java.util.Arrays.stream(c.servers).filter(s -> s.available(now)).count();
        })
        .description("Servers taking new requests (healthy, not ejected, not draining)")
        .tags("upstream", name).register(meters);
  }

  private void registerGauges() {
    Gauge.builder("nonstop_gateway_client_connections", open, AtomicInteger::get)
        .description("Open client connections").register(meters);
    Gauge.builder("nonstop_gateway_pool_idle_connections", this, p -> p.pools.values().stream().mapToInt(Pools::size).sum())
        .description("Idle pooled upstream connections").register(meters);
    Gauge.builder("nonstop_gateway_upstream_active_requests", this,
            p -> p.proxy.snapshot().clusters().values().stream()
                .mapToInt(c -> java.util.Arrays.stream(c.servers).mapToInt(Server::inflight).sum()).sum())
        .description("Requests in flight to upstream servers").register(meters);
  }

  /**
   * Stops accepting, closes idle connections, waits up to {@code drain} for in-flight exchanges, then
   * closes the rest and the event loops.
   */
  public synchronized void stop(Duration drain) {
    // Synchronized: a signal and an upgrade's let-go may both stop the gateway; the second waits.
    if (stopping) {
      return;
    }
    stopping = true;
    Channel l = listener;
    if (l != null) {
      l.close().syncUninterruptibly();
    }
    proxy.snapshot().clusters().values().forEach(Cluster::stopHealth);
    for (Channel ch : clients) {
      ch.eventLoop().execute(() -> {
        ClientConnection c = ch.pipeline().get(ClientConnection.class);
        if (c != null) {
          c.drain();
        }
      });
    }
    // Completes when every connection open now has closed (new ones are refused while stopping).
    clients.newCloseFuture().awaitUninterruptibly(drain.toMillis());
    clients.close().awaitUninterruptibly(1, TimeUnit.SECONDS);
    pools.values().forEach(p -> p.loop().execute(p::closeAll));
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    log.atInfo().log("gateway stopped");
  }
}
