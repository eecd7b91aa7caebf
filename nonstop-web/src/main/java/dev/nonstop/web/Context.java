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
 * <p>The request has been read completely before the chain starts (bodies up to the configured
 * limit; multipart files streamed to disk), so every accessor here is cheap and never blocks. A
 * response is committed once: the first write wins and later writes are ignored, so a timed-out
 * handler cannot corrupt the connection.
 *
 * <pre>{@code
 * app.get("/users/:id", c -> c.json(200, Map.of("id", c.param("id"), "page", c.query("page", "1"))));
 * }</pre>
 */
public interface Context {

  // ---- request line, route --------------------------------------------------------------------

  /** The request method, upper case. */
  String method();

  /** The decoded request path, without the query string. */
  String path();

  /** The request target as sent, with its query string. */
  String uri();

  /** The matched route template such as {@code /users/:id}, or null when no route matched. */
  String route();

  /** A path parameter ({@code :id} or {@code *path}), or null. */
  String param(String name);

  // ---- query -------------------------------------------------------------------------------------

  /** The first value of a query parameter, or null. */
  String query(String name);

  /** The first value of a query parameter, or {@code defaultValue}. */
  String query(String name, String defaultValue);

  /** All values of a query parameter, in order; empty when absent. */
  List<String> queryAll(String name);

  /** Every query parameter with all its values. */
  Map<String, List<String>> queryMap();

  // ---- headers, cookies, client ------------------------------------------------------------------

  /** The first value of a request header (case-insensitive name), or null. */
  String header(String name);

  /** All values of a request header. */
  List<String> headers(String name);

  /** A request cookie's value, or null. */
  String cookie(String name);

  /** The request's Content-Type without parameters, or null. */
  String contentType();

  /**
   * The client's IP. X-Forwarded-For and X-Real-IP are honoured only when the direct peer is one of
   * the engine's trusted proxies (none by default), because anyone can send those headers.
   */
  String clientIp();

  /** The directly connected peer. */
  InetSocketAddress remoteAddress();

  // ---- body ----------------------------------------------------------------------------------------

  /** The raw request body (empty array when none). */
  byte[] body();

  /** The body decoded as UTF-8 (or the charset of the Content-Type). */
  String bodyString();

  /** A form field from a url-encoded or multipart body, or null. */
  String postForm(String name);

  /** A form field, or {@code defaultValue}. */
  String postForm(String name, String defaultValue);

  /** All values of a form field. */
  List<String> postFormAll(String name);

  /** Every form field of a url-encoded or multipart body. */
  Map<String, List<String>> postFormMap();

  /** An uploaded file of a multipart body, or null. */
  UploadedFile formFile(String name);

  /** All uploaded files of a multipart body. */
  List<UploadedFile> formFiles();

  /**
   * Reads the body into {@code type} (JSON, or url-encoded/multipart forms, by Content-Type) and runs
   * Jakarta Bean Validation on it.
   *
   * @throws BindException a 400 with the list of field errors, when the body is malformed or invalid
   */
  <T> T bind(Class<T> type);

  /** Binds the query string (all values as strings) into {@code type} and validates it. */
  <T> T bindQuery(Class<T> type);

  // ---- request-scoped values ------------------------------------------------------------------------

  /** Stores a value for later handlers of this request. */
  void set(String key, Object value);

  /** A value stored with {@link #set}, or null. */
  <T> T get(String key);

  // ---- chain control ---------------------------------------------------------------------------------

  /** Runs the remaining handlers of the chain, then returns (Gin's {@code c.Next()}). */
  void next() throws Exception;

  /** Stops the remaining handlers from running; the current one finishes. */
  void abort();

  /** {@link #abort()} and answer with {@code status} and an empty body. */
  void abortWithStatus(int status);

  /** {@link #abort()} and answer with {@code status} and {@code body} as JSON. */
  void abortWithStatusJson(int status, Object body);

  /** Whether {@link #abort()} was called. */
  boolean isAborted();

  // ---- response -------------------------------------------------------------------------------------

  /** Sets the status of a response that is sent later (for example an empty body at the end). */
  Context status(int status);

  /** The response status set so far (200 until set). */
  int responseStatus();

  /** Sets a response header (replacing). */
  Context header(String name, String value);

  /** Adds a response header value. */
  Context addHeader(String name, String value);

  /** Adds a Set-Cookie header. */
  Context setCookie(Cookie cookie);

  /** Sends {@code value} as JSON. */
  void json(int status, Object value);

  /** Sends text with {@code text/plain; charset=utf-8}. */
  void string(int status, String text);

  /** Sends bytes with the given content type. */
  void bytes(int status, String contentType, byte[] body);

  /** Sends a file with a content type from its extension, honouring If-Modified-Since. */
  void file(Path file) throws IOException;

  /** Sends a redirect (301, 302, 303, 307 or 308) to {@code location}. */
  void redirect(int status, String location);

  /**
   * Streams a response body with chunked encoding. Runs on the handler's thread and blocks while the
   * client is slow.
   */
  void stream(int status, String contentType, BodyWriter body) throws Exception;

  /** Streams Server-Sent Events ({@code text/event-stream}) until {@code events} returns. */
  void sse(SseEmitter.Source events) throws Exception;

  /** Whether the response has been sent (or started, when streaming). */
  boolean isCommitted();

  /** Bytes of response body written so far. */
  long bytesWritten();

  /** Time since the request was fully read. */
  Duration elapsed();
}
