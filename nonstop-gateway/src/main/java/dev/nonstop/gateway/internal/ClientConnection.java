package dev.nonstop.gateway.internal;

import dev.nonstop.gateway.GatewaySpec;
import dev.nonstop.web.http.RequestChecks;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;

/**
 * One client connection: reads request heads, checks and routes them, and runs one {@link Exchange}
 * at a time. Pipelined requests wait their turn (responses must go back in order); auto-read is
 * off, so a busy connection reads nothing more until its exchange asks for body or ends.
 *
 * <p>Timers: while waiting for a request, {@code limits.idle_timeout} closes a silent keep-alive
 * connection; once the first byte of a head arrived, the head must be complete within
 * {@code limits.header_timeout} or the client gets 408 (slowloris).
 */
final class ClientConnection extends ChannelInboundHandlerAdapter {
  private final Proxy proxy;
  private final Pools pools;
  private Channel ch;
  private Exchange current;
  /** Pipelined messages held while an exchange runs; past this, reading pauses. */
  private static final int MAX_QUEUED = 16;

  private final ArrayDeque<Object> queued = new ArrayDeque<>(2);
  /** How long an idle connection may still send one request once the gateway drains. */
  static final java.time.Duration DRAIN_IDLE_GRACE = java.time.Duration.ofSeconds(1);

  private boolean keepAlive = true;
  private boolean draining;
  private boolean closing;
  private boolean answeringHead;
  private boolean headStarted;
  private boolean gotMessage;
  private boolean inRead;
  private Channel tunnelPeer;
  private ScheduledFuture<?> timer;
  private long timerAt;
  private long deadline;
  private InetAddress peer;
  private String peerText;

  ClientConnection(Proxy proxy, Pools pools) {
    this.proxy = proxy;
    this.pools = pools;
  }

  Channel channel() {
    return ch;
  }

  Pools pools() {
    return pools;
  }

  /** Whether a response to the current request may not carry a body (it answers HEAD). */
  boolean answeringHead() {
    return answeringHead;
  }

  /** Whether we are inside a read batch of the client (a flush then waits for its end). */
  boolean inRead() {
    return inRead;
  }

  /** Whether the client is still there and we have not decided to close. */
  boolean open() {
    return ch.isActive() && !closing;
  }

  /** Whether the connection is still meant to be kept after this response (false once draining). */
  boolean keepsAlive() {
    return keepAlive;
  }

  /** Whether to keep the connection after the current response. */
  void keepAlive(boolean keep) {
    keepAlive = keepAlive && keep;
  }

  /** Called by the decoder on every read: the first byte of a head starts the header timeout. */
  void onBytes() {
    if (current == null && !headStarted && tunnelPeer == null) {
      headStarted = true;
      arm(proxy.limits().headerTimeout().toNanos());
    }
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    ch = ctx.channel();
    peer = ((InetSocketAddress) ch.remoteAddress()).getAddress();
    peerText = dev.nonstop.web.http.Trusted.text(peer);
    arm(proxy.limits().idleTimeout().toNanos());
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    gotMessage = true;
    inRead = true;
    if (tunnelPeer != null) {
      Tunnel.forward(ch, tunnelPeer, msg);
      return;
    }
    if (closing) {
      ReferenceCountUtil.release(msg);
      return;
    }
    if (current != null || !queued.isEmpty()) {
      if (msg instanceof HttpRequest || !queued.isEmpty()) {
        queued.add(msg); // a pipelined request: its turn comes when the current one is answered
      } else if (msg instanceof HttpContent c) {
        current.clientContent(c);
      } else {
        ReferenceCountUtil.release(msg);
      }
      return;
    }
    if (msg instanceof HttpRequest r) {
      head(r);
    } else {
      // Body of a request we already refused (and will close after answering).
      ReferenceCountUtil.release(msg);
    }
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    gotMessage = false;
    inRead = false;
    if (current != null) {
      current.flushBackend();
    }
    updateReading();
  }

  /**
   * Turns reading from the client on or off. Reading is on (no per-read re-arming, which costs an
   * {@code epoll_ctl} per read) unless something downstream is full: pipelined requests waiting
   * their turn, a request body the upstream connection cannot take yet (not writable, or not
   * connected and already {@link Exchange#REPLAY_LIMIT} buffered). Whatever fills up calls this
   * again when it drains: the upstream's writability, the exchange's end.
   */
  void updateReading() {
    if (tunnelPeer != null || ch == null) {
      return;
    }
    boolean on = !closing && queued.size() < MAX_QUEUED && (current == null || current.acceptsBody());
    if (ch.config().isAutoRead() != on) {
      ch.config().setAutoRead(on);
    }
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    if (!ch.isWritable()) {
      return;
    }
    if (tunnelPeer != null) {
      tunnelPeer.config().setAutoRead(true);
    } else if (current != null) {
      current.clientWritable();
    }
  }

