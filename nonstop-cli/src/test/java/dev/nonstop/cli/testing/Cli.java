package dev.nonstop.cli.testing;

import dev.nonstop.cli.Main;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;

/** Runs a {@code nonstop} command in the test's JVM, as a user would in a shell, with {@code -c CONFIG}. */
public final class Cli {
  private Cli() {}

  /** What a command did: its exit code and what it printed. */
  public record Result(int code, String out, String err) {}

  /** Runs {@code nonstop ARGS... -c config}. */
  public static Result run(Path config, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    String[] all = new String[args.length + 2];
    System.arraycopy(args, 0, all, 0, args.length);
    all[args.length] = "-c";
    all[args.length + 1] = config.toString();
    int code = Main.execute(new PrintWriter(out, true), new PrintWriter(err, true), all);
    return new Result(code, out.toString(), err.toString());
  }
}
