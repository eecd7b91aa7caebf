package dev.nonstop.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nonstop.cli.testing.Cli;
import dev.nonstop.cli.testing.Load;
import dev.nonstop.cli.testing.UpProcess;
import java.awt.image.BufferedImage;
import java.io.File;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The status page of a real {@code nonstop up} (the packaged jar, three hello instances behind the
 * gateway) under traffic: its JSON, that it needs no token while {@code /v1} still does, and what
 * headless Chromium renders (a screenshot, kept as {@code target/status-page.png}, and the DOM after
 * the page's script ran).
 */
class StatusPageIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  @TempDir Path dir;
  private UpProcess up;
  private Load load;

  @AfterEach
  void cleanUp() throws Exception {
    if (load != null) {
      load.close();
    }
    if (up != null) {
      up.close();
    }
  }

  @Test
  void statusPageShowsInstancesTrafficAndEventsWithoutAToken() throws Exception {
    String chromium = chromium(); // first: without it there is nothing to wait for
    String admin = up();
    load = Load.start(up.gateway(), 4);
    await().atMost(Duration.ofSeconds(10)).until(() -> load.ok() > 200);

    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      JsonNode s = statusJson(admin);
      JsonNode u = s.path("upstreams").get(0);
      assertThat(u.path("name").asText()).isEqualTo("hello");
      assertThat(u.path("requests_per_second").asDouble()).as(u.toString()).isGreaterThan(0);
      assertThat(u.path("p99_ms").isNumber()).as(u.toString()).isTrue();
      assertThat(u.path("series").path("rps").size()).isGreaterThan(1);
      assertThat(u.path("servers")).hasSize(3);
      // Each instance's own figures: every one answers (round robin), and together they are what
      // the upstream answered (no retries here), sampled in the same second.
      double sum = 0;
      for (JsonNode i : s.path("apps").get(0).path("instances")) {
        assertThat(i.path("requests_per_second").asDouble()).as(i.toString()).isGreaterThan(0);
        assertThat(i.path("p99_ms").isNumber()).as(i.toString()).isTrue();
        sum += i.path("requests_per_second").asDouble();
      }
      assertThat(sum).isCloseTo(u.path("requests_per_second").asDouble(),
          org.assertj.core.api.Assertions.withinPercentage(20));
      for (JsonNode srv : u.path("servers")) {
        assertThat(srv.path("requests_per_second").asDouble()).as(srv.toString()).isGreaterThan(0);
      }
    });
    JsonNode s = statusJson(admin);
    assertThat(s.path("summary").path("ready").asInt()).isEqualTo(3);
    JsonNode instances = s.path("apps").get(0).path("instances");
    assertThat(instances).hasSize(3);
    for (JsonNode i : instances) {
      assertThat(i.path("state").asText()).isEqualTo("READY");
      assertThat(i.path("in_rotation").asBoolean()).isTrue();
    }
    assertThat(s.path("events").findValuesAsText("to")).contains("READY");
    assertThat(s.path("events").size()).isBetween(3, 20);

    HttpResponse<String> page = get(admin + "/status", null);
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/html"));
    // Server-rendered: readable before (or without) the script.
    assertThat(Pattern.compile("class=\"instance s-READY\"").matcher(page.body()).results().count()).isEqualTo(3);
    assertThat(get(admin + "/v1/status", null).statusCode()).isEqualTo(401);
    String token = up.token();
    HttpResponse<String> v1 = get(admin + "/v1/status", token);
    assertThat(v1.statusCode()).isEqualTo(200);
    assertThat(JSON.readTree(v1.body()).path("upstreams").get(0).has("requests_per_second")).isTrue();
    Cli.Result status = Cli.run(up.config(), "status");
    assertThat(status.code()).as(status.err()).isZero();
    String table = status.out();
    assertThat(table).containsPattern("(?m)^upstream hello: [0-9.]+ req/s, p99 ");
    assertThat(table).containsPattern("(?m)^APP .* ROTATION +ACTIVE +REQ/S +P99 ");
    // Three instance rows in rotation, each with its own req/s and p99 (e.g. "in  1  412.0  3.1ms").
    assertThat(Pattern.compile("(?m)^hello .* in +[0-9]+ +[0-9]+\\.[0-9] +[0-9]+\\.[0-9]ms ")
        .matcher(table).results().count()).as(table).isEqualTo(3);

    Path png = dir.resolve("status.png");
    chromium(chromium, "--screenshot=" + png, "--window-size=1280,900", "--virtual-time-budget=3000", admin + "/status");
    assertThat(png).exists();
    assertThat(Files.size(png)).isGreaterThan(10_000);
    BufferedImage image = ImageIO.read(png.toFile());
    assertThat(image.getWidth()).isEqualTo(1280);
    assertThat(image.getHeight()).isEqualTo(900);
    assertThat(colors(image)).isGreaterThan(10);
    Path kept = Path.of("target", "status-page.png").toAbsolutePath();
    Files.copy(png, kept, StandardCopyOption.REPLACE_EXISTING);
    System.out.println("status page screenshot: " + kept);

    String dom = chromium(chromium, "--dump-dom", "--virtual-time-budget=3000", admin + "/status");
    assertThat(dom).contains("data-live=\"yes\""); // the script fetched /status.json and redrew
    assertThat(dom).contains("<span id=\"instance-count\">3</span>");
    assertThat(Pattern.compile("class=\"instance s-READY\"").matcher(dom).results().count()).isEqualTo(3);
    assertThat(dom).contains("<svg class=\"spark rps\"").contains("<polyline points=");
  }

  private String up() throws Exception {
    // Round robin, so that every instance answers in every second the sampler looks at.
    up = UpProcess.start(dir, UpProcess.helloBehindGateway()
        .replace("balance: least_conn", "balance: round_robin"), "up.out");
    up.awaitReadyAndInRotation(3);
    return up.admin();
  }

  private static HttpResponse<String> get(String url, String token) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10));
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static JsonNode statusJson(String admin) throws Exception {
    HttpResponse<String> r = get(admin + "/status.json", null); // no token: read-only, like /metrics
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return JSON.readTree(r.body());
  }

  /** The Chromium binary on PATH; CI installs it (.ci/run), so its absence fails rather than skips. */
  private static String chromium() {
    for (String name : List.of("chromium", "chromium-browser")) {
      for (String d : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
        if (!d.isEmpty() && Files.isExecutable(Path.of(d, name))) {
          return Path.of(d, name).toString();
        }
      }
    }
    return fail("no chromium or chromium-browser on PATH: install it (apt-get install -y chromium; .ci/run does)");
  }

  /** Runs headless Chromium with {@code args}; returns its stdout. */
  private String chromium(String binary, String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(binary, "--headless=new", "--no-sandbox", "--disable-gpu",
        "--disable-dev-shm-usage", "--hide-scrollbars", "--user-data-dir=" + dir.resolve("chromium-profile")));
    cmd.addAll(List.of(args));
    Path out = Files.createTempFile(dir, "chromium-stdout", ".txt");
    Path err = dir.resolve("chromium.out");
    Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile())
        .redirectError(ProcessBuilder.Redirect.appendTo(err.toFile())).start();
    if (!p.waitFor(90, TimeUnit.SECONDS)) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
      fail("chromium did not finish within 90 s: " + String.join(" ", cmd));
    }
    assertThat(p.exitValue()).as("chromium exit code; stderr in chromium.out").isZero();
    return Files.readString(out);
  }

  // Distinct colours on a coarse grid: a blank or one-colour page has one or two.
  private static long colors(BufferedImage image) {
    java.util.Set<Integer> seen = new java.util.HashSet<>();
    for (int y = 0; y < image.getHeight(); y += 7) {
      for (int x = 0; x < image.getWidth(); x += 7) {
        seen.add(image.getRGB(x, y));
      }
    }
    return seen.size();
  }
}
