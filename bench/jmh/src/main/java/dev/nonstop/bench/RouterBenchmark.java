package dev.nonstop.bench;

import dev.nonstop.web.internal.router.PathParams;
import dev.nonstop.web.internal.router.Router;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Router lookups on httprouter's GitHub API table (203 routes), the paths its benchmark uses
 * where it has one. Run with {@code -prof gc}: {@code gc.alloc.rate.norm} is the bytes a lookup
 * allocates, which should be 0 for every case here.
 *
 * <pre>{@code
 * java -jar bench/jmh/target/benchmarks.jar RouterBenchmark -prof gc
 * }</pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class RouterBenchmark {

  private static final String ROUTES = "/dev/nonstop/web/internal/router/github-api.routes";

  private Router<String> router;
  private PathParams params;
  // Fields, not constants, so that the JIT cannot fold a lookup away.
  private String get = "GET";
  private String staticPath = "/user/repos";
  private String oneParam = "/users/julienschmidt";
  private String threeParams = "/repos/julienschmidt/httprouter/issues/42/comments";
  private String miss = "/repos/julienschmidt/httprouter/nothing-here";

  @Setup
  public void setUp() throws IOException {
    router = new Router<>();
    try (InputStream in = RouterBenchmark.class.getResourceAsStream(ROUTES);
        BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
      for (String line; (line = reader.readLine()) != null; ) {
        if (!line.isBlank() && !line.startsWith("#")) {
          String[] route = line.trim().split(" ");
          router.add(route[0], route[1], route[1]);
        }
      }
    }
    params = new PathParams();
    check(staticPath, "/user/repos", 0);
    check(oneParam, "/users/:user", 1);
    check(threeParams, "/repos/:owner/:repo/issues/:number/comments", 3);
    check(miss, null, 0);
  }

  /** Fails fast when a case does not measure what its name says. */
  private void check(String path, String route, int paramCount) {
    String found = lookup(path);
    if (!Objects.equals(found, route) || params.size() != paramCount) {
      throw new IllegalStateException(path + " found " + found + " with " + params);
    }
  }

  @Benchmark
  public String staticRoute() {
    return lookup(staticPath);
  }

  @Benchmark
  public String oneParam() {
    return lookup(oneParam);
  }

  @Benchmark
  public String threeParams() {
    return lookup(threeParams);
  }

  /** A miss also probes the path with a trailing slash added, for the redirect hint. */
  @Benchmark
  public String miss() {
    return lookup(miss);
  }

  /** What the engine does per request: reuse the params, look up by method and path. */
  private String lookup(String path) {
    params.reset(path);
    return router.find(get, path, params);
  }
}
