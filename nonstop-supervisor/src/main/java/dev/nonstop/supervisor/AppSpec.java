package dev.nonstop.supervisor;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import dev.nonstop.core.Backoff;
import dev.nonstop.core.DataSize;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotEmpty;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * How to run one app: the {@code apps.NAME} entry of {@code nonstop.yaml}. Missing values take the
 * defaults documented on each component (the README has the same table); the YAML names are the
 * snake_case ones in {@link JsonProperty}.
 *
 * <pre>{@code
 * AppSpec hello = AppSpec.of("hello", List.of("java", "-jar", "hello.jar")).withInstances(3).withPort(9001);
 * }</pre>
 *
 * @param name the app's name (the key under {@code apps}); set by the loader, not written in YAML
 * @param command the argv to run, no shell; YAML takes a list or one string split like a shell
 *     would (quotes group words), without expanding anything
 * @param directory the working directory, relative to the config file's directory (default: that
 *     directory)
 * @param env extra environment variables on top of the supervisor's own
 * @param instances how many copies to keep running (default 1)
 * @param port instance {@code i} gets {@code PORT=port+i}; 0 picks a free port per instance, once,
 *     and keeps it across restarts; absent: no {@code PORT} (then only exec probes are possible)
 * @param autorestart when to restart an exited instance (default {@link Autorestart#ALWAYS})
 * @param startsecs how long a process must stay up to count as started (default 1 s)
 * @param startretries quick failures in a row before {@code FATAL}; -1 never gives up (default 3)
 * @param backoff the delay between quick failures (default 100 ms doubling to 15 s); reset by a
 *     stable run
 * @param stop how to stop (default SIGTERM, then SIGKILL after 30 s, to the whole process group)
 * @param health liveness and readiness probes (default: none)
 * @param maxMemory restart an instance whose RSS (its whole process tree) stays above this for two
 *     samples in a row (default: no limit)
 * @param logs where stdout and stderr go (default {@code logs/}, 10 MiB per file, 5 kept)
 * @param dependsOn apps that must be READY before this one starts; stopped in reverse order
 */
public record AppSpec(
    @JsonIgnore String name,
    @NotEmpty @JsonDeserialize(using = Argv.Deserializer.class) List<String> command,
    Path directory,
    Map<String, String> env,
    @Min(1) @Max(1024) Integer instances,
    @Min(0) @Max(65535) Integer port,
    Autorestart autorestart,
    Duration startsecs,
    @Min(-1) Integer startretries,
    @Valid BackoffSpec backoff,
    @Valid StopSpec stop,
    @Valid HealthSpec health,
    @JsonProperty("max_memory") DataSize maxMemory,
    @Valid LogSpec logs,
    @JsonProperty("depends_on") List<String> dependsOn) {

  /** Fills in the defaults. */
  public AppSpec {
    command = command == null ? List.of() : List.copyOf(command);
    directory = directory == null ? Path.of(".") : directory;
    env = env == null ? Map.of() : Map.copyOf(env);
    instances = instances == null ? 1 : instances;
    autorestart = autorestart == null ? Autorestart.ALWAYS : autorestart;
    startsecs = startsecs == null ? Duration.ofSeconds(1) : startsecs;
    startretries = startretries == null ? 3 : startretries;
    backoff = backoff == null ? new BackoffSpec(null, null, null) : backoff;
    stop = stop == null ? new StopSpec(null, null) : stop;
    health = health == null ? new HealthSpec(null, null) : health;
    logs = logs == null ? new LogSpec(null, null, null) : logs;
    dependsOn = dependsOn == null ? List.of() : List.copyOf(dependsOn);
  }

  /** An app with every default and the given command. */
  public static AppSpec of(String name, List<String> command) {
    return new AppSpec(
        name, command, null, null, null, null, null, null, null, null, null, null, null, null, null);
  }

  /** A copy with another name. */
  public AppSpec withName(String n) {
    return new AppSpec(n, command, directory, env, instances, port, autorestart, startsecs,
        startretries, backoff, stop, health, maxMemory, logs, dependsOn);
  }

  /** A copy with another number of instances. */
  public AppSpec withInstances(int n) {
    return new AppSpec(name, command, directory, env, n, port, autorestart, startsecs,
        startretries, backoff, stop, health, maxMemory, logs, dependsOn);
  }

  /** A copy with another base port (0: free ports). */
  public AppSpec withPort(Integer p) {
    return new AppSpec(name, command, directory, env, instances, p, autorestart, startsecs,
        startretries, backoff, stop, health, maxMemory, logs, dependsOn);
  }

  /** A copy with another working directory. */
  public AppSpec withDirectory(Path d) {
    return new AppSpec(name, command, d, env, instances, port, autorestart, startsecs,
        startretries, backoff, stop, health, maxMemory, logs, dependsOn);
  }

  /** A copy with another log spec. */
  public AppSpec withLogs(LogSpec l) {
    return new AppSpec(name, command, directory, env, instances, port, autorestart, startsecs,
        startretries, backoff, stop, health, maxMemory, l, dependsOn);
  }

  /** When an exited instance is started again. */
  public enum Autorestart {
    /** Whatever the exit code. */
    @JsonProperty("always")
    ALWAYS,
    /** Only after a non-zero exit code or a signal. */
    @JsonProperty("on-failure")
    ON_FAILURE,
    /** Never; the instance stays EXITED. */
    @JsonProperty("never")
    NEVER
  }

  /**
   * {@code backoff:} the delay between quick failures in a row.
   *
   * @param initial the first delay (default 100 ms)
   * @param max the cap (default 15 s)
   * @param multiplier growth per failure (default 2)
   */
  public record BackoffSpec(Duration initial, Duration max, @Min(1) Double multiplier) {
    /** Fills in the defaults. */
    public BackoffSpec {
      initial = initial == null ? Backoff.DEFAULT.initial() : initial;
      max = max == null ? Backoff.DEFAULT.max() : max;
      multiplier = multiplier == null ? Backoff.DEFAULT.multiplier() : multiplier;
    }

    /** As the core type. */
    public Backoff toBackoff() {
      return new Backoff(initial, max, multiplier);
    }
  }

  /**
   * {@code stop:} how an instance is asked to stop.
   *
   * @param signal sent to the instance's whole process group (default TERM)
   * @param timeout then SIGKILL to the group and every descendant (default 30 s)
   */
  public record StopSpec(dev.nonstop.core.Signal signal, Duration timeout) {
    /** Fills in the defaults. */
    public StopSpec {
      signal = signal == null ? dev.nonstop.core.Signal.TERM : signal;
      timeout = timeout == null ? Duration.ofSeconds(30) : timeout;
    }
  }

  /**
   * {@code health:} the two probes, each optional.
   *
   * @param liveness failing {@code failures} times in a row restarts the instance
   * @param readiness flips READY / NOT_READY; never restarts
   */
  public record HealthSpec(@Valid ProbeSpec liveness, @Valid ProbeSpec readiness) {}

  /**
   * One probe, Kubernetes style: exactly one of {@code http}, {@code tcp}, {@code exec}.
   *
   * @param http a path, probed with GET on the instance's port; 2xx and 3xx pass
   * @param tcp {@code true}: a TCP connect to the instance's port passes
   * @param exec a command run in the app's directory; exit 0 passes
   * @param period time between probes (default 2 s)
   * @param timeout a probe slower than this fails (default 1 s)
   * @param failures failures in a row that count (default 3)
   * @param initialDelay wait this long after the process starts before the first probe (default 0)
   */
  public record ProbeSpec(
      String http,
      Boolean tcp,
      @JsonDeserialize(using = Argv.Deserializer.class) List<String> exec,
      Duration period,
      Duration timeout,
      @Min(1) Integer failures,
      @JsonProperty("initial_delay") Duration initialDelay) {
    /** Fills in the defaults. */
    public ProbeSpec {
      period = period == null ? Duration.ofSeconds(2) : period;
      timeout = timeout == null ? Duration.ofSeconds(1) : timeout;
      failures = failures == null ? 3 : failures;
      initialDelay = initialDelay == null ? Duration.ZERO : initialDelay;
      exec = exec == null ? null : List.copyOf(exec);
    }

    /** An HTTP probe of {@code path} with the other defaults. */
    public static ProbeSpec http(String path) {
      return new ProbeSpec(path, null, null, null, null, null, null);
    }
  }

  /**
   * {@code logs:} where each instance's stdout and stderr go: {@code DIR/APP-INDEX.out.log} and
   * {@code .err.log}, rotated by size to {@code .1 ... .keep}.
   *
   * @param dir relative to the config file's directory (default {@code logs})
   * @param maxSize rotate when a file would grow past this (default 10 MiB)
   * @param keep rotated files kept per stream (default 5)
   */
  public record LogSpec(Path dir, @JsonProperty("max_size") DataSize maxSize, @Min(0) Integer keep) {
    /** Fills in the defaults. */
    public LogSpec {
      dir = dir == null ? Path.of("logs") : dir;
      maxSize = maxSize == null ? DataSize.ofMiB(10) : maxSize;
      keep = keep == null ? 5 : keep;
    }
  }
}
