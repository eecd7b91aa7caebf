package dev.nonstop.core.config;

import java.nio.file.Path;
import java.util.Objects;

/**
 * A config file that cannot be used, with where and why: {@code getMessage()} reads
 * {@code nonstop.yaml:12: apps.hello.instances: 0 (expected: >= 1)}, like a compiler error, so
 * editors and terminals can jump to the line. The line is left out when unknown (an unreadable or
 * empty file), the key path when the problem is the file as a whole.
 */
public final class ConfigException extends RuntimeException {
  private final Path file;
  private final String keyPath;
  private final int line;
  private final String problem;

  /**
   * A problem at {@code keyPath} on {@code line} of {@code file}.
   *
   * @param file the file as the user named it; shown as given, not made absolute
   * @param keyPath the dotted YAML key path such as {@code apps.hello.health.liveness.period}, or
   *     {@code ""} for the file as a whole
   * @param line 1-based, or 0 when unknown
   * @param problem what is wrong, naming the value and the expectation
   * @param cause the underlying failure, or null
   */
  public ConfigException(Path file, String keyPath, int line, String problem, Throwable cause) {
    super(format(file, keyPath, line, problem), cause);
    this.file = Objects.requireNonNull(file, "file");
    this.keyPath = Objects.requireNonNull(keyPath, "keyPath");
    if (line < 0) {
      throw new IllegalArgumentException("line: " + line + " (expected: >= 0)");
    }
    this.line = line;
    this.problem = Objects.requireNonNull(problem, "problem");
  }

  /** A problem without an underlying exception. */
  public ConfigException(Path file, String keyPath, int line, String problem) {
    this(file, keyPath, line, problem, null);
  }

  private static String format(Path file, String keyPath, int line, String problem) {
    StringBuilder b = new StringBuilder().append(file);
    if (line > 0) {
      b.append(':').append(line);
    }
    b.append(": ");
    if (!keyPath.isEmpty()) {
      b.append(keyPath).append(": ");
    }
    return b.append(problem).toString();
  }

  /** The file as the user named it. */
  public Path file() {
    return file;
  }

  /** The dotted YAML key path, {@code ""} for the file as a whole. */
  public String keyPath() {
    return keyPath;
  }

  /** The 1-based line, 0 when unknown. */
  public int line() {
    return line;
  }

  /** What is wrong, without the location: {@code 0 (expected: >= 1)}. */
  public String problem() {
    return problem;
  }
}
