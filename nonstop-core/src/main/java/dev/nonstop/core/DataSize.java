package dev.nonstop.core;

import java.util.Locale;

/**
 * A number of bytes, written in config as {@code 512MiB}, {@code 10MB}, {@code 64k} or {@code 4096}.
 * Binary units (KiB, MiB, GiB, and the short K, M, G) are powers of 1024; decimal ones (KB, MB, GB)
 * powers of 1000, as their names say.
 *
 * @param bytes at least 0
 */
public record DataSize(long bytes) {
  /** Checks that the size is not negative. */
  public DataSize {
    if (bytes < 0) {
      throw new IllegalArgumentException("size: " + bytes + " (expected: >= 0 bytes)");
    }
  }

  /** {@code n} MiB. */
  public static DataSize ofMiB(long n) {
    return new DataSize(n << 20);
  }

  /**
   * Parses {@code 512MiB}, {@code 1.5GiB}, {@code 10MB}, {@code 64k}, {@code 4096} (bytes).
   *
   * @throws IllegalArgumentException naming the value and the expected forms
   */
  public static DataSize parse(String s) {
    String t = s.trim();
    int i = 0;
    while (i < t.length() && (Character.isDigit(t.charAt(i)) || t.charAt(i) == '.')) {
      i++;
    }
    String unit = t.substring(i).trim().toUpperCase(Locale.ROOT);
    long mult =
        switch (unit) {
          case "", "B" -> 1L;
          case "K", "KI", "KIB" -> 1L << 10;
          case "M", "MI", "MIB" -> 1L << 20;
          case "G", "GI", "GIB" -> 1L << 30;
          case "KB" -> 1_000L;
          case "MB" -> 1_000_000L;
          case "GB" -> 1_000_000_000L;
          default -> -1L;
        };
    if (i == 0 || mult < 0) {
      throw bad(s);
    }
    try {
      double v = Double.parseDouble(t.substring(0, i)) * mult;
      if (v > Long.MAX_VALUE) {
        throw bad(s);
      }
      return new DataSize((long) v);
    } catch (NumberFormatException e) {
      throw bad(s);
    }
  }

  private static IllegalArgumentException bad(String s) {
    return new IllegalArgumentException(
        "'" + s + "' (expected: a size like 512MiB, 10MB, 64KiB or a number of bytes)");
  }

  @Override
  public String toString() {
    if (bytes != 0 && bytes % (1L << 30) == 0) {
      return (bytes >> 30) + "GiB";
    }
    if (bytes != 0 && bytes % (1L << 20) == 0) {
      return (bytes >> 20) + "MiB";
    }
    if (bytes != 0 && bytes % (1L << 10) == 0) {
      return (bytes >> 10) + "KiB";
    }
    return bytes + "B";
  }
}
