package dev.nonstop.supervisor.internal;

import dev.nonstop.supervisor.AppSpec;
import java.nio.file.Path;

/**
 * The stdout and stderr files of one instance slot ({@code DIR/APP-INDEX.out.log} and
 * {@code .err.log}), open for as long as the supervisor runs. Every process of the slot writes to
 * the same two objects, the old and the new one of a rolling reload at the same time: opening a file
 * twice would give two writers that each rotate it on their own count.
 *
 * @param out where stdout goes
 * @param err where stderr goes
 */
public record LogFiles(RotatingFile out, RotatingFile err) {
  /** Opens (creates) the files of instance {@code index} of {@code spec}, as its {@code logs} says. */
  public static LogFiles open(AppSpec spec, int index) {
    Path dir = spec.logs().dir();
    long max = spec.logs().maxSize().bytes();
    int keep = spec.logs().keep();
    return new LogFiles(
        new RotatingFile(dir.resolve(spec.name() + "-" + index + ".out.log"), max, keep),
        new RotatingFile(dir.resolve(spec.name() + "-" + index + ".err.log"), max, keep));
  }

  /** Closes both. */
  public void close() {
    out.close();
    err.close();
  }
}
