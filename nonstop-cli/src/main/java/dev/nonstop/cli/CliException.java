package dev.nonstop.cli;

/** A failure to report as one line on stderr, with an exit code; no stack trace. */
final class CliException extends Exception {
  private final int exitCode;

  CliException(String message) {
    this(message, 1);
  }

  CliException(String message, int exitCode) {
    super(message);
    this.exitCode = exitCode;
  }

  int exitCode() {
    return exitCode;
  }
}
