package dev.nonstop.web.internal;

import dev.nonstop.web.http.Trusted;
import dev.nonstop.web.BindException;
import dev.nonstop.web.BodyWriter;
import dev.nonstop.web.Context;
import dev.nonstop.web.Cookie;
import dev.nonstop.web.Handler;
import dev.nonstop.web.HttpException;
import dev.nonstop.web.SseEmitter;
import dev.nonstop.web.UploadedFile;
import dev.nonstop.web.internal.router.PathParams;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufOutputStream;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.DefaultFileRegion;
import io.netty.handler.codec.DateFormatter;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.cookie.DefaultCookie;
import io.netty.handler.codec.http.cookie.ServerCookieDecoder;
import io.netty.handler.codec.http.cookie.ServerCookieEncoder;
import io.netty.handler.codec.http.multipart.HttpPostRequestDecoder;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.FileChannel;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The {@link Context} of one request. The request side is immutable once built (the body was read
 * before the chain starts); the response side is committed exactly once, through a CAS, because a
 * timeout timer and the handler's thread may race to answer. Binding lives in {@link Binder},
 * streamed bodies in {@link ChunkedBodyOutput} and {@link SseWriter}.
 */
public final class HttpContext implements Context {
  private static final VarHandle COMMITTED;

  static {
    try {
      COMMITTED = MethodHandles.lookup().findVarHandle(HttpContext.class, "committed", int.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private static final String JSON = "application/json; charset=utf-8";
  private static final String TEXT = "text/plain; charset=utf-8";

  private final Connection conn;
  private final Dispatcher dispatcher;
  private final HttpRequest request;
  private final RequestTarget target;
  private final Route route;
  private final PathParams params;
  private final ByteBuf content;
  private final HttpPostRequestDecoder multipart;
  private final boolean keepAlive;
  private final long startNanos = System.nanoTime();
  // Two parties hold the request's buffers: the chain and the response write. Whoever ends last frees them.
  private final AtomicInteger holders = new AtomicInteger(2);

  private Handler[] chain;
  private int index = -1;
  private boolean aborted;
  private Map<String, Object> values;
  private Map<String, List<String>> query;
  private Forms.Parsed form;
  private byte[] bodyBytes;

  // OPEN until the first answer; BY_HANDLER for the chain's own response, BY_SERVER for one the
  // server made instead (timeout, error). One CAS decides, so exactly one response is ever written.
  private static final int OPEN = 0;
  private static final int BY_HANDLER = 1;
  private static final int BY_SERVER = 2;
  private volatile int committed;
  // True from committing a streamed or file body until its last part is handed to the channel: only
  // then is a failure "mid-response", which only closing the connection can signal to the client.
  private volatile boolean bodyOpen;
  private volatile String requestId;
  private final ReentrantLock interruptLock = new ReentrantLock();
  private boolean interruptible;
  private volatile int status = 200;
  private HttpHeaders responseHeaders;
  private volatile long bytesWritten;

  HttpContext(Connection conn, Dispatcher dispatcher, HttpRequest request, RequestTarget target, Route route,
      PathParams params, ByteBuf content, HttpPostRequestDecoder multipart) {
    this.conn = conn;
    this.dispatcher = dispatcher;
    this.request = request;
    this.target = target;
    this.route = route;
    this.params = params;
    this.content = content;
    this.multipart = multipart;
    this.keepAlive = HttpUtil.isKeepAlive(request);
  }

  void start(Handler[] chain) throws Exception {
    this.chain = chain;
    this.index = -1;
    next();
  }

  /** After the chain: answer with the status set so far if nobody answered, then free buffers. */
  void finishChain() {
    if (!isCommitted()) {
      send(status, null, Unpooled.EMPTY_BUFFER);
    }
    releaseOnce();
  }

  Route routeObject() {
    return route;
  }

  PathParams params() {
    return params;
  }

  long startNanos() {
    return startNanos;
  }

  @Override
  public void next() throws Exception {
    index++;
    while (index < chain.length && !aborted) {
      chain[index].handle(this);
      index++;
    }
  }

  @Override
  public void abort() {
    aborted = true;
  }

  @Override
  public void abortWithStatus(int status) {
    abort();
    send(status, null, Unpooled.EMPTY_BUFFER);
  }

  @Override
  public void abortWithStatusJson(int status, Object body) {
    abort();
    json(status, body);
  }

  @Override
  public boolean isAborted() {
    return aborted;
  }

  @Override public String method() { return request.method().name(); }
  @Override public String path() { return target.path(); }
  @Override public String uri() { return target.uri(); }

  /** The path as sent, still percent-encoded: what a Location built from it must use. */
  String rawPath() {
    return target.rawPath();
  }

  /** The query as sent, or null. */
  String rawQuery() {
    return target.rawQuery();
  }
  @Override public String route() { return route != null ? route.template() : null; }
  @Override public String param(String name) { return params.get(name); }

  @Override
  public String query(String name) {
    List<String> v = queryMap().get(name);
    return v == null || v.isEmpty() ? null : v.get(0);
  }

  @Override
  public String query(String name, String defaultValue) {
    String v = query(name);
    return v != null ? v : defaultValue;
  }

  @Override
  public List<String> queryAll(String name) {
    return queryMap().getOrDefault(name, List.of());
  }

  @Override
  public Map<String, List<String>> queryMap() {
    if (query == null) {
      query = Forms.decode(target.rawQuery());
    }
    return query;
  }

  @Override public String header(String name) { return request.headers().get(name); }
  @Override public List<String> headers(String name) { return request.headers().getAll(name); }

  @Override
  public String cookie(String name) {
    for (String h : request.headers().getAll(HttpHeaderNames.COOKIE)) {
      for (io.netty.handler.codec.http.cookie.Cookie c : ServerCookieDecoder.LAX.decode(h)) {
        if (c.name().equals(name)) {
          return c.value();
        }
      }
    }
    return null;
  }

  @Override
  public String contentType() {
    String ct = request.headers().get(HttpHeaderNames.CONTENT_TYPE);
    if (ct == null) {
      return null;
    }
    int semi = ct.indexOf(';');
    return (semi < 0 ? ct : ct.substring(0, semi)).trim().toLowerCase(Locale.ROOT);
  }

  @Override
  public InetSocketAddress remoteAddress() {
    return (InetSocketAddress) conn.channel().remoteAddress();
  }

  @Override
  public String clientIp() {
    InetSocketAddress remote = remoteAddress();
    InetAddress peer = remote != null ? remote.getAddress() : null;
    Trusted trusted = dispatcher.trusted();
    if (peer != null && !trusted.isEmpty() && trusted.contains(peer)) {
      List<String> xff = request.headers().getAll("X-Forwarded-For");
      if (!xff.isEmpty()) {
        // Walk from the nearest hop back; the first address we do not trust is the client.
        String[] hops = String.join(",", xff).split(",");
        String leftmost = null;
        for (int i = hops.length - 1; i >= 0; i--) {
          InetAddress a = Trusted.literal(hops[i]);
          if (a == null) {
            break; // garbage from an untrusted hop: stop believing the header
          }
          leftmost = Trusted.text(a);
          if (!trusted.contains(a)) {
            return leftmost;
          }
        }
        if (leftmost != null) {
          return leftmost;
        }
      }
      String real = request.headers().get("X-Real-IP");
      if (real != null) {
        InetAddress a = Trusted.literal(real);
        if (a != null) {
          return Trusted.text(a);
        }
      }
    }
    return peer != null ? Trusted.text(peer) : null;
  }

  @Override
  public byte[] body() {
    if (bodyBytes == null) {
      byte[] b = new byte[content.readableBytes()];
      content.getBytes(content.readerIndex(), b);
      bodyBytes = b;
    }
    return bodyBytes;
  }

  @Override
  public String bodyString() {
    return new String(body(), charset());
  }

  private Charset charset() {
    CharSequence cs = HttpUtil.getCharsetAsSequence(request);
    if (cs != null) {
      try {
        return Charset.forName(cs.toString());
      } catch (RuntimeException e) {
        // unknown charset: fall back to UTF-8 rather than fail the request
      }
    }
    return StandardCharsets.UTF_8;
  }

  Forms.Parsed form() {
    if (form == null) {
      try {
        if (multipart != null) {
          form = Forms.multipart(multipart);
        } else if ("application/x-www-form-urlencoded".equals(contentType())) {
          form = Forms.urlEncoded(bodyString());
        } else {
          form = Forms.Parsed.EMPTY;
        }
      } catch (IOException | RuntimeException e) {
        throw new BindException("malformed form: " + e.getMessage());
      }
    }
    return form;
  }

  @Override
  public String postForm(String name) {
    List<String> v = form().fields().get(name);
    return v == null || v.isEmpty() ? null : v.get(0);
  }

  @Override
  public String postForm(String name, String defaultValue) {
    String v = postForm(name);
    return v != null ? v : defaultValue;
  }

  @Override public List<String> postFormAll(String name) { return form().fields().getOrDefault(name, List.of()); }
  @Override public Map<String, List<String>> postFormMap() { return form().fields(); }

  @Override
  public UploadedFile formFile(String name) {
    for (UploadedFile f : form().files()) {
      if (f.field().equals(name)) {
        return f;
      }
    }
    return null;
  }

  @Override public List<UploadedFile> formFiles() { return form().files(); }

  @Override
  public <T> T bind(Class<T> type) {
    return Binder.body(this, dispatcher, type);
  }

  @Override
  public <T> T bindQuery(Class<T> type) {
    return Binder.query(queryMap(), dispatcher, type);
  }

  @Override
  public void set(String key, Object value) {
    if (values == null) {
      values = new HashMap<>(8);
    }
    values.put(key, value);
  }

  @Override
  @SuppressWarnings("unchecked")
  public <T> T get(String key) {
    return values == null ? null : (T) values.get(key);
  }

  @Override
  public Context status(int status) {
    this.status = checkStatus(status);
    return this;
  }

  @Override public int responseStatus() { return status; }

  private HttpHeaders responseHeaders() {
    if (responseHeaders == null) {
      responseHeaders = new DefaultHttpHeaders();
    }
    return responseHeaders;
  }

  @Override
  public Context header(String name, String value) {
    if (value == null) {
      responseHeaders().remove(name);
    } else {
      responseHeaders().set(name, value);
    }
    return this;
  }

  @Override
  public Context addHeader(String name, String value) {
    responseHeaders().add(name, value);
    return this;
  }

  @Override
  public Context setCookie(Cookie c) {
    DefaultCookie n = new DefaultCookie(c.name(), c.value());
    n.setPath(c.path());
    if (c.domain() != null) {
      n.setDomain(c.domain());
    }
    if (c.maxAge() != null) {
      // Max-Age counts whole seconds and 0 deletes the cookie, so a positive age rounds up.
      long seconds = c.maxAge().toSeconds();
      n.setMaxAge(seconds == 0 && c.maxAge().isPositive() ? 1 : seconds);
    }
    n.setSecure(c.secure());
    n.setHttpOnly(c.httpOnly());
    if (c.sameSite() != null) {
      n.setSameSite(io.netty.handler.codec.http.cookie.CookieHeaderNames.SameSite.valueOf(c.sameSite()));
    }
    responseHeaders().add(HttpHeaderNames.SET_COOKIE, ServerCookieEncoder.STRICT.encode(n));
    return this;
  }

  @Override
  public void json(int status, Object value) {
    checkStatus(status);
    if (isCommitted()) {
      return;
    }
    ByteBuf buf = conn.channel().alloc().buffer(128);
    try (ByteBufOutputStream out = new ByteBufOutputStream(buf)) {
      dispatcher.json().writeValue((OutputStream) out, value);
    } catch (IOException e) {
      buf.release();
      throw new IllegalArgumentException("cannot write JSON: " + e.getMessage(), e);
    }
    send(status, JSON, buf);
  }

  @Override
  public void string(int status, String text) {
    checkStatus(status);
    send(status, TEXT, Unpooled.wrappedBuffer(text.getBytes(StandardCharsets.UTF_8)));
  }

  @Override
  public void bytes(int status, String contentType, byte[] body) {
    checkStatus(status);
    send(status, contentType, Unpooled.wrappedBuffer(body));
  }

  @Override
  public void redirect(int status, String location) {
    if (status != 301 && status != 302 && status != 303 && status != 307 && status != 308) {
      throw new IllegalArgumentException("redirect status: " + status + " (expected: 301, 302, 303, 307 or 308)");
    }
    header("Location", location);
    send(status, null, Unpooled.EMPTY_BUFFER);
  }

  @Override
  public void file(Path file) throws IOException {
    if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
      throw new HttpException(404, "not found");
    }
    long modifiedSeconds = Files.getLastModifiedTime(file).toMillis() / 1000;
    String since = request.headers().get(HttpHeaderNames.IF_MODIFIED_SINCE);
    if (since != null) {
      Date d = DateFormatter.parseHttpDate(since);
      if (d != null && modifiedSeconds <= d.getTime() / 1000) {
        header("Last-Modified", DateFormatter.format(new Date(modifiedSeconds * 1000)));
        send(304, null, Unpooled.EMPTY_BUFFER);
        return;
      }
    }
    // Opened before committing: once committed, a failure could no longer be answered, and the
    // request's buffers would wait for a response that never comes.
    FileChannel fc = FileChannel.open(file, StandardOpenOption.READ);
    long size;
    try {
      size = fc.size();
    } catch (IOException e) {
      fc.close();
      throw e;
    }
    if (!commit(BY_HANDLER, 200)) {
      fc.close();
      return;
    }
    Channel ch = conn.channel();
    if (!ch.isActive()) {
      fc.close();
      releaseOnce();
      return;
    }
    bodyOpen = true;
    HttpHeaders h = responseHeaders();
    if (!h.contains(HttpHeaderNames.CONTENT_TYPE)) {
      h.set(HttpHeaderNames.CONTENT_TYPE, MimeTypes.of(file.getFileName().toString()));
    }
    h.set(HttpHeaderNames.LAST_MODIFIED, DateFormatter.format(new Date(modifiedSeconds * 1000)));
    h.set(HttpHeaderNames.CONTENT_LENGTH, size);
    boolean close = shouldClose();
    connectionHeader(h, close);
    ch.write(new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, h));
    if (isHead()) {
      fc.close();
    } else {
      ch.write(new DefaultFileRegion(fc, 0, size));
      bytesWritten = size;
    }
    finish(ch, LastHttpContent.EMPTY_LAST_CONTENT, close);
  }

  @Override
  public void stream(int status, String contentType, BodyWriter body) throws Exception {
    checkStatus(status);
    if (!commit(BY_HANDLER, status)) {
      throw new IllegalStateException("response already sent");
    }
    bodyOpen = true;
    HttpHeaders h = responseHeaders();
    if (contentType != null) {
      h.set(HttpHeaderNames.CONTENT_TYPE, contentType);
    }
    boolean http11 = request.protocolVersion().equals(HttpVersion.HTTP_1_1);
    // HTTP/1.0 has no chunked encoding: the body ends when the connection closes.
    boolean close = shouldClose() || !http11;
    if (http11) {
      h.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
    }
    connectionHeader(h, close);
    Channel ch = conn.channel();
    ch.write(new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(status), h));
    boolean ok = false;
    try {
      if (!isHead()) {
        try (ChunkedBodyOutput out = new ChunkedBodyOutput(ch, this)) {
          body.writeTo(out);
        }
      }
      ok = true;
    } catch (ChunkedBodyOutput.ClientGone e) {
      // The handler learnt that the client left from the exception its send threw; a client going
      // away is how event streams usually end, not a server error to log with a stack trace.
    } finally {
      if (ok && ch.isActive()) {
        finish(ch, LastHttpContent.EMPTY_LAST_CONTENT, close);
      } else {
        // Failed mid-body: the client cannot tell a cut body from a whole one unless we close.
        ch.close();
        afterResponse(true, false);
      }
    }
  }

