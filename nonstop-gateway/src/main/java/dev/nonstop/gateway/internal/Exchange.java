package dev.nonstop.gateway.internal;

import dev.nonstop.gateway.GatewaySpec;
import dev.nonstop.gateway.internal.balance.RequestKey;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetAddress;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One request's way through the gateway: pick a server, borrow or open a connection on the client's
 * own event loop, stream the request, stream the response back, and on failure decide whether
 * another try is safe. Everything here runs on that one event loop, so there are no locks; every
 * method is entered from a Netty callback on it.
 *
 * <p>Retry rules (the promise that makes a crashed upstream invisible without ever running a POST
 * twice): a try that failed before a byte of the request was written (connect refused, timed out,
 * a pooled connection found dead) may be repeated for every method; after that, only idempotent
 * methods (or a route that opts in) are retried, on 502/503/504, a reset or a per-try timeout, and
 * only while the body so far fits the replay buffer. Never on the same server while another is
 * usable, never once the response has started, and after a 5xx or a timeout (the signs of an
 * overloaded upstream) only within the retry budget; a timeout of the one server that is failing
 * while the others answer is a stall of that server and is not charged.
 *
 * <p>Backpressure: both channels have auto-read off; the next chunk is read from one side only
 * after the previous one was written to the other.
 */
final class Exchange implements RequestKey {
  /** Bodies up to this size are kept for a replay on another server; larger ones are not retried once sent. */
  static final int REPLAY_LIMIT = 64 * 1024;

  private final ClientConnection client;
  private final Channel clientCh;
  private final Proxy proxy;
  private final Pools pools;
  private final HttpRequest head;
  private final boolean headRequest;
  private final GatewaySpec.Route route;
  private final String routeName;
  private final Cluster cluster;
  private final String requestId;
  private final InetAddress clientAddress;
  private final boolean retryAfterSend;
  private final boolean webSocket;
  private final boolean clientKeepAlive;
  private final long startNanos;

  private final ArrayDeque<HttpContent> unsent = new ArrayDeque<>(2);
  private List<HttpContent> replay;
  private int replayBytes;
  private boolean replayable = true;
  private boolean clientDone;

  private final Server[] tried;
  private int triedCount;
  private int tries;
  private boolean retryHeld;
  private boolean permitHeld;

  private Server server;
  private Channel backend;
  private boolean connecting;
  private boolean begun;
  private ChannelFuture headWrite;
  private ChannelFuture lastWrite;
  private int unsentBytes;
  private boolean wroteBody;
  private long tryStart;
  private boolean informational;
  private boolean responseStarted;
  private boolean responseKeepAlive;
  private int status;
  private boolean finished;
  private ScheduledFuture<?> perTryTimer;

  Exchange(ClientConnection client, Proxy proxy, HttpRequest head, boolean headRequest, GatewaySpec.Route route,
      String routeName, Cluster cluster, String requestId, InetAddress clientAddress, boolean clientKeepAlive,
      boolean hasBody) {
    this.client = client;
    this.clientCh = client.channel();
    this.proxy = proxy;
    this.pools = client.pools();
    this.head = head;
    this.headRequest = headRequest;
    this.route = route;
    this.routeName = routeName;
    this.cluster = cluster;
    this.requestId = requestId;
    this.clientAddress = clientAddress;
    this.clientKeepAlive = clientKeepAlive;
    // A request without a body is complete with its head, though the decoder's empty last part
    // arrives a moment later: an answer made before that (a 503) may keep the connection.
    this.clientDone = !hasBody;
    HttpMethod m = head.method();
    boolean idempotent = m == HttpMethod.GET || m == HttpMethod.HEAD || m == HttpMethod.OPTIONS
        || m == HttpMethod.PUT || m == HttpMethod.DELETE || m == HttpMethod.TRACE;
    this.retryAfterSend = idempotent || route.retryNonIdempotent();
    this.webSocket = Headers.wantsWebSocket(head.headers());
    this.tried = new Server[Math.max(1, cluster.spec.retries().attempts() + 1)];
    this.startNanos = System.nanoTime();
  }

  // RequestKey: what hashing balancers key on.
  @Override
  public InetAddress client() {
    return clientAddress;
  }

  @Override
  public String header(String name) {
    return head.headers().get(name);
  }

  @Override
  public String cookie(String name) {
    return Cookies.value(head.headers(), name);
  }

