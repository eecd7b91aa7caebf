package dev.nonstop.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code nonstop reload [APP]}: a rolling reload of one app from the config file as it is now, or,
 * without an app, the whole file (gateway rules and every app whose definition changed). Prints the
 * progress as the running {@code nonstop up} reports it; exits 0 when the reload is done, 1 when it
 * failed (the old instances keep serving).
 *
 * <p>{@code --config} stays the config-file option it is on every command ({@code -c}), so a reload
 * of the whole file is spelled without an app rather than {@code reload --config}.
 */
@Command(name = "reload",
    description = {"Replace an app's instances one at a time, each new one READY before an old one drains and stops.",
        "Without APP: re-read the whole config file (gateway routes and upstreams, apps whose definition changed)."})
final class ReloadCommand implements Callable<Integer> {
  @Mixin Main.ConfigOption config;

  @Parameters(paramLabel = "APP", arity = "0..1", description = "The app to reload (default: the whole config file).")
  String app;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    String path = app == null ? "/v1/reload" : "/v1/reload/" + URLEncoder.encode(app, StandardCharsets.UTF_8);
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    ObjectMapper json = new ObjectMapper();
    try (InputStream in = new ControlClient(config.file).stream("POST", path);
        BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
      String line;
      String last = null;
      while ((line = r.readLine()) != null) {
        if (line.isBlank()) {
          continue;
        }
        JsonNode n = json.readTree(line);
        if (n.has("progress")) {
          last = n.get("progress").asText();
          out.println(last);
        } else if (n.has("result")) {
          boolean ok = "ok".equals(n.path("result").asText());
          String message = n.path("message").asText();
          if (!ok) {
            err.println("nonstop: reload failed: " + message);
          } else if (!message.equals(last)) { // a rollout's last progress line is its result already
            out.println(message);
          }
          return ok ? 0 : 1;
        }
      }
    } catch (IOException e) {
      throw new CliException("the reload's progress stream broke off: " + e.getMessage()
          + " (see `nonstop status` for where it got to)");
    }
    throw new CliException("the reload's progress stream ended without a result (see `nonstop status`)");
  }
}
