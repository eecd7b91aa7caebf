package dev.nonstop.web;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * One request and its response, handed to every {@link Handler} in the route's chain (Gin's
 * {@code *gin.Context}).
 *
 * <p>A Context belongs to the thread running the chain (a virtual thread, or the event loop for
 * {@link Execution#EVENT_LOOP} routes) and must not be used after the chain returns: it is not
 * thread-safe, and the request's buffers are freed once the chain and the response are done. Copy
 * what another thread needs before handing work off.
 *
 * <p>The request has been read completely before the chain starts (bodies up to the configured
 * limit; multipart files streamed to disk), so every accessor here is cheap and never blocks. A
 * response is committed once: the first write wins and later writes are ignored, so a timed-out
 * handler cannot corrupt the connection.
 *
 * <p>As in Javalin, {@link #header(String)} reads a request header while
 * {@link #header(String, String)} writes a response header; {@link #headers(String)} reads too.
 *
 * <pre>{@code
 * app.get("/users/:id", c -> c.json(200, Map.of("id", c.param("id"), "page", c.query("page", "1"))));
 * }</pre>
 */
public interface Context {
  /** The request method, upper case, such as {@code GET}. */
  String method();

  /** The decoded request path, without the query string. */
  String path();

  /** The request target as sent, with its query string. */
  String uri();

  /** The matched route template such as {@code /users/:id}, or null when no route matched. */
  String route();

  /** A path parameter ({@code :id} or {@code *path}) of the matched route, or null. */
  String param(String name);


  /** The first value of a query parameter, or null. */
  String query(String name);

  /** The first value of a query parameter, or {@code defaultValue} when it is absent. */
  String query(String name, String defaultValue);

  /** All values of a query parameter, in order; empty when absent. */
  List<String> queryAll(String name);

  /**
   * Every query parameter with all its values. Only {@code &} separates parameters: splitting on
   * {@code ;} too would let a proxy and the application disagree on what was sent.
   */
  Map<String, List<String>> queryMap();


  /**
   * The first value of a request header (case-insensitive name), or null. Reads the request; the
   * two-argument {@link #header(String, String)} writes the response.
   */
  String header(String name);

  /** All values of a request header, in order; empty when absent. */
  List<String> headers(String name);

  /** A request cookie's value, or null. */
  String cookie(String name);

  /** The request's Content-Type without parameters, lower case, or null. */
  String contentType();

  /**
   * The client's IP. X-Forwarded-For and X-Real-IP are honoured only when the direct peer is one of
   * the engine's trusted proxies (none by default), because anyone can send those headers.
   */
  String clientIp();

  /** The directly connected peer, which is the proxy when there is one. */
  InetSocketAddress remoteAddress();


  /** The raw request body (empty array when none); the same array on every call. */
  byte[] body();

  /** The body decoded with the Content-Type's charset, or UTF-8 when it names none or an unknown one. */
  String bodyString();

  /**
   * A form field from a url-encoded or multipart body, or null.
   *
   * @throws BindException when the form is malformed
   */
  String postForm(String name);

  /** A form field, or {@code defaultValue} when it is absent. */
  String postForm(String name, String defaultValue);

  /** All values of a form field, in order; empty when absent. */
  List<String> postFormAll(String name);

  /** Every form field of a url-encoded or multipart body; empty for other bodies. */
  Map<String, List<String>> postFormMap();

  /** The first uploaded file of a multipart body with this field name, or null. */
  UploadedFile formFile(String name);

  /** All uploaded files of a multipart body; empty for other bodies. */
  List<UploadedFile> formFiles();

  /**
   * Reads the body into {@code type} (JSON when there is no Content-Type, or url-encoded/multipart
   * forms) and runs Jakarta Bean Validation on it.
   *
   * <pre>{@code
   * record NewUser(@NotBlank String name, @Email String email) {}
   * app.post("/users", c -> c.json(201, users.add(c.bind(NewUser.class))));
   * }</pre>
   *
   * @throws BindException a 400 with the list of field errors, when the body is malformed or invalid
   * @throws HttpException a 415 for any other Content-Type
   */
  <T> T bind(Class<T> type);

  /**
   * Binds the query string (all values as strings) into {@code type} and validates it.
   *
   * @throws BindException a 400, when a value does not fit or a constraint fails
   */
  <T> T bindQuery(Class<T> type);


  /** Stores a value for later handlers of this request, such as the authenticated user. */
  void set(String key, Object value);

  /** A value stored with {@link #set}, or null; cast to what the caller expects. */
  <T> T get(String key);


  /**
   * Runs the remaining handlers of the chain, then returns (Gin's {@code c.Next()}), so a middleware
   * can act after them; their exceptions propagate to the caller.
   */
  void next() throws Exception;

  /** Stops the remaining handlers from running; the current one finishes. */
  void abort();

  /** {@link #abort()} and answer with {@code status} and an empty body. */
  void abortWithStatus(int status);

  /** {@link #abort()} and answer with {@code status} and {@code body} as JSON. */
  void abortWithStatusJson(int status, Object body);

  /** Whether {@link #abort()} was called. */
  boolean isAborted();


  /**
   * Sets the status of a response that is sent later: the empty response sent when the chain ends
   * unanswered.
   *
   * @throws IllegalArgumentException unless 200-599
   */
  Context status(int status);

  /** The response status set so far (200 until set). */
  int responseStatus();

  /**
   * Sets a response header, replacing its values; a null {@code value} removes it. Writes the
   * response; the one-argument {@link #header(String)} reads the request.
   */
  Context header(String name, String value);

  /** Adds a response header value, keeping those already set. */
  Context addHeader(String name, String value);

  /** Adds a Set-Cookie response header. */
  Context setCookie(Cookie cookie);

  /**
   * Sends {@code value} as JSON with the engine's {@link Engine#objectMapper()}; ignored when the
   * response was already sent.
   *
   * @throws IllegalArgumentException when the status is not 200-599 or {@code value} cannot be written
   */
  void json(int status, Object value);

  /** Sends text with {@code text/plain; charset=utf-8} unless a Content-Type header was set. */
  void string(int status, String text);

  /** Sends bytes with the given content type (null for none) unless a Content-Type header was set. */
  void bytes(int status, String contentType, byte[] body);

  /**
   * Sends a file with a content type from its extension and Last-Modified, or a 304 when it has not
   * changed since If-Modified-Since.
   *
   * @throws HttpException a 404 when {@code file} is not a readable regular file
   */
  void file(Path file) throws IOException;

  /**
   * Sends a redirect to {@code location}, used as given.
   *
   * @throws IllegalArgumentException unless the status is 301, 302, 303, 307 or 308
   */
  void redirect(int status, String location);

  /**
   * Streams a response body, chunked on HTTP/1.1 and ended by closing the connection on HTTP/1.0;
   * {@code body} runs on the handler's thread and is not called for HEAD. A failure mid-body closes
   * the connection, since a client cannot tell a cut chunked body from a whole one otherwise.
   *
   * <pre>{@code
   * c.stream(200, "text/csv", out -> {
   *   for (Row r : rows) out.write(r.toCsv().getBytes(UTF_8));
   * });
   * }</pre>
   *
   * <p>See {@link BodyWriter} for backpressure, which {@link Execution#EVENT_LOOP} routes do not get.
   *
   * @throws IllegalStateException when the response was already sent
   */
  void stream(int status, String contentType, BodyWriter body) throws Exception;

  /**
   * Streams Server-Sent Events ({@code text/event-stream}, status 200, not cached and not buffered
   * by proxies) until {@code events} returns or the client goes away.
   *
   * <pre>{@code
   * app.get("/ticks", c -> c.sse(sse -> {
   *   while (true) {
   *     sse.send("tick", Instant.now().toString());
   *     Thread.sleep(1000);
   *   }
   * }));
   * }</pre>
   */
  void sse(SseEmitter.Source events) throws Exception;

  /** Whether the response has been sent (or started, when streaming), by a handler or the server. */
  boolean isCommitted();

  /** Bytes of response body written so far. */
  long bytesWritten();

  /** Time since the request was fully read. */
  Duration elapsed();
}
