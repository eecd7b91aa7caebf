package dev.nonstop.core.config;

import java.util.Objects;

/**
 * One semantic problem a caller's check found in a bound config; the loader adds the file and the
 * line.
 *
 * <pre>{@code
 * new ConfigProblem("apps.web.depends_on[0]", "'db' (expected: one of web, worker)")
 * }</pre>
 *
 * @param keyPath the dotted YAML key path, with list indexes in brackets; the line of the nearest
 *     key that is written in the file is reported when this one is not (a missing key)
 * @param message what is wrong, naming the value and the expectation
 */
public record ConfigProblem(String keyPath, String message) {
  /** Checks that both parts are present. */
  public ConfigProblem {
    Objects.requireNonNull(keyPath, "keyPath");
    Objects.requireNonNull(message, "message");
  }
}