  /** Starts the first try. */
  void start() {
    cluster.budget.requestStarted();
    if (!cluster.breaker.tryAcquire()) {
      proxy.metrics().circuitRejected(cluster.name);
      fail(HttpResponseStatus.SERVICE_UNAVAILABLE, "upstream " + cluster.name + " is failing (circuit open)",
          Breaker.OPEN_WAIT.toSeconds(), false);
      return;
    }
    permitHeld = true;
    // The connection's one timer carries this deadline: no schedule and cancel per request.
    client.armExchange(cluster.timeoutNanos);
    attempt();
  }

  private void attempt() {
    long now = System.nanoTime();
    Server s = cluster.pick(this, tried, triedCount, now);
    if (s == null) {
      if (tries == 0) {
        fail(HttpResponseStatus.SERVICE_UNAVAILABLE, "no healthy server in upstream " + cluster.name, 1, false);
      } else {
        fail(HttpResponseStatus.BAD_GATEWAY, "upstream " + cluster.name + " failed and no other server is up", 1,
            true);
      }
      return;
    }
    if (!s.begin()) {
      // A membership change or reload retired it between the pick and now (picks skip retired
      // servers, so this ends): the try goes elsewhere, and the server's drain can complete.
      attempt();
      return;
    }
    begun = true;
    if (triedCount < tried.length) {
      tried[triedCount++] = s;
    }
    tries++;
    server = s;
    headWrite = null;
    lastWrite = null;
    Channel ch = pools.poll(s);
    if (ch != null) {
      bind(ch);
      send();
      return;
    }
    if (!cluster.breaker.tryAcquirePending()) {
      cancelTry();
      fail(HttpResponseStatus.SERVICE_UNAVAILABLE, "upstream " + cluster.name + " has too many pending requests", 1,
          false);
      return;
    }
    if (!cluster.breaker.tryAcquireConnection()) {
      cluster.breaker.releasePending();
      cancelTry();
      fail(HttpResponseStatus.SERVICE_UNAVAILABLE, "upstream " + cluster.name + " is at its connection limit", 1,
          false);
      return;
    }
    connecting = true;
    tryStart = now;
    armPerTry();
    ChannelFuture f = connect(s);
    f.channel().closeFuture().addListener(c -> cluster.breaker.releaseConnection());
    int attemptNo = tries;
    f.addListener((ChannelFutureListener) cf -> connected(cf, s, attemptNo));
  }

