package dev.nonstop.web.context;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nonstop.web.Engine;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A started {@link Engine} on a free port with the ways the tests talk to it: the JDK HttpClient
 * (HTTP/1.1, no redirects followed) and a raw socket for what the client would normalise or hide.
 */
final class TestServer implements AutoCloseable {
  static final HttpClient CLIENT = HttpClient.newBuilder()
      .version(HttpClient.Version.HTTP_1_1)
      .followRedirects(HttpClient.Redirect.NEVER)
      .connectTimeout(Duration.ofSeconds(5))
      .build();
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Engine engine;
  private final Logs leaks = Logs.capture("io.netty.util.ResourceLeakDetector");

  private TestServer(Engine engine) {
    this.engine = engine;
  }

  /** Starts {@code engine}, whose routes are registered, on port 0. */
  static TestServer start(Engine engine) {
    engine.start(0);
    return new TestServer(engine);
  }

  Engine engine() {
    return engine;
  }

  int port() {
    return engine.port();
  }

  URI uri(String target) {
    return URI.create("http://127.0.0.1:" + port() + target);
  }

  HttpRequest.Builder request(String target) {
    return HttpRequest.newBuilder(uri(target)).timeout(Duration.ofSeconds(10));
  }

  /** GET {@code target} with {@code headers} given as name, value, name, value... */
  HttpResponse<String> get(String target, String... headers) {
    HttpRequest.Builder b = request(target);
    for (int i = 0; i < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    return send(b);
  }

  HttpResponse<String> send(HttpRequest.Builder request) {
    try {
      return CLIENT.send(request.build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /**
   * Sends {@code method target} with {@code headers} (name, value, name, value...) and
   * {@code Connection: close} on a new connection, header values as UTF-8 bytes, which the JDK
   * client would refuse; reads until the server closes.
   */
  Raw raw(String method, String target, String... headers) {
    StringBuilder b = new StringBuilder(method).append(' ').append(target).append(" HTTP/1.1\r\nHost: x\r\n");
    for (int i = 0; i < headers.length; i += 2) {
      b.append(headers[i]).append(": ").append(headers[i + 1]).append("\r\n");
    }
    return raw(b.append("Connection: close\r\n\r\n").toString().getBytes(StandardCharsets.UTF_8));
  }

  /** Writes {@code request} (CRLFs included) on a new connection and reads until the server closes. */
  Raw raw(String request) {
    return raw(request.getBytes(StandardCharsets.ISO_8859_1));
  }

  Raw raw(byte[] request) {
    try (Socket s = new Socket("127.0.0.1", port())) {
      s.setSoTimeout(10_000);
      s.getOutputStream().write(request);
      s.getOutputStream().flush();
      return Raw.parse(readAll(s.getInputStream()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static byte[] readAll(InputStream in) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    in.transferTo(out);
    return out.toByteArray();
  }

  static Map<String, Object> json(String body) {
    try {
      return JSON.readValue(body, new TypeReference<>() {});
    } catch (IOException e) {
      throw new AssertionError("not a JSON object: " + body, e);
    }
  }

  static List<Object> jsonList(String body) {
    try {
      return JSON.readValue(body, new TypeReference<>() {});
    } catch (IOException e) {
      throw new AssertionError("not a JSON array: " + body, e);
    }
  }

  static Map<String, Object> json(HttpResponse<String> response) {
    return json(response.body());
  }

  /**
   * Stops the engine, after checking for Netty LEAK reports. Netty reports a leaked buffer when a
   * later allocation finds it collected, so: collect, allocate through a few requests, then look.
   */
  @Override
  public void close() {
    try {
      System.gc();
      for (int i = 0; i < 5; i++) {
        get("/leak-probe-" + i);
      }
      assertThat(leaks.events()).as("Netty LEAK reports").isEmpty();
    } finally {
      leaks.close();
      engine.stop(Duration.ZERO);
    }
  }

  /** A response read off a socket: the status, the head as text and the body bytes as sent (chunk framing included). */
  record Raw(int status, String head, String body) {
    static Raw parse(byte[] bytes) {
      String all = new String(bytes, StandardCharsets.ISO_8859_1);
      int end = all.indexOf("\r\n\r\n");
      if (end < 0) {
        throw new AssertionError("no complete response head in: " + all);
      }
      String head = all.substring(0, end);
      int status = Integer.parseInt(head.substring(9, 12));
      return new Raw(status, head, all.substring(end + 4));
    }

    /** The first value of a header, case-insensitive, or null. */
    String header(String name) {
      for (String line : head.split("\r\n")) {
        int colon = line.indexOf(':');
        if (colon > 0 && line.substring(0, colon).equalsIgnoreCase(name)) {
          return line.substring(colon + 1).trim();
        }
      }
      return null;
    }
  }
}
