package dev.nonstop.web;

/**
 * One liveness or readiness check. It passes by returning normally and fails by throwing (the
 * message is reported); a check that overruns the engine's check timeout also fails.
 *
 * <pre>{@code app.health().readiness("db", () -> { try (var c = ds.getConnection()) { c.isValid(1); } }); }</pre>
 */
@FunctionalInterface
public interface HealthCheck {
  /** Runs the check; throw to report failure. */
  void check() throws Exception;
}
