package dev.nonstop.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code nonstop status}: one row per instance, or the control API's JSON with {@code --json}. */
@Command(name = "status", description = "Show every instance: pid, port, state, ready, uptime, restarts, RSS, CPU; "
    + "with a gateway also rotation, active requests, req/s and p99.")
final class StatusCommand implements Callable<Integer> {
  @Mixin Main.ConfigOption config;

  @Option(names = "--json", description = "Print JSON, for scripts.")
  boolean json;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    String body = new ControlClient(config.file).call("GET", "/v1/status", Duration.ofSeconds(10));
    if (json) {
      spec.commandLine().getOut().println(body.trim());
      return 0;
    }
    JsonNode root = new ObjectMapper().readTree(body);
    List<String[]> rows = new ArrayList<>();
    // With a gateway (nonstop up with a gateway block), whether each instance takes traffic there.
    boolean gateway = root.has("upstreams");
    rows.add(gateway
        ? new String[] {"APP", "INDEX", "PID", "PORT", "STATE", "READY", "ROTATION", "ACTIVE", "REQ/S", "P99",
            "UPTIME", "RESTARTS", "RSS", "CPU"}
        : new String[] {"APP", "INDEX", "PID", "PORT", "STATE", "READY", "UPTIME", "RESTARTS", "RSS", "CPU"});
    for (JsonNode n : root.path("instances")) {
      long pid = n.path("pid").asLong();
      String[] row = {
        n.path("app").asText(),
        n.path("index").asText(),
        pid < 0 ? "-" : Long.toString(pid),
        n.path("port").asInt() == 0 ? "-" : n.path("port").asText(),
        n.path("state").asText(),
        n.path("ready").asBoolean() ? "yes" : "no",
        pid < 0 ? "-" : uptime(n.path("uptime_seconds").asDouble()),
        n.path("restarts").asText(),
        pid < 0 ? "-" : mib(n.path("rss_bytes").asLong()),
        pid < 0 ? "-" : String.format(Locale.ROOT, "%.2fs", n.path("cpu_seconds").asDouble())
      };
      if (gateway) {
        String[] wide = new String[row.length + 4];
        System.arraycopy(row, 0, wide, 0, 6);
        wide[6] = n.path("in_rotation").asBoolean() ? "in" : "out";
        wide[7] = n.path("active_requests").asText("0");
        wide[8] = n.has("requests_per_second")
            ? String.format(Locale.ROOT, "%.1f", n.path("requests_per_second").asDouble()) : "-";
        wide[9] = millis(n.path("p99_ms"));
        System.arraycopy(row, 6, wide, 10, row.length - 6);
        row = wide;
      }
      rows.add(row);
    }
    int[] width = new int[rows.get(0).length];
    for (String[] r : rows) {
      for (int i = 0; i < r.length; i++) {
        width[i] = Math.max(width[i], r[i].length());
      }
    }
    var out = spec.commandLine().getOut();
    for (String[] r : rows) {
      StringBuilder b = new StringBuilder();
      for (int i = 0; i < r.length; i++) {
        b.append(i == 0 ? "" : "  ").append(String.format("%-" + width[i] + "s", r[i]));
      }
      out.println(b.toString().stripTrailing());
    }
    // What clients saw (retries included), beside the instances' own figures above.
    for (JsonNode u : root.path("upstreams")) {
      if (u.has("requests_per_second")) {
        out.println(String.format(Locale.ROOT, "upstream %s: %.1f req/s, p99 %s", u.path("name").asText(),
            u.path("requests_per_second").asDouble(), millis(u.path("p99_ms"))));
      }
    }
    return 0;
  }

  private static String millis(JsonNode v) {
    return v.isNumber() ? String.format(Locale.ROOT, "%.1fms", v.asDouble()) : "-";
  }

  static String uptime(double seconds) {
    long s = (long) seconds;
    if (s < 60) {
      return s + "s";
    }
    if (s < 3600) {
      return (s / 60) + "m" + (s % 60) + "s";
    }
    if (s < 86400) {
      return (s / 3600) + "h" + (s % 3600 / 60) + "m";
    }
    return (s / 86400) + "d" + (s % 86400 / 3600) + "h";
  }

  static String mib(long bytes) {
    return String.format(Locale.ROOT, "%.1fMiB", bytes / 1048576.0);
  }
}