  @Override
  public void sse(SseEmitter.Source events) throws Exception {
    header("Cache-Control", "no-cache");
    header("X-Accel-Buffering", "no"); // tell nginx-style proxies not to buffer the stream
    stream(200, "text/event-stream; charset=utf-8", out -> events.emit(new SseWriter(out, dispatcher.json())));
  }

  /** Sends a full response; ignored (and {@code body} freed) when one was already sent. */
  boolean send(int status, String contentType, ByteBuf body) {
    if (!commit(BY_HANDLER, status)) {
      body.release();
      return false;
    }
    return write(status, contentType, body, responseHeaders != null ? responseHeaders : new DefaultHttpHeaders());
  }

  /**
   * Answers on the server's behalf (timeout, failed handler) with fresh headers: the handler's own
   * may be half-built (a CSV content type, a cookie) or, for a timeout, still changing on its thread.
   * Only the request id carries over.
   */
  boolean sendServerAnswer(int status, Object body) {
    byte[] json;
    try {
      json = dispatcher.json().writeValueAsBytes(body);
    } catch (IOException e) {
      json = "{\"error\":\"internal server error\"}".getBytes(StandardCharsets.UTF_8);
    }
    if (!commit(BY_SERVER, status)) {
      return false;
    }
    HttpHeaders h = new DefaultHttpHeaders();
    String id = requestId;
    if (id != null) {
      h.set("X-Request-Id", id);
    }
    return write(status, JSON, Unpooled.wrappedBuffer(json), h);
  }

