package dev.nonstop.core;

import java.util.Locale;

/**
 * The POSIX signals a config may name for stopping a process. Numbers are Linux's (x86-64 and
 * arm64 agree on these).
 */
public enum Signal {
  /** Hang-up; many daemons reload on it. */
  HUP(1),
  /** Interrupt, as from Ctrl-C. */
  INT(2),
  /** Quit; the JVM prints a thread dump and keeps running. */
  QUIT(3),
  /** Kill; cannot be caught. */
  KILL(9),
  /** User signal 1. */
  USR1(10),
  /** User signal 2. */
  USR2(12),
  /** Terminate: the polite default. */
  TERM(15);

  private final int number;

  Signal(int number) {
    this.number = number;
  }

  /** The signal's number, for {@code kill -NUMBER}. */
  public int number() {
    return number;
  }

  /**
   * Parses {@code TERM}, {@code SIGTERM}, {@code term} or {@code 15}.
   *
   * @throws IllegalArgumentException naming the value and the accepted names
   */
  public static Signal parse(String s) {
    String t = s.trim().toUpperCase(Locale.ROOT);
    if (t.startsWith("SIG")) {
      t = t.substring(3);
    }
    for (Signal sig : values()) {
      if (sig.name().equals(t) || Integer.toString(sig.number).equals(t)) {
        return sig;
      }
    }
    throw new IllegalArgumentException(
        "'" + s + "' (expected: one of TERM, INT, HUP, QUIT, KILL, USR1, USR2, with or without SIG)");
  }
}
