package dev.nonstop.web.testing;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nonstop.web.Engine;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * An {@link Engine} started on a free port by {@link Servers}, with the ways tests talk to it: the
 * JDK {@link HttpClient} (HTTP/1.1, redirects not followed) for what a well-behaved client does, and
 * a {@link RawConnection} for what that client would normalise, refuse or hide.
 *
 * <pre>{@code
 * HttpResponse<String> r = server.get("/users/42", "Accept", "application/json");
 * Response head = server.fetch("HEAD", "/users/42");
 * }</pre>
 */
public final class TestServer {
  /** The one JDK client of the tests. */
  public static final HttpClient CLIENT = HttpClient.newBuilder()
      .version(HttpClient.Version.HTTP_1_1)
      .followRedirects(HttpClient.Redirect.NEVER)
      .connectTimeout(Duration.ofSeconds(5))
      .build();
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Engine engine;
  private final Servers owner;

  TestServer(Engine engine, Servers owner) {
    this.engine = engine;
    this.owner = owner;
  }

  /** The started engine. */
  public Engine engine() {
    return engine;
  }

  /** The bound port. */
  public int port() {
    return engine.port();
  }

  /** {@code http://127.0.0.1:port} followed by {@code target}. */
  public URI uri(String target) {
    return URI.create("http://127.0.0.1:" + port() + target);
  }

  /** A request to {@code target} with a timeout, for {@link #send}. */
  public HttpRequest.Builder request(String target) {
    return HttpRequest.newBuilder(uri(target)).timeout(Duration.ofSeconds(10));
  }

  /** GET {@code target} with {@code headers} given as name, value, name, value... */
  public HttpResponse<String> get(String target, String... headers) {
    HttpRequest.Builder b = request(target);
    for (int i = 0; i < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    return send(b);
  }

  /** Sends {@code request} and reads the body as a string. */
  public HttpResponse<String> send(HttpRequest.Builder request) {
    return send(request, HttpResponse.BodyHandlers.ofString());
  }

  /** Sends {@code request} and reads the body with {@code body}. */
  public <T> HttpResponse<T> send(HttpRequest.Builder request, HttpResponse.BodyHandler<T> body) {
    try {
      return CLIENT.send(request.build(), body);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** A new raw connection, closed at the end of the test (or class) that opened it. */
  public RawConnection connect() {
    try {
      return owner.closeLater(RawConnection.open(port()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** One raw request on a new connection; see {@link RawConnection#fetch}. */
  public Response fetch(String method, String target, String... headers) {
    try {
      return RawConnection.fetch(port(), method, target, headers);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** {@code body} as a JSON object; a failed parse fails the test. */
  public static Map<String, Object> json(String body) {
    return parse(body, new TypeReference<>() {});
  }

  /** The body of {@code response} as a JSON object. */
  public static Map<String, Object> json(HttpResponse<String> response) {
    return json(response.body());
  }

  /** {@code body} as a JSON array. */
  public static List<Object> jsonList(String body) {
    return parse(body, new TypeReference<>() {});
  }

  /** {@code body} as a tree, for paths such as {@code /checks/db/status}. */
  public static JsonNode jsonTree(String body) {
    return parse(body, new TypeReference<>() {});
  }

  private static <T> T parse(String body, TypeReference<T> type) {
    try {
      return JSON.readValue(body, type);
    } catch (IOException e) {
      throw new AssertionError("not the expected JSON: " + body, e);
    }
  }
}
