package dev.nonstop.cli;

import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;

/** Talks to the control API of the supervisor that runs for a given config file. */
final class ControlClient {
  private final Path config;
  private final RunFiles files;
  private final HttpClient http =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();

  ControlClient(Path config) {
    this.config = config;
    this.files = new RunFiles(config);
  }

  /** GET or POST {@code path}; the body as a string, or a CliException for anything but 2xx. */
  String call(String method, String path, Duration timeout) throws CliException {
    HttpResponse<InputStream> r = send(method, path, timeout);
    try (InputStream in = r.body()) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new CliException("control API: " + e.getMessage());
    }
  }

  /** Like {@link #call} but hands over the body as a stream (for following logs). */
  InputStream stream(String path) throws CliException {
    return stream("GET", path);
  }

  /** {@code method} {@code path}, its body as a stream, read as it arrives (a reload's progress). */
  InputStream stream(String method, String path) throws CliException {
    return send(method, path, null).body();
  }

  private HttpResponse<InputStream> send(String method, String path, Duration timeout) throws CliException {
    RunFiles.Admin admin = files.runningAdmin().orElseThrow(() -> new CliException(
        "no supervisor is running for " + config + " (start one with `nonstop up -c " + config + "`)"));
    String token = files.clientToken();
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(admin.url() + path))
        .header("Authorization", "Bearer " + token)
        .method(method, HttpRequest.BodyPublishers.noBody());
    if (timeout != null) {
      b.timeout(timeout);
    }
    HttpResponse<InputStream> r;
    try {
      r = http.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
    } catch (ConnectException e) {
      throw new CliException("the supervisor for " + config + " (pid " + admin.pid() + ") does not answer at " + admin.url());
    } catch (IOException e) {
      throw new CliException("control API " + admin.url() + ": " + e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CliException("interrupted");
    }
    if (r.statusCode() / 100 != 2) {
      String body;
      try (InputStream in = r.body()) {
        body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      } catch (IOException e) {
        body = "";
      }
      String msg = errorMessage(body);
      if (r.statusCode() == 401) {
        throw new CliException("unauthorized: the supervisor refused the token ("
            + (System.getenv(RunFiles.TOKEN_ENV) != null ? RunFiles.TOKEN_ENV : files.tokenFile().toString())
            + "): " + msg);
      }
      throw new CliException(msg.isEmpty() ? "control API answered " + r.statusCode() : msg);
    }
    return r;
  }

  private static String errorMessage(String body) {
    try {
      var node = new com.fasterxml.jackson.databind.ObjectMapper().readTree(body);
      if (node != null && node.has("error")) {
        return node.get("error").asText();
      }
    } catch (IOException e) {
      // not JSON: use as is
    }
    return body.trim();
  }
}