  private ChannelFuture connect(Server s) {
    Bootstrap b = new Bootstrap()
        .group(pools.loop())
        .channel(proxy.channelType())
        .option(ChannelOption.TCP_NODELAY, true)
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, cluster.connectTimeoutMillis)
        .handler(new ChannelInitializer<Channel>() {
          @Override
          protected void initChannel(Channel ch) {
            long idle = cluster.spec.keepalive().idleTimeout().toMillis();
            ch.pipeline().addLast("codec", new HttpClientCodec(4096, proxy.maxResponseHeaderSize(), 64 * 1024));
            ch.pipeline().addLast("idle", new IdleStateHandler(0, 0, idle, TimeUnit.MILLISECONDS));
            ch.pipeline().addLast("backend", new BackendHandler(s, pools));
          }
        });
    return b.connect(s.socketAddress());
  }

  private void connected(ChannelFuture f, Server target, int attemptNo) {
    cluster.breaker.releasePending();
    Channel ch = f.channel();
    if (finished || attemptNo != tries || !connecting) {
      // This try is over (the client left, a timeout moved the request on to another server): the
      // connection, if made, is a good idle one of the server it was made to.
      if (f.isSuccess()) {
        pools.offer(target, ch, cluster.maxIdle);
      }
      return;
    }
    if (!f.isSuccess()) {
      failTry(Failure.CONNECT, HttpResponseStatus.BAD_GATEWAY,
          "cannot connect to " + server.address() + ": " + reason(f.cause()));
      return;
    }
    connecting = false;
    BackendHandler h = ch.pipeline().get(BackendHandler.class);
    h.exchange = this;
    backend = ch;
    send();
  }

  private void bind(Channel ch) {
    backend = ch;
    ch.pipeline().get(BackendHandler.class).exchange = this;
    tryStart = System.nanoTime();
    armPerTry();
  }

  private void armPerTry() {
    if (cluster.perTryNanos > 0) {
      perTryTimer = clientCh.eventLoop().schedule(this::perTryTimeout, cluster.perTryNanos, TimeUnit.NANOSECONDS);
    }
  }

  // Writes the head, whatever body was kept for replay, and whatever arrived while connecting.
  private void send() {
    Channel ch = backend;
    headWrite = ch.write(head);
    if (replay != null) {
      for (HttpContent c : replay) {
        ChannelFuture w = ch.write(c.retainedDuplicate());
        if (c instanceof LastHttpContent) {
          lastWrite = w;
        }
      }
    }
    HttpContent c;
    while ((c = unsent.poll()) != null) {
      writeBody(ch, c);
    }
    unsentBytes = 0;
    // Inside the client's read batch the flush waits for its end (ClientConnection flushes then),
    // so a head and the body parts that came with it leave in one write.
    if (!client.inRead()) {
      ch.flush();
      client.updateReading();
    }
  }

  private ChannelFuture writeBody(Channel ch, HttpContent c) {
    boolean last = c instanceof LastHttpContent;
    if (c.content().isReadable()) {
      wroteBody = true;
    }
    keep(c);
    ChannelFuture f = ch.write(c);
    if (last) {
      lastWrite = f;
    }
    return f;
  }

  // Keeps a duplicate of the body for a replay while it fits; past the limit, the request can only
  // be retried while nothing of it has been sent.
  private void keep(HttpContent c) {
    if (!replayable) {
      return;
    }
    int n = c.content().readableBytes();
    if (replayBytes + n > REPLAY_LIMIT) {
      replayable = false;
      releaseReplay();
      return;
    }
    if (n == 0 && !(c instanceof LastHttpContent)) {
      return;
    }
    if (replay == null) {
      replay = new ArrayList<>(2);
    }
    replay.add(c.retainedDuplicate());
    replayBytes += n;
  }

  /** A piece of the request body from the client. */
  void clientContent(HttpContent c) {
    if (c instanceof LastHttpContent) {
      clientDone = true;
    }
    if (finished) {
      c.release();
      return;
    }
    if (c.decoderResult().isFailure()) {
      // The client broke the body's framing. Not the upstream's failure: counted against it, a client
      // could open the circuit for everyone. And nothing after it on the connection can be parsed.
      String why = "malformed request body: " + reason(c.decoderResult().cause());
      c.release();
      abandon();
      if (responseStarted) {
        // Too late for a 400: end the response by closing, as for any broken stream.
        finishBookkeeping(true);
        client.abort();
        return;
      }
      client.keepAlive(false);
      fail(HttpResponseStatus.BAD_REQUEST, why, 0, false);
      return;
    }
    Channel ch = backend;
    if (ch == null || connecting) {
      unsent.add(c);
      unsentBytes += c.content().readableBytes();
      return;
    }
    writeBody(ch, c);
    if (!client.inRead()) {
      ch.flush();
    }
  }

  /** Something the upstream sent: a response head, a piece of body, or tunnel bytes. */
  void backendRead(Object msg) {
    if (finished) {
      ReferenceCountUtil.release(msg);
      return;
    }
    if (msg instanceof HttpResponse r) {
      responseHead(r);
      // A FullHttpResponse is also content; Netty's client codec sends them apart, but be safe.
      if (!(msg instanceof HttpContent)) {
        return;
      }
    }
    if (msg instanceof HttpContent c) {
      if (informational) {
        // The empty last part Netty adds after a 1xx head; the real response follows.
        informational = !(c instanceof LastHttpContent);
        c.release();
        return;
      }
      if (!responseStarted) {
        c.release();
        return;
      }
      if (c.decoderResult().isFailure()) {
        c.release();
        truncate("malformed response body from " + server.address());
        return;
      }
      // Parts are flushed at the end of the upstream's read batch (flushClient), the last one at once.
      if (c instanceof LastHttpContent) {
        clientCh.writeAndFlush(c);
        complete();
      } else {
        clientCh.write(c);
        if (!clientCh.isWritable()) {
          // The client reads slower than the upstream sends: stop reading the upstream until the
          // client's outbound buffer drains below its low watermark (clientWritable).
          backend.config().setAutoRead(false);
        }
      }
      return;
    }
    if (msg instanceof ByteBuf b) {
      // Upgraded (WebSocket) bytes are handled by the tunnel, never here.
      b.release();
    }
  }

  private void responseHead(HttpResponse r) {
    if (r.decoderResult().isFailure()) {
      backendFailed(Failure.RESET, "malformed response from " + server.address() + ": "
          + reason(r.decoderResult().cause()));
      return;
    }
    int code = r.status().code();
    if (code == 101 && webSocket) {
      cancelPerTry();
      upgrade(r);
      return;
    }
    if (code >= 100 && code < 200) {
      informational = true;
      if (code == 100 && HttpUtil.is100ContinueExpected(head)) {
        // A full message: a bare head would leave the encoder waiting for its (swallowed) last part.
        clientCh.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE,
            Unpooled.EMPTY_BUFFER));
      }
      return;
    }
    cancelPerTry();
    if ((code == 502 || code == 503 || code == 504) && mayRetry(true, true)) {
      Failure kind = Failure.STATUS_5XX;
      cluster.outlier.failure(server, kind);
      proxy.metrics().retried(cluster.name, "status_" + code);
      dropBackend();
      attempt();
      return;
    }
    status = code;
    responseStarted = true;
    HttpHeaders h = r.headers();
    boolean chunked = HttpUtil.isTransferEncodingChunked(r);
    boolean framed = chunked || h.contains(HttpHeaderNames.CONTENT_LENGTH) || headRequest
        || code == 204 || code == 304;
    responseKeepAlive = HttpUtil.isKeepAlive(r) && framed;
    Headers.stripHopByHop(h, false);
    Headers.via(h);
    if (!h.contains(Headers.X_REQUEST_ID)) {
      h.set(Headers.X_REQUEST_ID, requestId);
    }
    boolean http10 = head.protocolVersion() == HttpVersion.HTTP_1_0;
    if (chunked && !http10) {
      h.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
    }
    r.setProtocolVersion(HttpVersion.HTTP_1_1);
    boolean keepClient = clientKeepAlive && client.open() && client.keepsAlive() && framed && !(chunked && http10);
    client.keepAlive(keepClient);
    if (!keepClient) {
      h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    } else if (http10) {
      h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
    }
    clientCh.write(r);
  }

  // WebSocket: the upstream agreed to switch protocols; from here both sides are raw byte pipes.
  private void upgrade(HttpResponse r) {
    status = 101;
    responseStarted = true;
    Headers.stripHopByHop(r.headers(), true);
    Headers.via(r.headers());
    Channel ch = backend;
    backend = null;
    endTry();
    cluster.outlier.success(server);
    finishBookkeeping(true);
    proxy.metrics().request(routeName, cluster.name, 101, System.nanoTime() - startNanos);
    ch.pipeline().get(HttpClientCodec.class).prepareUpgradeFrom(ch.pipeline().context(HttpClientCodec.class));
    client.tunnel(r, ch);
  }

  /** The upstream connection closed or failed while this exchange had it. */
  void backendClosed(Throwable cause) {
    if (finished) {
      return;
    }
    if (responseStarted) {
      truncate("upstream " + server.address() + " closed mid-response"
          + (cause == null ? "" : ": " + reason(cause)));
      return;
    }
    backendFailed(Failure.RESET, "upstream " + server.address()
        + (cause == null ? " closed the connection" : " failed: " + reason(cause)));
  }

  private void backendFailed(Failure kind, String why) {
    failTry(kind, HttpResponseStatus.BAD_GATEWAY, why);
  }

  private void failTry(Failure kind, HttpResponseStatus statusIfFinal, String why) {
    cancelPerTry();
    if (kind == Failure.TIMEOUT) {
      // A stalled server's latency is its timeouts: without them its p99 would look healthy.
      GatewayMetrics.tried(server, System.nanoTime() - tryStart);
    }
    cluster.outlier.failure(server, kind);
    dropBackend();
    // A lost connection is not an overload signal (a server that died, a stale pooled connection);
    // a timeout is, so it is charged to the budget like a 5xx, unless this server is the only one
    // failing: then it is that server stalling (a GC pause, a hang), and all of its requests in
    // flight may go elsewhere at once, which a budget sized for overload would refuse (see
    // OutlierDetector.failingAlone: the only server to time out in the last 10 s).
    if (mayRetry(sent(), kind == Failure.TIMEOUT && !cluster.outlier.failingAlone(server))) {
      proxy.metrics().retried(cluster.name, kind.name().toLowerCase(java.util.Locale.ROOT));
      attempt();
      return;
    }
    fail(statusIfFinal, why, 0, true);
  }

  /**
   * Whether another try is allowed.
   *
   * @param sent whether this try's request may have reached the upstream
   * @param overload whether the failure says the upstream is overloaded (a 502/503/504 or a
   *     timeout): only those retries are charged to the retry budget, which exists so that retries
   *     do not multiply the load of a struggling upstream. Retries after a lost connection (refused,
   *     reset, closed before the response) go to another server and cost the failed one nothing; a
   *     budget on them would turn the crash of one server into failed requests.
   */
  private boolean mayRetry(boolean sent, boolean overload) {
    if (tries > cluster.spec.retries().attempts() || !client.open()) {
      return false;
    }
    if (sent && (!retryAfterSend || webSocket)) {
      return false;
    }
    if (wroteBody && !replayable) {
      return false; // part of the body is gone and cannot be sent again
    }
    if (System.nanoTime() - startNanos >= cluster.timeoutNanos) {
      return false;
    }
    if (overload && !retryHeld) {
      if (!cluster.budget.tryAcquireRetry()) {
        proxy.metrics().budgetExhausted(cluster.name);
        return false;
      }
      retryHeld = true;
    }
    return true;
  }

  // Ends the current try's hold on its server and connection; the connection is closed, since its
  // state (a half-sent request, an unread response) is unknown.
  private void dropBackend() {
    Channel ch = backend;
    backend = null;
    if (ch != null) {
      BackendHandler h = ch.pipeline().get(BackendHandler.class);
      if (h != null) {
        h.exchange = null;
      }
      ch.close();
    }
    endTry();
    connecting = false;
  }

  private void endTry() {
    if (begun) {
      begun = false;
      long now = System.nanoTime();
      server.end(now - tryStart, now);
    }
  }

  // The try was counted on its server but never sent.
  private void cancelTry() {
    begun = false;
    server.cancel();
  }

  private void perTryTimeout() {
    perTryTimer = null;
    if (finished || responseStarted) {
      return;
    }
    long ms = TimeUnit.NANOSECONDS.toMillis(cluster.perTryNanos);
    failTry(Failure.TIMEOUT, HttpResponseStatus.GATEWAY_TIMEOUT,
        "upstream " + server.address() + " did not answer within " + ms + "ms");
  }

  /** The connection's timer reached this exchange's {@code timeout}. */
  void overallTimeout() {
    if (finished || responseStarted) {
      return;
    }
    if (backend != null || connecting) {
      GatewayMetrics.tried(server, System.nanoTime() - tryStart);
      cluster.outlier.failure(server, Failure.TIMEOUT);
    }
    dropBackend();
    fail(HttpResponseStatus.GATEWAY_TIMEOUT,
        "upstream " + cluster.name + " did not answer within " + TimeUnit.NANOSECONDS.toMillis(cluster.timeoutNanos)
            + "ms", 0, true);
  }

  private void cancelPerTry() {
    if (perTryTimer != null) {
      perTryTimer.cancel(false);
      perTryTimer = null;
    }
  }

  // The response is complete: give the connection back when both directions ended cleanly.
  private void complete() {
    Channel ch = backend;
    backend = null;
    BackendHandler h = ch.pipeline().get(BackendHandler.class);
    h.exchange = null;
    long now = System.nanoTime();
    endTry();
    if (status >= 500) {
      cluster.outlier.failure(server, Failure.STATUS_5XX);
    } else {
      cluster.outlier.success(server);
    }
    if (responseKeepAlive && lastWrite != null && lastWrite.isSuccess() && !server.retired()) {
      if (!ch.config().isAutoRead()) {
        ch.config().setAutoRead(true); // an idle pooled connection must see the upstream close it
      }
      pools.offer(server, ch, cluster.maxIdle);
    } else {
      ch.close();
    }
    GatewayMetrics.tried(server, now - tryStart);
    proxy.metrics().request(routeName, cluster.name, status, now - startNanos);
    finishBookkeeping(status < 500);
    client.exchangeDone(this, clientDone);
  }

  // A response that started cannot be replaced by an error: the client sees the connection close.
  private void truncate(String why) {
    Channel ch = backend;
    backend = null;
    if (ch != null) {
      ch.pipeline().get(BackendHandler.class).exchange = null;
      ch.close();
    }
    long now = System.nanoTime();
    endTry();
    cluster.outlier.failure(server, Failure.RESET);
    proxy.metrics().request(routeName, cluster.name, status, now - startNanos);
    proxy.log().warn("{} {} {}: response truncated: {}", requestId, head.method(), head.uri(), why);
    finishBookkeeping(false);
    client.abort();
  }

  /** Answers with a gateway-made error and ends the exchange. */
  private void fail(HttpResponseStatus st, String why, long retryAfter, boolean countAsFailure) {
    if (finished) {
      return;
    }
    status = st.code();
    proxy.metrics().request(routeName, cluster.name, status, System.nanoTime() - startNanos);
    if (status >= 500) {
      proxy.log().warn("{} {} {} -> {}: {}", requestId, head.method(), head.uri(), status, why);
    }
    finishBookkeeping(!countAsFailure);
    // A body still on its way would be read as the next request: close after this answer.
    boolean keep = clientDone && clientKeepAlive;
    client.keepAlive(keep);
    client.respond(Errors.response(clientCh.alloc(), st, why, requestId, retryAfter, !keep));
    client.exchangeDone(this, clientDone);
  }

  private void finishBookkeeping(boolean success) {
    finished = true;
    cancelPerTry();
    if (permitHeld) {
      permitHeld = false;
      long took = System.nanoTime() - startNanos;
      if (success) {
        cluster.breaker.onSuccess(took);
      } else {
        cluster.breaker.onFailure(took);
      }
    }
    if (retryHeld) {
      retryHeld = false;
      cluster.budget.retryFinished();
    }
    cluster.budget.requestFinished();
    releaseReplay();
    HttpContent c;
    while ((c = unsent.poll()) != null) {
      c.release();
    }
  }

  private void releaseReplay() {
    if (replay != null) {
      replay.forEach(ReferenceCountUtil::release);
      replay = null;
    }
  }

  // Whether a byte of this try's request may have reached the upstream: its head was written out.
  // Read from the write's future instead of a listener: no allocation per request for a rare question.
  private boolean sent() {
    return headWrite != null && headWrite.isSuccess();
  }

  /**
   * Whether the client's connection may be read for this exchange: body may flow while the
   * upstream connection takes it (writable) or, before it is connected, while the buffered part is
   * small. Once the request is complete, what follows is the next request (ClientConnection bounds those).
   */
  boolean acceptsBody() {
    if (finished || clientDone) {
      return true;
    }
    Channel ch = backend;
    return ch != null && !connecting ? ch.isWritable() : unsentBytes < REPLAY_LIMIT;
  }

  /** The client's outbound buffer drained: read the upstream again. */
  void clientWritable() {
    Channel ch = backend;
    if (!finished && ch != null && !ch.config().isAutoRead()) {
      ch.config().setAutoRead(true);
    }
  }

  /**
   * The upstream connection saw no traffic either way for {@code keepalive.idle_timeout}: before the
   * response the exchange's own timeout acts; after it started, an upstream host that vanished
   * without a FIN, or a client that stopped reading, must not hold both connections forever.
   */
  void backendIdle() {
    if (!finished && responseStarted) {
      truncate("no traffic with upstream " + server.address() + " for "
          + cluster.spec.keepalive().idleTimeout().toMillis() + "ms");
    }
  }

  /** The upstream's read batch ended: send the client what it produced. */
  void flushClient() {
    if (!finished) {
      clientCh.flush();
    }
  }

  /** The client's read batch ended: send the upstream what it produced. */
  void flushBackend() {
    if (!finished && backend != null && !connecting) {
      backend.flush();
    }
  }

  /** The upstream connection's outbound buffer drained: the client may send more body. */
  void backendWritable() {
    client.updateReading();
  }

  /** The client went away: stop everything, keep nothing. */
  void clientClosed() {
    if (finished) {
      return;
    }
    abandon();
    finishBookkeeping(true);
  }

  // The client, not the upstream, ended this request: drop the try and hand the breaker permit
  // back without a verdict on the upstream.
  private void abandon() {
    cancelPerTry();
    dropBackend();
    if (permitHeld) {
      permitHeld = false;
      cluster.breaker.release();
    }
  }

  static String reason(Throwable t) {
    if (t == null) {
      return "unknown";
    }
    String m = t.getMessage();
    return m == null || m.isBlank() ? t.getClass().getSimpleName() : m;
  }
}