  private void head(HttpRequest req) {
    cancelTimer();
    headStarted = false;
    // Before any answer, local ones included: a response to HEAD carries no body.
    answeringHead = req.method() == HttpMethod.HEAD;
    if (req.decoderResult().isFailure()) {
      Throwable cause = req.decoderResult().cause();
      if (cause instanceof TooLongHttpLineException) {
        reject(HttpResponseStatus.REQUEST_URI_TOO_LONG, "request line too long");
      } else if (cause instanceof TooLongHttpHeaderException || cause instanceof TooLongFrameException) {
        reject(HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, "request headers too large");
      } else {
        reject(HttpResponseStatus.BAD_REQUEST, "malformed request: " + Exchange.reason(cause));
      }
      return;
    }
    RequestChecks.Problem problem = RequestChecks.check(req);
    if (problem != null) {
      reject(problem.status(), problem.message());
      return;
    }
    Snapshot snap = proxy.snapshot();
    String uri = req.uri();
    if (uri.length() > snap.maxUriLength()) {
      reject(HttpResponseStatus.REQUEST_URI_TOO_LONG, "request target longer than " + snap.maxUriLength() + " bytes");
      return;
    }
    String path = Paths.path(uri);
    if (path == null) {
      reject(HttpResponseStatus.BAD_REQUEST, "bad request target");
      return;
    }
    HttpHeaders h = req.headers();
    boolean hasBody = HttpUtil.isTransferEncodingChunked(req) || HttpUtil.getContentLength(req, 0L) > 0;
    GatewaySpec.Route route = snap.routes().match(h, path);
    if (route == null) {
      local(HttpResponseStatus.NOT_FOUND, "no route for " + path, 0, hasBody, req);
      return;
    }
    boolean chunked = HttpUtil.isTransferEncodingChunked(req);
    boolean clientKeepAlive = HttpUtil.isKeepAlive(req);
    boolean webSocket = Headers.wantsWebSocket(h);
    Headers.stripHopByHop(h, webSocket);
    if (chunked) {
      h.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
    }
    InetAddress client = Headers.forwarded(h, peer, peerText, snap.trusted());
    long now = System.nanoTime();
    long wait = snap.limit(route, client, now);
    if (wait > 0) {
      proxy.metrics().rateLimited(snap.routeName(route));
      local(HttpResponseStatus.TOO_MANY_REQUESTS, "rate limit exceeded",
          Math.max(1, TimeUnit.NANOSECONDS.toSeconds(wait + 999_999_999L)), hasBody, req);
      return;
    }
    Cluster cluster = snap.cluster(route.upstream());
    String requestId = Headers.requestId(h);
    Headers.traceparent(h);
    Headers.via(h);
    if (!h.contains(HttpHeaderNames.HOST)) {
      h.set(HttpHeaderNames.HOST, cluster.name); // an HTTP/1.0 request; nginx sends the upstream name too
    }
    if (route.stripPrefix()) {
      req.setUri(Paths.strip(uri, route.path()));
    } else if (!uri.startsWith("/") && !"*".equals(uri)) {
      req.setUri(Paths.originForm(uri));
    }
    req.setProtocolVersion(HttpVersion.HTTP_1_1);
    keepAlive = !draining;
    current = new Exchange(this, proxy, req, answeringHead, route, snap.routeName(route), cluster, requestId, client,
        clientKeepAlive, hasBody);
    current.start();
  }

  // A refusal before routing: the framing may be broken, so the connection always closes.
  private void reject(HttpResponseStatus status, String message) {
    proxy.metrics().rejected(status.code());
    closing = true;
    ch.writeAndFlush(Errors.response(ch.alloc(), status, message, null, 0, true))
        .addListener(ChannelFutureListener.CLOSE);
  }

  // A local answer to a well-formed request (404, 429): keep-alive when no body follows it.
  private void local(HttpResponseStatus status, String message, long retryAfter, boolean hasBody, HttpRequest req) {
    proxy.metrics().rejected(status.code());
    boolean keep = !hasBody && HttpUtil.isKeepAlive(req);
    String id = Headers.requestId(req.headers());
    if (!keep) {
      closing = true;
    }
    respond(Errors.response(ch.alloc(), status, message, id, retryAfter, !keep));
    if (keep) {
      next();
    }
  }

  /** Writes a gateway-made response; closes after it unless keep-alive was agreed. */
  void respond(FullHttpResponse r) {
    boolean close = !keepAlive || closing;
    if (close) {
      closing = true;
      r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
      ch.writeAndFlush(r).addListener(ChannelFutureListener.CLOSE);
    } else {
      ch.writeAndFlush(r);
    }
  }

