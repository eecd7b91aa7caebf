package dev.nonstop.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The {@code nonstop} command.
 *
 * <pre>
 * nonstop up [-c nonstop.yaml]              run the supervisor in the foreground, JSON logs on stdout
 * nonstop status [--json]                   one row per instance
 * nonstop start|stop|restart APP[:INDEX]
 * nonstop reload [APP]                      rolling reload of an app, or of the whole config file
 * nonstop upgrade                           a new nonstop up takes the gateway over; the old one drains
 * nonstop demo                              the hello example behind the gateway, with what to try
 * nonstop logs APP[:INDEX] [-f] [--err] [-n LINES]
 * </pre>
 *
 * <p>Exit codes: 0 done; 1 it failed (no supervisor, refused token, unknown app); 2 bad usage or a
 * bad config file.
 */
@Command(
    name = "nonstop",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    description = "Keeps your services up: supervises their instances and controls a running supervisor.",
    subcommands = {
      UpCommand.class,
      StatusCommand.class,
      ControlCommands.Start.class,
      ControlCommands.Stop.class,
      ControlCommands.Restart.class,
      ReloadCommand.class,
      UpgradeCommand.class,
      DemoCommand.class,
      LogsCommand.class,
      GatewayCommand.class
    })
public final class Main implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  /** Runs the command line and exits with its code. */
  public static void main(String[] args) {
    System.exit(execute(args));
  }

  /** Runs the command line and returns its exit code. */
  public static int execute(String... args) {
    return execute(new PrintWriter(System.out, true), new PrintWriter(System.err, true), args);
  }

  /** Runs the command line with its output going to {@code out} and {@code err}; returns the exit code. */
  public static int execute(PrintWriter out, PrintWriter err, String... args) {
    CommandLine cmd = new CommandLine(new Main()).setOut(out).setErr(err);
    cmd.setExecutionExceptionHandler((ex, line, parsed) -> {
      if (ex instanceof CliException c) {
        line.getErr().println("nonstop: " + c.getMessage());
        return c.exitCode();
      }
      throw ex;
    });
    return cmd.execute(args);
  }

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** {@code -c FILE}, shared by every subcommand. */
  static final class ConfigOption {
    @Option(
        names = {"-c", "--config"},
        paramLabel = "FILE",
        defaultValue = "nonstop.yaml",
        description = "The config file (default: ${DEFAULT-VALUE} in the current directory).")
    Path file;
  }

  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = Main.class.getPackage().getImplementationVersion();
      return new String[] {"nonstop " + (v == null ? "dev" : v)};
    }
  }
}
