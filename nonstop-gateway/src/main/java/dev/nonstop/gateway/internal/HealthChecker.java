package dev.nonstop.gateway.internal;

import dev.nonstop.gateway.GatewaySpec;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ConnectTimeoutException;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.ConnectException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Active health checks of one upstream's servers, HAProxy style. Every {@code interval} (measured
 * from the end of the previous check, so checks of one server never overlap) each server gets a
 * check on a new connection, never a pooled one: a check must see what a new client would, and a
 * kept-alive socket can hide a listener that is gone. An HTTP check sends {@code GET <path>} with
 * {@code Connection: close} and passes on a 2xx or 3xx status line within {@code timeout}; a TCP
 * check passes when the connection is made within {@code timeout}. {@code fall} failures in a row
 * take a server out ({@link Server#healthy(boolean, String)}), {@code rise} passes in a row bring it
 * back; servers start up, so a gateway that starts before its servers does not flap them all.
 *
 * <p>The first checks run at once, spread over a tenth of the interval so that a hundred servers
 * are not checked in lockstep. Each server's checks run on one event loop of the caller's group
 * (spread over its loops), where all of that server's check state lives, so none of it needs a
 * lock; verdicts reach {@link Server} from there. Every buffer read is released at once: only the
 * status line matters, and the connection is closed as soon as it is known.
 *
 * <pre>{@code
 * HealthChecker checker = new HealthChecker("api", servers, spec.health(), group, NioSocketChannel.class);
 * checker.start();
 * ...
 * checker.stop();
 * }</pre>
 */
public final class HealthChecker {
  /** The {@code User-Agent} of HTTP checks, so servers can keep them out of their access logs. */
  static final String USER_AGENT = "nonstop-health";

  private static final Logger log = LoggerFactory.getLogger(HealthChecker.class);
  private static final int NEW = 0;
  private static final int STARTED = 1;
  private static final int STOPPED = 2;

  private final String upstream;
  private final GatewaySpec.Health config;
  private final long intervalNanos;
  private final List<Target> targets;
  private final AtomicInteger state = new AtomicInteger(NEW);

  /**
   * @param upstream the upstream's name, for logs
   * @param servers the servers to check
   * @param config what to check and how often; {@code http} null for a TCP check
   * @param group the event loops to run checks on, the gateway's own
   * @param channelType the socket channel class of {@code group}'s transport (NIO or epoll)
   */
  public HealthChecker(String upstream, Server[] servers, GatewaySpec.Health config, EventLoopGroup group,
      Class<? extends Channel> channelType) {
    if (config.interval().isNegative() || config.interval().isZero()) {
      throw new IllegalArgumentException("health.interval: " + config.interval() + " (expected: > 0)");
    }
    if (config.timeout().isNegative() || config.timeout().isZero()) {
      throw new IllegalArgumentException("health.timeout: " + config.timeout() + " (expected: > 0)");
    }
    if (config.rise() < 1 || config.fall() < 1) {
      throw new IllegalArgumentException("health.rise, health.fall: " + config.rise() + ", " + config.fall()
          + " (expected: >= 1)");
    }
    if (config.http() != null && !config.http().startsWith("/")) {
      throw new IllegalArgumentException("health.http: " + config.http() + " (expected: a path starting with /)");
    }
    this.upstream = upstream;
    this.config = config;
    this.intervalNanos = config.interval().toNanos();
    List<Target> t = new ArrayList<>(servers.length);
    for (Server s : servers) {
      t.add(new Target(s, group.next(), channelType));
    }
    this.targets = List.copyOf(t);
  }

  /** Starts checking; the first checks run within a tenth of the interval. */
  public void start() {
    if (!state.compareAndSet(NEW, STARTED)) {
      throw new IllegalStateException("health checker of " + upstream + " already "
          + (state.get() == STARTED ? "started" : "stopped") + " (expected: a new one)");
    }
    long spread = Math.max(1, intervalNanos / 10);
    for (Target t : targets) {
      t.schedule(ThreadLocalRandom.current().nextLong(spread));
    }
  }

  /**
   * Stops checking: cancels the timers and closes the connections of checks in flight, on their
   * event loops. Returns at once; no verdict is reported after the loops have run that task.
   */
  public void stop() {
    if (state.getAndSet(STOPPED) == STOPPED) {
      return;
    }
    for (Target t : targets) {
      try {
        t.loop.execute(t::halt);
      } catch (RejectedExecutionException e) {
        // The group is shutting down: its timers and channels go with it.
      }
    }
  }

  private boolean running() {
    return state.get() == STARTED;
  }

  /** The reason to log for a connection that could not be made. */
  static String connectFailure(Throwable cause, long timeoutMillis) {
    if (cause instanceof ConnectTimeoutException) {
      return "timeout after " + timeoutMillis + "ms";
    }
    if (cause instanceof ConnectException) {
      return "connect refused";
    }
    return "connect failed: " + cause;
  }

  /** One server's checks. Fields are touched only on {@link #loop}. */
  private final class Target {
    final Server server;
    final EventLoop loop;
    final Bootstrap bootstrap;
    final Streak streak = new Streak(config.rise(), config.fall());
    ScheduledFuture<?> next;
    Attempt current;

    Target(Server server, EventLoop loop, Class<? extends Channel> channelType) {
      this.server = server;
      this.loop = loop;
      int connectMillis = (int) Math.max(1, Math.min(Integer.MAX_VALUE, config.timeout().toMillis()));
      this.bootstrap = new Bootstrap()
          .group(loop) // the check's callbacks then run where this target's state lives
          .channel(channelType)
          .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, connectMillis)
          .option(ChannelOption.TCP_NODELAY, true)
          .remoteAddress(server.socketAddress());
    }

    void schedule(long delayNanos) {
      try {
        loop.execute(() -> {
          if (running()) {
            next = loop.schedule(this::check, delayNanos, TimeUnit.NANOSECONDS);
          }
        });
      } catch (RejectedExecutionException e) {
        // The group is shutting down: there is nothing left to check with.
      }
    }

    void check() {
      next = null;
      if (!running()) {
        return;
      }
      Attempt attempt = new Attempt(config.http(), server.address(), config.timeout().toNanos(), this::done);
      current = attempt;
      ChannelFuture f = bootstrap.clone().handler(new ChannelInitializer<>() {
        @Override
        protected void initChannel(Channel ch) {
          attempt.install(ch.pipeline());
        }
      }).connect();
      f.addListener((ChannelFuture cf) -> {
        if (!cf.isSuccess()) {
          attempt.connectFailed(cf.cause());
        }
      });
    }

    void done(boolean pass, String reason) {
      current = null;
      if (!running()) {
        return;
      }
      boolean up = server.healthy();
      if (streak.flips(pass, up)) {
        String why = pass ? config.rise() + " checks passed in a row (last: " + reason + ")"
            : config.fall() + " checks failed in a row (last: " + reason + ")";
        server.healthy(!up, why);
      } else if (!pass && log.isDebugEnabled()) {
        log.debug("upstream {}: check of {} failed: {}", upstream, server, reason);
      }
      next = loop.schedule(this::check, intervalNanos, TimeUnit.NANOSECONDS);
    }

    void halt() {
      if (next != null) {
        next.cancel(false);
        next = null;
      }
      if (current != null) {
        current.abort();
        current = null;
      }
    }
  }

  /** How a check's outcome is told. */
  @FunctionalInterface
  interface Outcome {
    void done(boolean pass, String reason);
  }

  /**
   * Counts results in a row, HAProxy's {@code rise} and {@code fall}: a result that agrees with the
   * server's state resets the opposite count, one that disagrees counts towards a flip.
   */
  static final class Streak {
    private final int rise;
    private final int fall;
    private int passes;
    private int failures;

    Streak(int rise, int fall) {
      this.rise = rise;
      this.fall = fall;
    }

    /** Records a result; true when it flips a server that is {@code up} now. */
    boolean flips(boolean pass, boolean up) {
      if (pass) {
        failures = 0;
        if (up) {
          passes = 0;
          return false;
        }
        if (++passes < rise) {
          return false;
        }
      } else {
        passes = 0;
        if (!up) {
          failures = 0;
          return false;
        }
        if (++failures < fall) {
          return false;
        }
      }
      passes = 0;
      failures = 0;
      return true;
    }
  }

  /**
   * One check: a fresh connection, an optional request, one verdict. Lives in the check channel's
   * pipeline from registration, so its timer covers the connect too.
   */
  static final class Attempt extends ChannelInboundHandlerAdapter {
    private final String path;
    private final String host;
    private final long timeoutNanos;
    private final Outcome outcome;
    private ChannelHandlerContext ctx;
    private ScheduledFuture<?> timer;
    private boolean done;

    /**
     * @param path the HTTP path to GET, or null for a TCP check
     * @param host the {@code Host} header
     */
    Attempt(String path, String host, long timeoutNanos, Outcome outcome) {
      this.path = path;
      this.host = host;
      this.timeoutNanos = timeoutNanos;
      this.outcome = outcome;
    }

    /** Adds the handlers of this check to a new channel's pipeline. */
    void install(ChannelPipeline p) {
      if (path != null) {
        p.addLast("codec", new HttpClientCodec());
      }
      p.addLast("check", this);
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
      this.ctx = ctx;
      if (!done) {
        timer = ctx.executor().schedule(
            () -> finish(false, "timeout after " + TimeUnit.NANOSECONDS.toMillis(timeoutNanos) + "ms"),
            timeoutNanos, TimeUnit.NANOSECONDS);
      }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
      if (path == null) {
        finish(true, "connected");
        return;
      }
      FullHttpRequest req = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, path, Unpooled.EMPTY_BUFFER);
      req.headers()
          .set(HttpHeaderNames.HOST, host)
          .set(HttpHeaderNames.USER_AGENT, USER_AGENT)
          .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
      ctx.writeAndFlush(req).addListener(f -> {
        if (!f.isSuccess()) {
          finish(false, "send failed: " + f.cause());
        }
      });
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      try {
        if (msg instanceof HttpObject o && o.decoderResult().isFailure()) {
          finish(false, "invalid response: " + o.decoderResult().cause().getMessage());
        } else if (msg instanceof HttpResponse r) {
          int code = r.status().code();
          finish(code >= 200 && code < 400, "status " + code);
        }
      } finally {
        // The body, if any, and anything after the verdict: read and dropped.
        ReferenceCountUtil.release(msg);
      }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      finish(false, "connection closed before the response");
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      finish(false, "I/O error: " + cause);
    }

    /** The connection could not be made; the channel is closed already. */
    void connectFailed(Throwable cause) {
      finish(false, connectFailure(cause, TimeUnit.NANOSECONDS.toMillis(timeoutNanos)));
    }

    /** Ends the check without a verdict (the checker stopped). */
    void abort() {
      done = true;
      cleanUp();
    }

    private void finish(boolean pass, String reason) {
      if (done) {
        return;
      }
      done = true;
      cleanUp();
      outcome.done(pass, reason);
    }

    private void cleanUp() {
      if (timer != null) {
        timer.cancel(false);
      }
      if (ctx != null) {
        ctx.channel().close();
      }
    }
  }
}
