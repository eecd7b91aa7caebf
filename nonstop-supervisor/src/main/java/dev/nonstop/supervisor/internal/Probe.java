package dev.nonstop.supervisor.internal;

import dev.nonstop.supervisor.AppSpec.ProbeSpec;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One liveness or readiness check of one instance, Kubernetes style: an HTTP GET that answers 2xx or
 * 3xx in time, a TCP connect, or a command that exits 0 in time. Blocking; run it on a virtual
 * thread.
 */
public abstract sealed class Probe {
  /** The verdict of one check, with a reason for the log when it failed. */
  public record Result(boolean ok, String detail) {
    static Result pass(String detail) {
      return new Result(true, detail);
    }

    static Result fail(String detail) {
      return new Result(false, detail);
    }
  }

  final ProbeSpec spec;

  private Probe(ProbeSpec spec) {
    this.spec = spec;
  }

  /** The probe the spec describes; {@code http} uses the shared {@code client}. */
  public static Probe of(ProbeSpec spec, HttpClient client, Path dir, Map<String, String> env) {
    if (spec.http() != null) {
      return new Http(spec, client);
    }
    if (spec.exec() != null) {
      return new Exec(spec, dir, env);
    }
    return new Tcp(spec);
  }

  /** The spec: period, timeout, failures, initial delay. */
  public ProbeSpec spec() {
    return spec;
  }

  /** Runs one check against the instance listening on {@code port}. */
  public abstract Result check(int port) throws InterruptedException;

  /** {@code "http GET /healthz"}, {@code "tcp"}, {@code "exec [...]"}: for logs. */
  public abstract String describe();

  static final class Http extends Probe {
    private final HttpClient client;

    Http(ProbeSpec spec, HttpClient client) {
      super(spec);
      this.client = client;
    }

    @Override
    public Result check(int port) throws InterruptedException {
      HttpRequest req =
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + spec.http()))
              .timeout(spec.timeout())
              .header("User-Agent", "nonstop-probe")
              .GET()
              .build();
      try {
        int status = client.send(req, HttpResponse.BodyHandlers.discarding()).statusCode();
        String d = "GET " + spec.http() + " -> " + status;
        return status >= 200 && status < 400 ? Result.pass(d) : Result.fail(d);
      } catch (HttpTimeoutException e) {
        return Result.fail("GET " + spec.http() + ": no answer within " + spec.timeout().toMillis() + " ms");
      } catch (ConnectException e) {
        return Result.fail("GET " + spec.http() + ": connection refused");
      } catch (IOException e) {
        return Result.fail("GET " + spec.http() + ": " + e);
      }
    }

    @Override
    public String describe() {
      return "http GET " + spec.http();
    }
  }

  static final class Tcp extends Probe {
    Tcp(ProbeSpec spec) {
      super(spec);
    }

    @Override
    public Result check(int port) {
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress("127.0.0.1", port), (int) spec.timeout().toMillis());
        return Result.pass("connected");
      } catch (IOException e) {
        return Result.fail("tcp connect: " + e.getMessage());
      }
    }

    @Override
    public String describe() {
      return "tcp";
    }
  }

  static final class Exec extends Probe {
    private final Path dir;
    private final Map<String, String> env;

    Exec(ProbeSpec spec, Path dir, Map<String, String> env) {
      super(spec);
      this.dir = dir;
      this.env = env;
    }

    @Override
    public Result check(int port) throws InterruptedException {
      List<String> argv = spec.exec();
      ProcessBuilder pb = new ProcessBuilder(argv).directory(dir.toFile())
          .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD);
      pb.environment().putAll(env);
      if (port > 0) {
        pb.environment().put("PORT", Integer.toString(port));
      }
      Process p;
      try {
        p = pb.start();
      } catch (IOException e) {
        return Result.fail("exec " + argv + ": " + e.getMessage());
      }
      try {
        if (!p.waitFor(spec.timeout().toNanos(), TimeUnit.NANOSECONDS)) {
          p.destroyForcibly();
          return Result.fail("exec " + argv + ": still running after " + spec.timeout().toMillis() + " ms");
        }
      } catch (InterruptedException e) {
        p.destroyForcibly();
        throw e;
      }
      int code = p.exitValue();
      return code == 0 ? Result.pass("exit 0") : Result.fail("exec " + argv + ": exit " + code);
    }

    @Override
    public String describe() {
      return "exec " + spec.exec();
    }
  }

  /** A client for HTTP probes: HTTP/1.1, no redirects followed (3xx passes as it is). */
  public static HttpClient newClient() {
    return HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .followRedirects(HttpClient.Redirect.NEVER)
        .connectTimeout(Duration.ofSeconds(5))
        .build();
  }
}
