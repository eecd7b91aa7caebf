package dev.nonstop.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code nonstop start|stop|restart APP[:INDEX]}: one call to the control API each. */
final class ControlCommands {
  private ControlCommands() {}

  abstract static class Action implements Callable<Integer> {
    @Mixin Main.ConfigOption config;

    @Parameters(paramLabel = "APP[:INDEX]", description = "An app (all its instances) or one instance, like hello:1.")
    String target;

    @Spec CommandSpec spec;

    abstract String verb();

    @Override
    public Integer call() throws Exception {
      String body = new ControlClient(config.file).call("POST",
          "/v1/" + verb() + "/" + URLEncoder.encode(target, StandardCharsets.UTF_8), null);
      JsonNode n = new ObjectMapper().readTree(body);
      List<String> ids = new ArrayList<>();
      n.path("instances").forEach(i -> ids.add(i.asText()));
      spec.commandLine().getOut().println(n.path("result").asText() + ": " + String.join(" ", ids));
      return 0;
    }
  }

  @Command(name = "start", description = "Start an app's instances, or one instance, if not running.")
  static final class Start extends Action {
    @Override
    String verb() {
      return "start";
    }
  }

  @Command(name = "stop", description = "Stop an app's instances, or one instance (signal, then SIGKILL after the timeout).")
  static final class Stop extends Action {
    @Override
    String verb() {
      return "stop";
    }
  }

  @Command(name = "restart", description = "Restart an app's instances one at a time, each READY before the next.")
  static final class Restart extends Action {
    @Override
    String verb() {
      return "restart";
    }
  }
}
