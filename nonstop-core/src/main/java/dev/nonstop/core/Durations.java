package dev.nonstop.core;

import java.time.Duration;
import java.util.Locale;

/**
 * Durations as people write them in config: {@code 100ms}, {@code 2s}, {@code 1.5s}, {@code 5m},
 * {@code 1h}, {@code 1m30s}; a bare number is seconds ({@code startsecs: 1}), as in supervisord.
 */
public final class Durations {
  private Durations() {}

  /**
   * Parses a duration.
   *
   * @throws IllegalArgumentException naming the value and the expected forms
   */
  public static Duration parse(String s) {
    String t = s.trim().toLowerCase(Locale.ROOT);
    if (t.isEmpty()) {
      throw bad(s);
    }
    try {
      if (t.chars().allMatch(c -> Character.isDigit(c) || c == '.')) {
        return nanos(Double.parseDouble(t) * 1e9, s);
      }
      double total = 0;
      int i = 0;
      while (i < t.length()) {
        int start = i;
        while (i < t.length() && (Character.isDigit(t.charAt(i)) || t.charAt(i) == '.')) {
          i++;
        }
        if (start == i) {
          throw bad(s);
        }
        double v = Double.parseDouble(t.substring(start, i));
        int u = i;
        while (i < t.length() && Character.isLetter(t.charAt(i))) {
          i++;
        }
        total +=
            v
                * switch (t.substring(u, i)) {
                  case "ns" -> 1d;
                  case "us", "µs" -> 1e3;
                  case "ms" -> 1e6;
                  case "s" -> 1e9;
                  case "m" -> 60e9;
                  case "h" -> 3600e9;
                  case "d" -> 86400e9;
                  default -> throw bad(s);
                };
      }
      return nanos(total, s);
    } catch (NumberFormatException e) {
      throw bad(s);
    }
  }

  private static Duration nanos(double ns, String s) {
    if (ns > Long.MAX_VALUE || Double.isNaN(ns)) {
      throw bad(s);
    }
    return Duration.ofNanos((long) ns);
  }

  private static IllegalArgumentException bad(String s) {
    return new IllegalArgumentException(
        "'" + s + "' (expected: a duration like 100ms, 2s, 1.5s, 5m, 1h, or a number of seconds)");
  }

  /** Formats a duration the way {@link #parse} reads it back: {@code 100ms}, {@code 2s}, {@code 1m30s}. */
  public static String format(Duration d) {
    long ms = d.toMillis();
    if (ms % 1000 != 0 || ms == 0) {
      return ms + "ms";
    }
    long s = ms / 1000;
    StringBuilder b = new StringBuilder();
    if (s >= 3600) {
      b.append(s / 3600).append('h');
      s %= 3600;
    }
    if (s >= 60) {
      b.append(s / 60).append('m');
      s %= 60;
    }
    if (s > 0) {
      b.append(s).append('s');
    }
    return b.toString();
  }
}