  /**
   * The exchange is over and its response written (or being flushed).
   *
   * @param requestComplete whether the whole request body was read; if not, what follows on the
   *     connection is the rest of a body, so the connection must close
   */
  void exchangeDone(Exchange ex, boolean requestComplete) {
    if (current != ex) {
      return;
    }
    current = null;
    answeringHead = false;
    if (!keepAlive || !requestComplete || closing) {
      closing = true;
      Tunnel.closeOnFlush(ch);
      releaseQueued();
      return;
    }
    next();
  }

  // Serves the next pipelined request, or waits for one.
  private void next() {
    Object msg;
    while (current == null && !closing && (msg = queued.poll()) != null) {
      if (msg instanceof HttpRequest r) {
        head(r);
      } else {
        ReferenceCountUtil.release(msg);
      }
    }
    if (current != null) {
      // Hand the body parts that arrived with the pipelined head to its exchange.
      while (!queued.isEmpty() && !(queued.peek() instanceof HttpRequest)) {
        current.clientContent((HttpContent) queued.poll());
      }
      return;
    }
    if (!closing && ch.isActive()) {
      arm(proxy.limits().idleTimeout().toNanos());
      updateReading();
    }
  }

  /**
   * The gateway is stopping: every response from now on says {@code Connection: close} and closes
   * the connection after it. An idle connection gets {@link #DRAIN_IDLE_GRACE} to send one more
   * request first: a busy client may have sent it already (it is in flight to us), and closing under
   * it would make the client see a reset instead of an answer. Silent ones close at the grace's end.
   */
  void drain() {
    draining = true;
    keepAlive = false;
    if (current == null && tunnelPeer == null && !headStarted && queued.isEmpty()) {
      arm(DRAIN_IDLE_GRACE.toNanos());
    }
  }

  /** The response was cut short: the client must see the connection close. */
  void abort() {
    closing = true;
    current = null;
    releaseQueued();
    ch.close();
  }

  /**
   * Switches to a raw tunnel with {@code backend} after writing the upstream's 101: the HTTP codecs
   * leave both pipelines and bytes flow as they are.
   */
  void tunnel(HttpResponse switching, Channel backend) {
    current = null;
    tunnelPeer = backend;
    cancelTimer();
    backend.pipeline().get(BackendHandler.class).peer = ch;
    ch.write(switching);
    // The write above went through the encoder already (writes run synchronously on this loop).
    ch.pipeline().remove(HttpResponseEncoder.class);
    ch.flush();
    // Removing the decoder hands any bytes it still holds to channelRead, now in tunnel mode.
    ch.pipeline().remove(HttpRequestDecoder.class);
    backend.closeFuture().addListener(f -> Tunnel.closeOnFlush(ch));
    backend.config().setAutoRead(true);
    ch.config().setAutoRead(true);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    cancelTimer();
    if (timer != null) {
      timer.cancel(false);
      timer = null;
    }
    if (tunnelPeer != null) {
      Tunnel.closeOnFlush(tunnelPeer);
    }
    Exchange ex = current;
    current = null;
    if (ex != null) {
      ex.clientClosed();
    }
    releaseQueued();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    // Resets by clients are routine; anything else is worth a line.
    proxy.log().debug("client connection {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
    ctx.close();
  }

  private void releaseQueued() {
    Object msg;
    while ((msg = queued.poll()) != null) {
      ReferenceCountUtil.release(msg);
    }
  }

  // One timer per connection, moved lazily: arming between requests only writes a deadline, and
  // the scheduled task re-schedules itself when it finds the deadline later than its own time. A
  // schedule and a cancel per request would cost a priority-queue insert and removal each.
  private void arm(long nanos) {
    long now = System.nanoTime();
    deadline = now + nanos;
    if (timer == null || timerAt - deadline > 0) {
      if (timer != null) {
        timer.cancel(false);
      }
      schedule(now, deadline);
    }
  }

  /** Sets the current exchange's deadline ({@code timeout}) on this connection's timer. */
  void armExchange(long nanos) {
    arm(nanos);
  }

  private void schedule(long now, long at) {
    timerAt = at;
    timer = ch.eventLoop().schedule(this::timeout, at - now, TimeUnit.NANOSECONDS);
  }

  private void cancelTimer() {
    deadline = 0;
  }

  private void timeout() {
    timer = null;
    if (deadline == 0 || !ch.isActive()) {
      return;
    }
    long now = System.nanoTime();
    if (deadline - now > 0) {
      schedule(now, deadline);
      return;
    }
    deadline = 0;
    if (current != null) {
      current.overallTimeout();
      return;
    }
    if (tunnelPeer != null || closing) {
      return;
    }
    if (headStarted) {
      reject(HttpResponseStatus.REQUEST_TIMEOUT, "request head not received in time");
    } else {
      closing = true;
      ch.close();
    }
  }
}
