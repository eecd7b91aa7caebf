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
 * @param rollout how {@link Supervisor#reload} replaces the instances (default: one extra at a time,
 *     never fewer than {@code instances} READY, 60 s for each new one to be READY; for an app on
 *     fixed ports, {@link RolloutSpec#IN_PLACE}, so that its instances keep their ports)
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
    @JsonProperty("depends_on") List<String> dependsOn,
    @Valid RolloutSpec rollout) {

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
    // A new instance beside the old one needs another port; an app that clients reach on fixed
    // ports keeps them instead, one instance at a time out of rotation.
    rollout = rollout != null ? rollout : port != null && port > 0 ? RolloutSpec.IN_PLACE : RolloutSpec.DEFAULT;
  }

  /** As the canonical constructor, with the default {@code rollout}: the form before rollouts existed. */
  public AppSpec(String name, List<String> command, Path directory, Map<String, String> env,
      Integer instances, Integer port, Autorestart autorestart, Duration startsecs, Integer startretries,
      BackoffSpec backoff, StopSpec stop, HealthSpec health, DataSize maxMemory, LogSpec logs,
      List<String> dependsOn) {
    this(name, command, directory, env, instances, port, autorestart, startsecs, startretries, backoff,
        stop, health, maxMemory, logs, dependsOn, null);
  }

  /** An app with every default and the given command. */
  public static AppSpec of(String name, List<String> command) {
    return new AppSpec(
        name, command, null, null, null, null, null, null, null, null, null, null, null, null, null, null);
  }

  /** A copy with another name. */
  public AppSpec withName(String n) {
    return new AppSpec(n, command, directory, env, instances, port, autorestart, startsecs,
        startretries, backoff, stop, health, maxMemory, logs, dependsOn, rollout);
  }

  /** A copy with another number of instances. */
  public AppSpec withInstances(int n) {
    return new AppSpec(name, command, directory, env, n, port, autorestart, startsecs,
        startretries, backoff, stop, health, maxMemory, logs, dependsOn, rollout);
  }

  /** A copy with another base port (0: free ports). */
  public AppSpec withPort(Integer p) {
    return new AppSpec(name, command, directory, env, instances, p, autorestart, startsecs,
        startretries, backoff, stop, health, maxMemory, logs, dependsOn, rollout);
  }

  /** A copy with another working directory. */
  public AppSpec withDirectory(Path d) {
    return new AppSpec(name, command, d, env, instances, port, autorestart, startsecs,
        startretries, backoff, stop, health, maxMemory, logs, dependsOn, rollout);
  }

  /** A copy with another log spec. */
  public AppSpec withLogs(LogSpec l) {
    return new AppSpec(name, command, directory, env, instances, port, autorestart, startsecs,
        startretries, backoff, stop, health, maxMemory, l, dependsOn, rollout);
  }

  /** A copy with another command. */
  public AppSpec withCommand(List<String> c) {
    return new AppSpec(name, c, directory, env, instances, port, autorestart, startsecs,
        startretries, backoff, stop, health, maxMemory, logs, dependsOn, rollout);
  }

  /** A copy with other extra environment variables. */
  public AppSpec withEnv(Map<String, String> e) {
    return new AppSpec(name, command, directory, e, instances, port, autorestart, startsecs,
        startretries, backoff, stop, health, maxMemory, logs, dependsOn, rollout);
  }

  /** A copy with another stop spec. */
  public AppSpec withStop(StopSpec s) {
    return new AppSpec(name, command, directory, env, instances, port, autorestart, startsecs,
        startretries, backoff, s, health, maxMemory, logs, dependsOn, rollout);
  }

  /** A copy with another rollout policy. */
  public AppSpec withRollout(RolloutSpec r) {
    return new AppSpec(name, command, directory, env, instances, port, autorestart, startsecs,
        startretries, backoff, stop, health, maxMemory, logs, dependsOn, r);
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
   * @param drain with a drainer set ({@link Supervisor#drainWith}), how long a READY or NOT_READY
   *     instance may take to finish its in-flight requests, out of rotation, before the signal is
   *     sent; 0 tells the drainer but does not wait for it (default 30 s)
   */
  public record StopSpec(dev.nonstop.core.Signal signal, Duration timeout, Duration drain) {
    /** The default {@code drain}. */
    public static final Duration DEFAULT_DRAIN = Duration.ofSeconds(30);

    /** Fills in the defaults; refuses a negative {@code drain}. */
    public StopSpec {
      signal = signal == null ? dev.nonstop.core.Signal.TERM : signal;
      timeout = timeout == null ? Duration.ofSeconds(30) : timeout;
      drain = drain == null ? DEFAULT_DRAIN : drain;
      if (drain.isNegative()) {
        throw new IllegalArgumentException("drain: " + drain.toMillis() + "ms (expected: >= 0)");
      }
    }

    /** Signal and timeout, with the default {@code drain}: the form before draining existed. */
    public StopSpec(dev.nonstop.core.Signal signal, Duration timeout) {
      this(signal, timeout, null);
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

  /**
   * {@code rollout:} how {@link Supervisor#reload} replaces an app's instances, Kubernetes' rolling
   * update in small: slots go in batches of {@code max_surge + max_unavailable}; in each batch the
   * first {@code max_surge} slots start their new instance next to the old one, the others stop the
   * old one first. So at most {@code instances + max_surge} processes run, and at least
   * {@code instances - max_unavailable} instances are READY throughout (as far as the old ones stay
   * healthy).
   *
   * @param maxSurge extra instances a rollout may run at once (default 1, >= 0)
   * @param maxUnavailable instances a rollout may take down before their replacement is READY
   *     (default 0, >= 0); {@code max_surge + max_unavailable} must be at least 1
   * @param readyTimeout how long a new instance has to become READY before the rollout gives up on
   *     it and stops (default 60 s, > 0)
   */
  public record RolloutSpec(
      @JsonProperty("max_surge") Integer maxSurge,
      @JsonProperty("max_unavailable") Integer maxUnavailable,
      @JsonProperty("ready_timeout") Duration readyTimeout) {
    /** The defaults: {@code max_surge: 1, max_unavailable: 0, ready_timeout: 60s}. */
    public static final RolloutSpec DEFAULT = new RolloutSpec(null, null, null);
    /**
     * One instance at a time replaced in place ({@code max_surge: 0, max_unavailable: 1}): the old
     * one drains and stops, the new one starts on the same port. The default for an app with a fixed
     * {@code port}, whose clients may not go through the gateway.
     */
    public static final RolloutSpec IN_PLACE = new RolloutSpec(0, 1, null);

    /** Fills in the defaults and checks the values (the constraints on the components). */
    public RolloutSpec {
      maxSurge = maxSurge == null ? 1 : maxSurge;
      maxUnavailable = maxUnavailable == null ? 0 : maxUnavailable;
      readyTimeout = readyTimeout == null ? Duration.ofSeconds(60) : readyTimeout;
      if (maxSurge < 0) {
        throw new IllegalArgumentException("max_surge: " + maxSurge + " (expected: >= 0)");
      }
      if (maxUnavailable < 0) {
        throw new IllegalArgumentException("max_unavailable: " + maxUnavailable + " (expected: >= 0)");
      }
      if (maxSurge + maxUnavailable < 1) {
        // Neither an extra instance nor a missing one: nothing could ever be replaced.
        throw new IllegalArgumentException(
            "max_surge: 0 and max_unavailable: 0 (expected: max_surge + max_unavailable >= 1)");
      }
      if (readyTimeout.isNegative() || readyTimeout.isZero()) {
        throw new IllegalArgumentException("ready_timeout: " + readyTimeout.toMillis() + "ms (expected: > 0)");
      }
    }
  }
}