  private boolean write(int status, String contentType, ByteBuf body, HttpHeaders h) {
    if (!conn.channel().isActive()) {
      // The client is gone or the drain deadline cut the connection (its event loop may be shut
      // down already): a write would only fail, and log the failure from a dead loop.
      body.release();
      releaseOnce();
      return true;
    }
    boolean close = shouldClose();
    if (contentType != null && !h.contains(HttpHeaderNames.CONTENT_TYPE)) {
      h.set(HttpHeaderNames.CONTENT_TYPE, contentType);
    }
    int length = body.readableBytes();
    boolean noBody = status == 204 || status == 304 || (status >= 100 && status < 200);
    if (!noBody) {
      h.setInt(HttpHeaderNames.CONTENT_LENGTH, length);
    }
    connectionHeader(h, close);
    ByteBuf payload = body;
    if (isHead() || noBody) {
      body.release();
      payload = Unpooled.EMPTY_BUFFER;
    }
    bytesWritten = payload.readableBytes();
    DefaultFullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
        HttpResponseStatus.valueOf(status), payload, h, EmptyHttpHeaders.INSTANCE);
    finish(conn.channel(), res, close);
    return true;
  }

  /** Writes the last part of a response; the connection learns of it when the write completes. */
  private void finish(Channel ch, Object last, boolean close) {
    bodyOpen = false;
    if (ch.eventLoop().isShuttingDown()) {
      // A terminated loop cannot run the listener, and the request's buffers would never be freed.
      ReferenceCountUtil.release(last);
      ch.close();
      releaseOnce();
      return;
    }
    ch.writeAndFlush(last).addListener(f -> afterResponse(close, f.isSuccess()));
  }

  private void afterResponse(boolean close, boolean success) {
    conn.responseDone(close || !success);
    releaseOnce();
  }

  private void connectionHeader(HttpHeaders h, boolean close) {
    if (close) {
      h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    } else if (!request.protocolVersion().isKeepAliveDefault()) {
      h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
    }
  }

  private boolean shouldClose() {
    return !keepAlive || conn.isDraining();
  }

  private boolean isHead() {
    return "HEAD".equals(request.method().name());
  }

  private boolean commit(int by, int status) {
    if (!COMMITTED.compareAndSet(this, OPEN, by)) {
      return false;
    }
    this.status = status;
    return true;
  }

  @Override
  public boolean isCommitted() {
    return committed != 0;
  }

  @Override public long bytesWritten() { return bytesWritten; }
  @Override public Duration elapsed() { return Duration.ofNanos(System.nanoTime() - startNanos); }

  /** Counts a chunk of a streamed body; only the streaming thread calls this, so += does not race. */
  void addBytesWritten(int n) {
    bytesWritten += n;
  }

  /** Whether the server answered for the handler (timeout), so a late failure is expected. */
  boolean answeredByServer() {
    return committed == BY_SERVER;
  }

  /** Whether a streamed or file body was begun and not finished: a failure now needs a close. */
  boolean isBodyOpen() {
    return bodyOpen;
  }

  /** Closes the connection after a failure mid-response. */
  void breakConnection() {
    conn.channel().close();
  }

  /** Remembers the request id for answers the server makes itself. */
  public void requestId(String id) {
    this.requestId = id;
  }

  /** Runs the rest of the chain with a deadline; see {@code Middleware.timeout}. */
  public void runWithTimeout(Duration limit, int timeoutStatus) throws Exception {
    Thread worker = Thread.currentThread();
    // Never interrupt an event loop; and interrupt a handler only while it is inside this chain, so
    // the middleware around it does not run with a stray interrupt.
    setInterruptible(worker.isVirtual());
    ScheduledFuture<?> timer = conn.channel().eventLoop().schedule(() -> {
      if (sendServerAnswer(timeoutStatus, Map.of("error", "request timed out after " + limit.toMillis() + " ms"))) {
        interruptLock.lock();
        try {
          if (interruptible) {
            worker.interrupt();
          }
        } finally {
          interruptLock.unlock();
        }
      }
    }, limit.toNanos(), TimeUnit.NANOSECONDS);
    try {
      next();
    } finally {
      timer.cancel(false);
      setInterruptible(false);
      if (answeredByServer()) {
        Thread.interrupted(); // clear an interrupt that raced with the chain's end
      }
    }
  }

  private void setInterruptible(boolean on) {
    interruptLock.lock();
    try {
      interruptible = on;
    } finally {
      interruptLock.unlock();
    }
  }

  private void releaseOnce() {
    if (holders.decrementAndGet() == 0) {
      content.release();
      if (multipart != null) {
        // The decoder is not thread-safe and its owner is the event loop, unless that is gone.
        var loop = conn.channel().eventLoop();
        if (loop.isShuttingDown()) {
          multipart.destroy();
        } else {
          loop.execute(multipart::destroy);
        }
      }
    }
  }

  // A handler's response is final, and a 1xx is not: sent as one, the client would wait forever.
  private static int checkStatus(int status) {
    if (status < 200 || status > 599) {
      throw new IllegalArgumentException("status: " + status + " (expected: 200-599)");
    }
    return status;
  }
}
