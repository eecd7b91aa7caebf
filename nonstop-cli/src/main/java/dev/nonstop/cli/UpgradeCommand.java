package dev.nonstop.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code nonstop upgrade}: replaces the running {@code nonstop up} by a new one started from the
 * jar on disk now, without dropping a connection (see {@link SelfUpgrade}). Exits 0 once the new
 * process serves, 1 when the upgrade failed (the old one keeps serving). SIGUSR2 does the same.
 */
@Command(name = "upgrade", description = {"Replace the running nonstop up by a new one (the jar on disk now): "
    + "it takes the gateway's listening socket over, starts its instances, and the old one drains and exits.",
    "Same as SIGUSR2. Exit 0 when the new process serves, 1 when it failed (the old one keeps serving)."})
final class UpgradeCommand implements Callable<Integer> {
  @Mixin Main.ConfigOption config;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    String body = new ControlClient(config.file).call("POST", "/v1/upgrade",
        SelfUpgrade.TIMEOUT.plus(Duration.ofSeconds(30)));
    JsonNode n = new ObjectMapper().readTree(body);
    if ("ok".equals(n.path("result").asText())) {
      spec.commandLine().getOut().println("upgraded: pid " + n.path("pid").asLong() + " serves now (ready after "
          + n.path("elapsed_ms").asLong() + " ms); the old process drains and exits");
      return 0;
    }
    spec.commandLine().getErr().println("nonstop: upgrade failed (" + n.path("status").asText() + "): "
        + n.path("detail").asText() + "; the running nonstop up keeps serving");
    return 1;
  }
}
