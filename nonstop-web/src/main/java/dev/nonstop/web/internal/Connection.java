package dev.nonstop.web.internal;

import dev.nonstop.web.http.JsonText;
import dev.nonstop.web.http.RequestChecks;
import dev.nonstop.web.Execution;
import dev.nonstop.web.internal.router.PathParams;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.socket.DuplexChannel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.handler.codec.http.multipart.HttpPostRequestDecoder;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * One HTTP/1.1 connection: reads a request (head, then body up to the route's limit), runs it,
 * writes its response, and only then looks at the next one, so pipelined requests are answered in
 * order. All state here is touched on the channel's event loop only; the handler chain runs on a
 * virtual thread and comes back through {@link #responseDone}.
 *
 * <p>Timers: from accept (and from the first byte after an idle period) the request head must arrive
 * within headerReadTimeout, else 408 and close (slowloris); between body chunks the same limit
 * applies; an idle keep-alive connection is closed after idleTimeout.
 */
final class Connection extends ChannelInboundHandlerAdapter {
  private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(Connection.class);
  private enum State { IDLE, HEAD, BODY, RUNNING, CLOSING }

  private static final long LINGER_MILLIS = 2000;

  private final HttpServer server;
  private final Settings settings;
  private final Dispatcher dispatcher;
  private Channel channel;
  private State state = State.IDLE;
  private final ArrayDeque<Object> backlog = new ArrayDeque<>(2);
  private ScheduledFuture<?> timer;
  private long deadline; // 0 = no timeout armed
  private volatile boolean draining;
  private boolean partial; // bytes of a request head have arrived
  private boolean answeringHead; // the response being written answers a HEAD request

  private HttpRequest request;
  private RequestTarget target;
  private Route route;
  private PathParams params;
  private long limit;
  private long received;
  private CompositeByteBuf body;
  private HttpPostRequestDecoder multipart;

  Connection(HttpServer server, Settings settings, Dispatcher dispatcher) {
    this.server = server;
    this.settings = settings;
    this.dispatcher = dispatcher;
  }

  /**
   * Called by the decoder with raw bytes, before decoding: the first byte of a request after an idle
   * period starts the head timeout. (A call from the decoder rather than a handler of its own in
   * front of it: one pipeline hop less on every read.)
   */
  void onBytes() {
    if (state == State.IDLE) {
      state = State.HEAD;
      arm(settings.headerReadTimeout().toNanos());
    }
    if (state == State.HEAD) {
      partial = true;
    }
  }

  /**
   * Whether the response being written answers HEAD. For the response encoder: such a response has
   * GET's headers but no body, not even the last chunk of a streamed one.
   */
  boolean answeringHead() {
    return answeringHead;
  }

  boolean isDraining() {
    return draining;
  }

  Channel channel() {
    return channel;
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    channel = ctx.channel();
    // A fresh connection gets the head timeout at once: opening and sending nothing is slowloris too.
    state = State.HEAD;
    arm(settings.headerReadTimeout().toNanos());
    ctx.fireChannelActive();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    cancelTimer();
    if (timer != null) {
      timer.cancel(false);
      timer = null;
    }
    state = State.CLOSING;
    releaseRequest();
    for (Object o : backlog) {
      ReferenceCountUtil.release(o);
    }
    backlog.clear();
    ctx.fireChannelInactive();
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (state == State.RUNNING || state == State.CLOSING || !backlog.isEmpty()) {
      if (state == State.CLOSING) {
        ReferenceCountUtil.release(msg);
      } else {
        backlog.add(msg); // pipelined: answered after the current response, in order
        // Stop reading until the backlog is worked off. Only pipelining clients get here, so the
        // common request/response client never pays for the epoll_ctl calls this costs.
        channel.config().setAutoRead(false);
      }
      return;
    }
    process(msg);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    // Resets and broken pipes are the peer going away: nothing to answer, nothing to report.
    // Anything else is a bug in a handler of ours and deserves a line before the close.
    if (!(cause instanceof java.io.IOException)) {
      log.atWarn().setCause(cause).log("closing a connection after an unexpected error");
    }
    ctx.close();
  }

  private void process(Object msg) {
    try {
      if (msg instanceof HttpRequest r) {
        onHead(r);
      }
      if (msg instanceof HttpContent c && state == State.BODY) {
        onContent(c);
      }
    } finally {
      ReferenceCountUtil.release(msg);
    }
  }

  private void onHead(HttpRequest r) {
    cancelTimer();
    DecoderResult result = r.decoderResult();
    if (result.isFailure()) {
      Throwable cause = result.cause();
      if (cause instanceof TooLongHttpLineException) {
        reject(HttpResponseStatus.REQUEST_URI_TOO_LONG, "request line too long");
      } else if (cause instanceof TooLongHttpHeaderException || cause instanceof TooLongFrameException) {
        reject(HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, "request headers too large");
      } else {
        reject(HttpResponseStatus.BAD_REQUEST, "malformed request: " + cause.getMessage());
      }
      return;
    }
    RequestChecks.Problem problem = RequestChecks.check(r);
    if (problem != null) {
      reject(problem.status(), problem.message());
      return;
    }
    target = RequestTarget.parse(r.uri());
    // The asterisk form names the server as a whole and exists for OPTIONS only (RFC 9112 3.2.4).
    if (target == null || ("*".equals(target.path()) && !HttpMethod.OPTIONS.equals(r.method()))) {
      reject(HttpResponseStatus.BAD_REQUEST, "malformed request target");
      return;
    }
    request = r;
    params = new PathParams();
    route = dispatcher.lookup(r.method().name(), target.path(), params);
    boolean multipartBody = isMultipart(r);
    // A route's own bodyLimit wins; otherwise multipart uploads (streamed to disk) get their own,
    // usually larger, limit and everything else the in-memory body limit.
    long routeLimit = route != null ? route.bodyLimit() : Route.NO_LIMIT;
    limit = routeLimit != Route.NO_LIMIT ? routeLimit
        : multipartBody ? settings.maxMultipartSize() : settings.maxBodySize();

    long length;
    try {
      length = HttpUtil.getContentLength(r, -1L);
    } catch (NumberFormatException e) {
      reject(HttpResponseStatus.BAD_REQUEST, "malformed Content-Length");
      return;
    }
    boolean chunked = HttpUtil.isTransferEncodingChunked(r);
    if (length > limit) {
      reject(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, "request body larger than " + limit + " bytes");
      return;
    }
    String expect = r.headers().get(HttpHeaderNames.EXPECT);
    if (expect != null) {
      if (!HttpHeaderValues.CONTINUE.contentEqualsIgnoreCase(expect)) {
        reject(HttpResponseStatus.EXPECTATION_FAILED, "unsupported Expect: " + expect);
        return;
      }
      if (r.protocolVersion().equals(HttpVersion.HTTP_1_1) && (length > 0 || chunked)) {
        channel.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE));
      }
    }
    received = 0;
    if (multipartBody) {
      try {
        multipart = Forms.newMultipartDecoder(r);
      } catch (RuntimeException e) {
        reject(HttpResponseStatus.BAD_REQUEST, "malformed multipart request: " + e.getMessage());
        return;
      }
    }
    state = State.BODY;
    arm(settings.headerReadTimeout().toNanos());
  }

  private void onContent(HttpContent c) {
    if (c.decoderResult().isFailure()) {
      reject(HttpResponseStatus.BAD_REQUEST, "malformed body: " + c.decoderResult().cause().getMessage());
      return;
    }
    ByteBuf data = c.content();
    received += data.readableBytes();
    if (received > limit) {
      reject(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, "request body larger than " + limit + " bytes");
      return;
    }
    if (multipart != null) {
      try {
        multipart.offer(c);
      } catch (RuntimeException e) {
        reject(HttpResponseStatus.BAD_REQUEST, "malformed multipart body: " + e.getMessage());
        return;
      }
    } else if (data.isReadable()) {
      if (body == null) {
        body = channel.alloc().compositeBuffer(64);
      }
      body.addComponent(true, data.retain());
    }
    if (c instanceof LastHttpContent) {
      cancelTimer();
      run();
    } else {
      arm(settings.headerReadTimeout().toNanos());
    }
  }

  private void run() {
    state = State.RUNNING;
    answeringHead = HttpMethod.HEAD.equals(request.method());
    ByteBuf content = body != null ? body : Unpooled.EMPTY_BUFFER;
    body = null;
    HttpContext ctx = new HttpContext(this, dispatcher, request, target, route, params, content, multipart);
    multipart = null;
    request = null;
    if (route != null && route.execution() == Execution.EVENT_LOOP) {
      dispatcher.run(ctx);
    } else {
      dispatcher.execute(ctx);
    }
  }

  /** Called on the event loop once the last byte of a response was written. */
  void responseDone(boolean close) {
    if (!channel.isActive()) {
      return; // closed meanwhile (perhaps cut by the drain deadline): nothing left to schedule
    }
    if (!channel.eventLoop().inEventLoop()) {
      channel.eventLoop().execute(() -> responseDone(close));
      return;
    }
    if (state == State.CLOSING) {
      return;
    }
    if (close || draining) {
      state = State.CLOSING;
      channel.close();
      return;
    }
    state = State.IDLE;
    partial = false;
    arm(settings.idleTimeout().toNanos());
    while (!backlog.isEmpty() && state != State.RUNNING && state != State.CLOSING) {
      process(backlog.poll());
    }
    if (backlog.isEmpty() && state != State.CLOSING && !channel.config().isAutoRead()) {
      channel.config().setAutoRead(true);
    }
  }

  /**
   * Starts draining: a busy connection closes after its current response (which says Connection:
   * close); an idle one closes now, or, given a grace, once it has stayed idle that long, so that a
   * request already on its way is answered rather than cut off.
   */
  void drain(long idleGraceNanos) {
    // HttpServer calls this on the channel's event loop, after channelActive.
    draining = true;
    if (state == State.IDLE || (state == State.HEAD && !partial)) {
      if (idleGraceNanos <= 0) {
        state = State.CLOSING;
        channel.close();
        return;
      }
      state = State.IDLE; // no byte yet: the close below is silent, not a 408
      deadline = System.nanoTime() + idleGraceNanos;
      // Rescheduled, not just a moved deadline: the grace may be shorter than the pending tick.
      if (timer != null) {
        timer.cancel(false);
      }
      timer = channel.eventLoop().schedule(this::onTimer, idleGraceNanos, TimeUnit.NANOSECONDS);
    }
  }

  /** Answers a request that cannot be served and closes: the rest of the stream cannot be trusted. */
  private void reject(HttpResponseStatus status, String message) {
    cancelTimer();
    state = State.CLOSING;
    answeringHead = false;
    releaseRequest();
    server.countRejected(status.code());
    byte[] json = ("{\"error\":" + JsonText.quote(message) + "}").getBytes(StandardCharsets.UTF_8);
    FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.wrappedBuffer(json));
    HttpHeaders h = res.headers();
    h.set(HttpHeaderNames.CONTENT_TYPE, "application/json; charset=utf-8"); // as every other JSON answer
    h.setInt(HttpHeaderNames.CONTENT_LENGTH, json.length);
    h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    channel.writeAndFlush(res).addListener(f -> lingeringClose());
  }

  /**
   * Closes after an error answer without losing it: closing at once while the client is still
   * sending (a 413 body, a slow request) makes the kernel send a reset, which can destroy the
   * response in flight. So, as nginx's lingering_close and Go's closeWriteAndWait do: send FIN,
   * discard whatever still arrives (state CLOSING drops it), and close when the client does or
   * after a short grace period.
   */
  private void lingeringClose() {
    if (!channel.isActive()) {
      return;
    }
    if (channel instanceof DuplexChannel d && !d.isOutputShutdown()) {
      d.shutdownOutput().addListener(f -> {
        if (!f.isSuccess()) {
          channel.close();
        }
      });
      channel.config().setAutoRead(true);
      channel.eventLoop().schedule(() -> channel.close(), LINGER_MILLIS, TimeUnit.MILLISECONDS);
    } else {
      channel.close();
    }
  }

  private void releaseRequest() {
    request = null;
    if (body != null) {
      body.release();
      body = null;
    }
    if (multipart != null) {
      multipart.destroy();
      multipart = null;
    }
  }

  // One lazily rescheduled timer per connection, as Netty's IdleStateHandler does: arming and
  // disarming only move a deadline, so the per-request cost is a field write, not a schedule and a
  // cancel on the event loop's timer queue. The timer never sleeps longer than the shortest timeout,
  // so a deadline set while it is pending (always at least that far ahead) is never overshot.
  private void arm(long nanos) {
    deadline = System.nanoTime() + nanos;
    if (timer == null) {
      timer = channel.eventLoop().schedule(this::onTimer, Math.min(nanos, tick()), TimeUnit.NANOSECONDS);
    }
  }

  private long tick() {
    return Math.min(settings.headerReadTimeout().toNanos(), settings.idleTimeout().toNanos());
  }

  private void cancelTimer() {
    deadline = 0;
  }

  private void onTimer() {
    timer = null;
    if (deadline == 0 || !channel.isActive()) {
      return;
    }
    long left = deadline - System.nanoTime();
    if (left > 0) {
      timer = channel.eventLoop().schedule(this::onTimer, Math.min(left, tick()), TimeUnit.NANOSECONDS);
      return;
    }
    deadline = 0;
    onTimeout();
  }

  private void onTimeout() {
    switch (state) {
      case HEAD, BODY -> reject(HttpResponseStatus.REQUEST_TIMEOUT, "request not received in time");
      case IDLE -> {
        state = State.CLOSING;
        channel.close();
      }
      default -> { }
    }
  }

  private static boolean isMultipart(HttpRequest r) {
    String ct = r.headers().get(HttpHeaderNames.CONTENT_TYPE);
    return ct != null && ct.regionMatches(true, 0, "multipart/form-data", 0, 19);
  }
}
