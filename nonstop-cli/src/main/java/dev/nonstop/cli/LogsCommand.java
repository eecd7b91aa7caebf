package dev.nonstop.cli;

import java.io.InputStreamReader;
import java.io.Reader;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code nonstop logs APP[:INDEX] [-f] [--err]}: the last lines of an instance's output. */
@Command(name = "logs", description = "Print the last lines of an app's (or one instance's) stdout or stderr; -f follows.")
final class LogsCommand implements Callable<Integer> {
  @Mixin Main.ConfigOption config;

  @Parameters(paramLabel = "APP[:INDEX]", description = "An app (lines prefixed with the instance) or one instance.")
  String target;

  @Option(names = {"-f", "--follow"}, description = "Keep printing new lines, across rotations, until interrupted.")
  boolean follow;

  @Option(names = "--err", description = "stderr instead of stdout.")
  boolean err;

  @Option(names = {"-n", "--lines"}, defaultValue = "50", description = "How many lines to print first (default: ${DEFAULT-VALUE}).")
  int lines;

  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    String path = "/v1/logs/" + URLEncoder.encode(target, StandardCharsets.UTF_8)
        + "?lines=" + lines + "&err=" + err + "&follow=" + follow;
    try (Reader in = new InputStreamReader(new ControlClient(config.file).stream(path), StandardCharsets.UTF_8)) {
      var out = spec.commandLine().getOut();
      char[] buf = new char[8192];
      for (int n; (n = in.read(buf)) > 0; ) {
        out.write(buf, 0, n);
        out.flush();
      }
    }
    return 0;
  }
}
