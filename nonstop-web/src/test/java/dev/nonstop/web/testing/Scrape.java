package dev.nonstop.web.testing;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;

/**
 * A parsed Prometheus text exposition (format 0.0.4), so tests match samples by name and labels
 * whatever order the labels come in.
 */
public record Scrape(List<Sample> samples) {
  /** One sample line. */
  public record Sample(String name, Map<String, String> labels, double value) {
    boolean has(Map<String, String> subset) {
      return labels.entrySet().containsAll(subset.entrySet());
    }
  }

  /** Parses a scrape; comment and blank lines are skipped. */
  public static Scrape parse(String text) {
    List<Sample> out = new ArrayList<>();
    for (String line : text.split("\n")) {
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      int brace = line.indexOf('{');
      int space = line.indexOf(' ');
      Map<String, String> labels = new LinkedHashMap<>();
      String name;
      int rest;
      if (brace >= 0 && brace < space) {
        name = line.substring(0, brace);
        rest = labels(line, brace + 1, labels);
      } else {
        name = line.substring(0, space);
        rest = space;
      }
      String value = line.substring(rest).trim().split(" ")[0];
      out.add(new Sample(name, labels, number(value)));
    }
    return new Scrape(List.copyOf(out));
  }

  /** The samples called {@code name} whose labels include {@code subset}. */
  public List<Sample> all(String name, Map<String, String> subset) {
    return samples.stream().filter(s -> s.name.equals(name) && s.has(subset)).toList();
  }

  /** The value of the one sample called {@code name} with these labels, if present. */
  public OptionalDouble value(String name, Map<String, String> subset) {
    List<Sample> found = all(name, subset);
    if (found.size() > 1) {
      throw new IllegalStateException(found.size() + " samples match " + name + subset + ": " + found);
    }
    return found.isEmpty() ? OptionalDouble.empty() : OptionalDouble.of(found.get(0).value);
  }

  /** Every distinct metric name. */
  public List<String> names() {
    return samples.stream().map(Sample::name).distinct().toList();
  }

  // Parses k="v",... up to the closing brace; returns the index after it.
  private static int labels(String line, int i, Map<String, String> into) {
    while (line.charAt(i) != '}') {
      int eq = line.indexOf('=', i);
      String key = line.substring(i, eq).trim();
      StringBuilder v = new StringBuilder();
      int j = eq + 2; // past ="
      for (char c = line.charAt(j); c != '"'; c = line.charAt(++j)) {
        if (c == '\\') {
          char n = line.charAt(++j);
          v.append(n == 'n' ? '\n' : n);
        } else {
          v.append(c);
        }
      }
      into.put(key, v.toString());
      i = j + 1;
      if (line.charAt(i) == ',') {
        i++;
      }
    }
    return i + 1;
  }

  private static double number(String s) {
    return switch (s) {
      case "+Inf" -> Double.POSITIVE_INFINITY;
      case "-Inf" -> Double.NEGATIVE_INFINITY;
      case "NaN" -> Double.NaN;
      default -> Double.parseDouble(s);
    };
  }
}
