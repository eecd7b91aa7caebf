package dev.nonstop.supervisor.internal;

import static dev.nonstop.core.InstanceState.BACKOFF;
import static dev.nonstop.core.InstanceState.DRAINING;
import static dev.nonstop.core.InstanceState.EXITED;
import static dev.nonstop.core.InstanceState.FATAL;
import static dev.nonstop.core.InstanceState.NOT_READY;
import static dev.nonstop.core.InstanceState.READY;
import static dev.nonstop.core.InstanceState.RUNNING;
import static dev.nonstop.core.InstanceState.STARTING;
import static dev.nonstop.core.InstanceState.STOPPED;
import static dev.nonstop.core.InstanceState.STOPPING;

import dev.nonstop.core.Backoff;
import dev.nonstop.core.DataSize;
import dev.nonstop.core.InstanceEvent;
import dev.nonstop.core.InstanceId;
import dev.nonstop.core.InstanceState;
import dev.nonstop.core.Signal;
import dev.nonstop.supervisor.AppSpec;
import dev.nonstop.supervisor.AppSpec.Autorestart;
import dev.nonstop.supervisor.Drainer;
import dev.nonstop.supervisor.InstanceStatus;
import dev.nonstop.supervisor.InstanceStatus.Role;
import java.io.IOException;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

/**
 * One instance of one app: its process, its probes and its state machine.
 *
 * <p>Every input (the process exiting, a timer, a probe verdict, a command) takes {@link #lock} and
 * checks the incarnation number it was started for, so a late event from a previous process never
 * acts on the current one. Every state change goes through {@link #become}, which checks the edge
 * against {@link InstanceState}, logs one JSON line and publishes one event, in order, under the
 * lock. Waiting (stop timeouts, drains, backoff, probe periods) happens on virtual threads outside
 * the lock.
 *
 * <p>A planned stop of a READY or NOT_READY instance, when the supervisor has a {@link Drainer},
 * goes READY -> DRAINING -> STOPPING -> STOPPED: the DRAINING event is published first (listeners
 * take it out of rotation), the drainer is waited for outside the lock, and only then the signal is
 * sent. From DRAINING on, probes and timers of that process no longer act on it.
 */
public final class Instance {
  private static final Logger log = LoggerFactory.getLogger("nonstop.supervisor");
  /**
   * Until an instance is first ready, readiness is checked after 10 ms, then at doubling intervals up
   * to this (or {@code period} if shorter): a Go binary is ready in milliseconds, a JVM in a second.
   */
  static final Duration FIRST_READY_PERIOD = Duration.ofMillis(100);
  private static final Duration FIRST_READY_START = Duration.ofMillis(10);
  /**
   * How long liveness failures are not counted while the probe has not passed once yet and no
   * {@code initial_delay} was set: the time a process may take to boot.
   */
  static final Duration BOOT_GRACE = Duration.ofSeconds(30);
  /** How often a not-yet-ready instance's failing readiness checks are logged. */
  static final int NOT_READY_YET_LOG_EVERY = 50;

  private final AppSpec spec;
  private final InstanceId id;
  private final int port;
  private final Launcher launcher;
  private final Probe liveness;
  private final Probe readiness;
  private final Consumer<InstanceEvent> sink;
  private final Supplier<Drainer> drainer;
  private final LogFiles logs;
  private final Backoff backoff;
  private final Map<String, String> env;

  private final ReentrantLock lock = new ReentrantLock();
  /** Signalled on every transition and whenever {@link #settled} may have changed. */
  private final Condition changed = lock.newCondition();
  // Everything below is guarded by lock; state is also volatile so that it can be read without it
  // (the supervisor looks at other instances from inside one instance's event).
  private volatile InstanceState state = STOPPED;
  private Instant since = Instant.now();
  private String reason = "not started";
  private Process process;
  private Instant startedAt;
  private int incarnation;
  private final List<Thread> incarnationThreads = new ArrayList<>();
  private int backoffTicket;
  private int quickFailures;
  private int spawns;
  private CompletableFuture<Void> stopping;
  /** Completed when the process exits while DRAINING, so the drain wait ends at once. */
  private CompletableFuture<Void> drainExit;
  /** Whether the drain under way is for a stop (not a restart): a process dying meanwhile stays down. */
  private boolean drainStops;
  /** Restarts between their stop and their start: a STOPPED or EXITED instance then is not at rest. */
  private int restarting;
  private boolean retired;
  private int stopRequests;
  private int autoRestarts;
  private int samplesOverMemory;
  private volatile long rssBytes;
  private volatile double cpuSeconds;

  /**
   * What every instance of a supervisor shares.
   *
   * @param launcher spawns and signals processes
   * @param client shared by the HTTP probes
   * @param sink receives every transition, under the instance's lock, in order
   * @param drainer the supervisor's drainer now, or null for none: read at each stop, since it may be
   *     set after the instances were made
   */
  public record Context(Launcher launcher, HttpClient client, Consumer<InstanceEvent> sink,
      Supplier<Drainer> drainer) {}

  /**
   * An instance in {@code STOPPED}; {@link #start} spawns it.
   *
   * @param port its PORT, or 0 for none
   * @param logs its slot's log files, shared with the other processes of the slot and left open
   */
  public Instance(AppSpec spec, int index, int port, LogFiles logs, Context context) {
    this.spec = spec;
    this.id = new InstanceId(spec.name(), index);
    this.port = port;
    this.launcher = context.launcher();
    this.sink = context.sink();
    this.drainer = context.drainer();
    this.logs = logs;
    HttpClient client = context.client();
    this.backoff = spec.backoff().toBackoff();
    Map<String, String> e = new HashMap<>(spec.env());
    if (port > 0) {
      e.put("PORT", Integer.toString(port));
    }
    e.put("NONSTOP_APP", spec.name());
    e.put("NONSTOP_INSTANCE", Integer.toString(index));
    this.env = Map.copyOf(e);
    Path dir = spec.directory().toAbsolutePath();
    this.liveness = spec.health().liveness() == null ? null : Probe.of(spec.health().liveness(), client, dir, env);
    this.readiness = spec.health().readiness() == null ? null : Probe.of(spec.health().readiness(), client, dir, env);
  }

  /** App and index. */
  public InstanceId id() {
    return id;
  }

  /** Its PORT, or 0. */
  public int port() {
    return port;
  }

  /** The current state; takes no lock. */
  public InstanceState state() {
    return state;
  }

  /** Where its stdout ({@code err == false}) or stderr goes. */
  public Path logFile(boolean stderr) {
    return (stderr ? logs.err() : logs.out()).file();
  }

  /** A consistent snapshot for status and metrics, as its slot's current instance. */
  public InstanceStatus status() {
    return status(Role.CURRENT);
  }

  /** A consistent snapshot for status, with the role it plays in its slot. */
  public InstanceStatus status(Role role) {
    lock.lock();
    try {
      return new InstanceStatus(id, process == null ? -1 : process.pid(), port, state, since,
          process == null ? null : startedAt, Math.max(0, spawns - 1), rssBytes, cpuSeconds, reason, role);
    } finally {
      lock.unlock();
    }
  }

  /**
   * Waits until the instance is READY or has stopped trying: FATAL, or EXITED or STOPPED with no
   * restart under way. Returns the state then, or the state when {@code timeout} ran out.
   */
  public InstanceState awaitSettled(Duration timeout) throws InterruptedException {
    long nanos = timeout.toNanos();
    lock.lock();
    try {
      while (!settled() && nanos > 0) {
        nanos = changed.awaitNanos(nanos);
      }
      return state;
    } finally {
      lock.unlock();
    }
  }

  // An EXITED that is followed by a restart never shows here: both happen under one lock hold.
  private boolean settled() {
    return switch (state) {
      case READY, FATAL -> true;
      case EXITED, STOPPED -> restarting == 0;
      case STARTING, RUNNING, NOT_READY, BACKOFF, DRAINING, STOPPING -> false;
    };
  }

  /**
   * Starts the instance if it is not running (from STOPPED, EXITED, FATAL, or BACKOFF without waiting
   * out the delay). A start by hand forgets earlier quick failures.
   */
  public void start(String why) {
    lock.lock();
    try {
      startLocked(why);
    } finally {
      lock.unlock();
    }
  }

  private void startLocked(String why) {
    if (retired) {
      return; // the supervisor is shutting down: a late restart must not spawn
    }
    switch (state) {
      case STOPPED, EXITED, FATAL, BACKOFF -> {
        backoffTicket++;
        quickFailures = 0;
        spawn(why);
      }
      // Already running or on its way; starting twice is not an error. One on its way out stays so.
      case STARTING, RUNNING, READY, NOT_READY, DRAINING, STOPPING -> { }
    }
  }

  /**
   * Stops the instance: drains it first when it is READY or NOT_READY and there is a drainer (at
   * most {@code stop.drain}), then {@code stop.signal} to its process group; SIGKILL to the group and
   * every descendant once {@code stop.timeout} has passed and any of them is still there. Returns
   * once they are gone (at most the drain, the timeout and a few seconds). Idempotent; a concurrent
   * second stop waits for the first. A stop wins over any restart in progress: the instance stays
   * down.
   */
  public void stop(String why) {
    lock.lock();
    try {
      stopRequests++;
    } finally {
      lock.unlock();
    }
    halt(why, true);
  }

  /** Stops for good: as {@link #stop}, and no later {@link #start} (or restart) has any effect. */
  public void retire(String why) {
    lock.lock();
    try {
      retired = true;
    } finally {
      lock.unlock();
    }
    stop(why);
  }

  /**
   * Stops, then starts again ({@code nonstop restart}); a {@link #stop} that arrives meanwhile wins.
   */
  public void restart(String why) {
    restart(-1, why);
  }

  /**
   * A restart on the instance's own account (liveness, max_memory): only if incarnation {@code inc}
   * is still the running one, so a verdict about a process that has meanwhile crashed and been
   * replaced never kills its healthy successor.
   */
  private void restart(int inc, String why) {
    int stops;
    lock.lock();
    try {
      if (inc >= 0 && (incarnation != inc || !running())) {
        return;
      }
      stops = stopRequests;
      restarting++;
      if (inc >= 0) {
        // Automatic restarts back off like crashes do (Kubernetes' CrashLoopBackOff): the first at
        // once, then initial, initial x multiplier, ... An incarnation that ran longer than
        // backoff.max before failing starts the count afresh.
        boolean longRun = Duration.between(startedAt, Instant.now()).compareTo(backoff.max()) >= 0;
        autoRestarts = longRun ? 1 : autoRestarts + 1;
      }
    } finally {
      lock.unlock();
    }
    try {
      halt(why, false);
    } catch (RuntimeException | Error e) {
      lock.lock();
      try {
        restarting--;
        changed.signalAll();
      } finally {
        lock.unlock();
      }
      throw e;
    }
    lock.lock();
    try {
      // In the same lock hold as the start below, so STOPPED never looks at rest in between.
      restarting--;
      changed.signalAll();
      if (stopRequests != stops || retired) {
        return; // a stop came meanwhile, and wins
      }
      if (state != STOPPED && state != EXITED) {
        return; // started by hand meanwhile, or it died while draining and its exit was handled
      }
      Duration delay = inc >= 0 ? backoff.delay(autoRestarts - 1) : Duration.ZERO;
      if (delay.isZero()) {
        startLocked(why);
      } else {
        backOff(delay, why + "; automatic restart " + autoRestarts + " in a row, next start in "
            + delay.toMillis() + " ms");
      }
    } finally {
      lock.unlock();
    }
  }

  /**
   * Takes the instance down. {@code stop}: for a stop rather than a restart, which decides what
   * happens when the process dies while draining (nothing, versus the usual exit handling).
   */
  private void halt(String why, boolean stop) {
    Process p = null;
    int inc = -1;
    CompletableFuture<Void> done = null;
    List<ProcessHandle> tree = List.of();
    Drainer d = null;
    InstanceEvent draining = null;
    CompletableFuture<Void> exitedMeanwhile = null;
    lock.lock();
    try {
      switch (state) {
        case STOPPED -> {
          return;
        }
        case BACKOFF, EXITED, FATAL -> {
          backoffTicket++;
          become(STOPPED, why);
          return;
        }
        case DRAINING, STOPPING -> {
          // Joins the stop under way; a stop joining a restart's drain keeps a dying process down.
          drainStops |= stop;
          done = stopping;
        }
        case STARTING, RUNNING, READY, NOT_READY -> {
          p = process;
          inc = incarnation;
          stopIncarnationThreads(); // probes and timers of this process act on it no more
          stopping = done = new CompletableFuture<>();
          // Never READY means never in rotation: nothing to drain.
          d = state == READY || state == NOT_READY ? drainer.get() : null;
          if (d == null) {
            // The tree must be captured now: once the leader exits, its orphans are reparented and
            // no longer show up as its descendants.
            tree = p.descendants().toList();
            become(STOPPING, why);
          } else {
            drainStops = stop;
            drainExit = exitedMeanwhile = new CompletableFuture<>();
            draining = become(DRAINING, why);
          }
        }
      }
    } finally {
      lock.unlock();
    }
    if (p == null) {
      done.join();
      return;
    }
    try {
      if (draining != null) {
        String drained = awaitDrain(d, draining, exitedMeanwhile);
        lock.lock();
        try {
          if (incarnation != inc || state != DRAINING) {
            return; // it exited while draining, and onExit has dealt with it
          }
          tree = p.descendants().toList();
          become(STOPPING, why + "; " + drained);
        } finally {
          lock.unlock();
        }
      }
      String how = terminate(p, tree);
      lock.lock();
      try {
        if (incarnation == inc && state == STOPPING) {
          become(STOPPED, how); // still names the pid, like EXITED: listeners learn which one stopped
          process = null;
        }
      } finally {
        lock.unlock();
      }
    } finally {
      lock.lock();
      try {
        if (stopping == done) {
          stopping = null;
        }
      } finally {
        lock.unlock();
        done.complete(null);
      }
    }
  }

  /**
   * Calls the drainer and waits for it, at most {@code stop.drain}, or until the process exits;
   * returns how it went, for the STOPPING reason. A failing drainer costs only its own wait.
   */
  private String awaitDrain(Drainer d, InstanceEvent draining, CompletableFuture<Void> exitedMeanwhile) {
    Duration max = spec.stop().drain();
    long t0 = System.nanoTime();
    CompletableFuture<Void> drained;
    try {
      drained = d.drain(draining);
    } catch (RuntimeException e) {
      log.atWarn().setMessage("{} drainer failed: {}").addArgument(id).addArgument(e.toString())
          .addKeyValue("app", id.app()).addKeyValue("index", id.index()).setCause(e).log();
      return "drainer failed: " + e;
    }
    if (max.isZero()) {
      return "not waiting for the drain (stop.drain: 0)";
    }
    try {
      if (drained != null) {
        CompletableFuture.anyOf(drained, exitedMeanwhile).get(max.toNanos(), TimeUnit.NANOSECONDS);
      }
      return "drained in " + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0) + " ms";
    } catch (TimeoutException e) {
      log.atWarn().setMessage("{} still draining after {} ms (stop.drain): stopping it anyway")
          .addArgument(id).addArgument(max.toMillis())
          .addKeyValue("app", id.app()).addKeyValue("index", id.index()).log();
      return "drain not finished after " + max.toMillis() + " ms (stop.drain)";
    } catch (ExecutionException e) {
      return "drain failed: " + e.getCause();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "drain interrupted";
    }
  }

  /** The pid whose process tree {@link #sampled} should describe, or -1 when there is no process. */
  public long pidToSample() {
    lock.lock();
    try {
      return state.hasProcess() && process != null ? process.pid() : -1;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Takes a reading of the tree of {@code pid} (null: none); restarts the instance (gracefully) when
   * its RSS has been above {@code max_memory} for two readings in a row.
   */
  public void sampled(long pid, ProcFs.Sample s) {
    if (s == null) {
      rssBytes = 0;
      return;
    }
    rssBytes = s.rssBytes();
    cpuSeconds = s.cpuSeconds();
    DataSize max = spec.maxMemory();
    if (max == null) {
      return;
    }
    boolean restart = false;
    int inc;
    lock.lock();
    try {
      if (process == null || process.pid() != pid || !running()) {
        return; // a reading of a process that is gone or going
      }
      inc = incarnation;
      samplesOverMemory = s.rssBytes() > max.bytes() ? samplesOverMemory + 1 : 0;
      if (samplesOverMemory >= 2) {
        samplesOverMemory = 0;
        restart = true;
      }
    } finally {
      lock.unlock();
    }
    if (restart) {
      String why = "rss " + new DataSize(s.rssBytes()) + " above max_memory " + max + " for 2 samples";
      Thread.ofVirtual().name(id + "-memory-restart").start(() -> restart(inc, why));
    }
  }

  // ---- under the lock ----

  private void spawn(String why) {
    int inc = ++incarnation;
    spawns++;
    samplesOverMemory = 0;
    Process p;
    try {
      p = launcher.spawn(spec.command(), spec.directory(), env);
    } catch (IOException e) {
      process = null;
      become(STARTING, why);
      exited(Duration.ZERO, "could not start " + spec.command().get(0) + ": " + e.getMessage(),
          spec.autorestart() != Autorestart.NEVER);
      return;
    }
    process = p;
    startedAt = Instant.now();
    become(STARTING, why);
    LogPump.start(id + "-stdout", p.getInputStream(), logs.out());
    LogPump.start(id + "-stderr", p.getErrorStream(), logs.err());
    // onExit completes on the JDK's reaper thread, which waits in waitpid: the exit is seen at
    // once, not on the next poll.
    p.onExit().thenRun(() -> Thread.ofVirtual().name(id + "-exit").start(() -> onExit(inc, p)));
    startThread("startsecs", inc, () -> {
      Thread.sleep(spec.startsecs());
      lock.lock();
      try {
        if (incarnation != inc) {
          return;
        }
        quickFailures = 0; // a stable run resets the backoff
        if (state == STARTING) {
          become(readiness == null ? READY : RUNNING, "up for " + spec.startsecs().toMillis() + " ms");
        }
      } finally {
        lock.unlock();
      }
    });
    if (liveness != null) {
      startThread("liveness", inc, () -> probeLiveness(inc));
    }
    if (readiness != null) {
      startThread("readiness", inc, () -> probeReadiness(inc));
    }
  }

  private void onExit(int inc, Process p) {
    lock.lock();
    try {
      if (incarnation != inc || state == STOPPING || process != p) {
        return; // a stop is in charge of this process, or it is an old one
      }
      stopIncarnationThreads();
      // Whatever the instance forked dies with it, so no orphan keeps its port or its files.
      if (launcher.isolated()) {
        launcher.signalGroup(p.pid(), Signal.KILL);
      }
      String how = describeExit(p.exitValue());
      if (state == DRAINING) {
        drainExit.complete(null); // the drain has nothing left to wait for
        how += " while draining";
        if (drainStops) {
          // A stop started the drain: what it wanted has happened, so no restart.
          become(EXITED, how);
          become(STOPPED, "not restarted: it was being stopped");
          process = null;
          return;
        }
      }
      exited(Duration.between(startedAt, Instant.now()), how, wantsRestart(p.exitValue()));
    } finally {
      lock.unlock();
    }
  }

  /**
   * The process is gone after {@code up}; decide between EXITED, BACKOFF, FATAL and a new start. The
   * first transition still names the old pid; the process is forgotten right after it.
   */
  private void exited(Duration up, String how, boolean restart) {
    boolean quick = state == STARTING
        || up.compareTo(spec.startsecs()) < 0
        || up.compareTo(backoff.initial()) < 0;
    if (!restart) {
      become(EXITED, how + (spec.autorestart() == Autorestart.NEVER ? "; autorestart: never" : "; autorestart: on-failure"));
      process = null;
      return;
    }
    if (!quick) {
      quickFailures = 0;
      become(EXITED, how);
      process = null;
      spawn("restarted after it " + how);
      return;
    }
    quickFailures++;
    if (spec.startretries() >= 0 && quickFailures > spec.startretries()) {
      if (state != STARTING) {
        become(EXITED, how); // a quick failure can come after READY: a probe may pass before startsecs
      }
      become(FATAL, how + "; gave up after " + quickFailures + " quick failures in a row (startretries: "
          + spec.startretries() + ")");
      process = null;
      return;
    }
    if (state != STARTING) {
      become(EXITED, how);
    }
    Duration delay = backoff.delay(quickFailures);
    backOff(delay, how + "; quick failure " + quickFailures
        + (spec.startretries() >= 0 ? "/" + spec.startretries() : "") + ", next start in " + delay.toMillis() + " ms");
    process = null;
  }

  /** Enters BACKOFF and spawns after {@code delay}, unless something else happens first. */
  private void backOff(Duration delay, String why) {
    int ticket = ++backoffTicket;
    become(BACKOFF, why);
    Thread.ofVirtual().name(id + "-backoff").start(() -> {
      try {
        Thread.sleep(delay);
      } catch (InterruptedException e) {
        return;
      }
      lock.lock();
      try {
        if (state == BACKOFF && backoffTicket == ticket) {
          spawn("backoff of " + delay.toMillis() + " ms over");
        }
      } finally {
        lock.unlock();
      }
    });
  }

  private boolean wantsRestart(int code) {
    return switch (spec.autorestart()) {
      case ALWAYS -> true;
      case ON_FAILURE -> code != 0;
      case NEVER -> false;
    };
  }

  private static String describeExit(int code) {
    // The JDK reports death by signal N as 128 + N, like a shell.
    if (code > 128 && code < 128 + 65) {
      return "was killed by signal " + (code - 128) + " (exit " + code + ")";
    }
    return "exited with code " + code;
  }

  private InstanceEvent become(InstanceState to, String why) {
    InstanceState from = state;
    if (!from.canBecome(to)) {
      throw new IllegalStateException(id + ": " + from + " -> " + to + " is not a legal transition (" + why + ")");
    }
    state = to;
    since = Instant.now();
    reason = why;
    long pid = process == null ? -1 : process.pid();
    Level level = switch (to) {
      case FATAL -> Level.ERROR;
      case BACKOFF, EXITED, NOT_READY -> Level.WARN;
      case STOPPED, STARTING, RUNNING, READY, DRAINING, STOPPING -> Level.INFO;
    };
    log.atLevel(level)
        .setMessage("{} {} -> {}: {}")
        .addArgument(id).addArgument(from).addArgument(to).addArgument(why)
        .addKeyValue("app", id.app())
        .addKeyValue("index", id.index())
        .addKeyValue("from", from.name())
        .addKeyValue("to", to.name())
        .addKeyValue("pid", pid)
        .addKeyValue("port", port)
        .addKeyValue("reason", why)
        .log();
    InstanceEvent e = new InstanceEvent(id, from, to, why, pid, port, since);
    sink.accept(e);
    changed.signalAll();
    return e;
  }

  /** Whether it has a process that no stop is dealing with yet: what probes and restarts act on. */
  private boolean running() {
    return switch (state) {
      case STARTING, RUNNING, READY, NOT_READY -> true;
      case STOPPED, BACKOFF, DRAINING, STOPPING, EXITED, FATAL -> false;
    };
  }

  private interface Body {
    void run() throws InterruptedException;
  }

  private void startThread(String what, int inc, Body body) {
    Thread t = Thread.ofVirtual().name(id + "-" + what + "-" + inc).unstarted(() -> {
      try {
        body.run();
      } catch (InterruptedException e) {
        // the incarnation ended
      }
    });
    incarnationThreads.add(t);
    t.start();
  }

  private void stopIncarnationThreads() {
    for (Thread t : incarnationThreads) {
      if (t != Thread.currentThread()) {
        t.interrupt();
      }
    }
    incarnationThreads.clear();
  }

  // ---- probes, on their own virtual threads ----

  private void probeLiveness(int inc) throws InterruptedException {
    long spawned = System.nanoTime();
    Thread.sleep(liveness.spec().initialDelay());
    int failures = 0;
    boolean everAlive = false;
    while (true) {
      Probe.Result r = liveness.check(port);
      lock.lock();
      try {
        if (incarnation != inc || !running()) {
          return;
        }
      } finally {
        lock.unlock();
      }
      // Until its first pass, a failing check is a process still booting (a JVM on a busy machine
      // takes seconds), not a hung one: counted only after BOOT_GRACE, as Kubernetes' startup probe
      // holds liveness back. Killing it sooner would turn a slow start into a crash loop. An
      // explicit initial_delay is the user saying how long booting takes: no grace on top.
      boolean booting = !everAlive && liveness.spec().initialDelay().isZero()
          && System.nanoTime() - spawned < BOOT_GRACE.toNanos();
      failures = r.ok() || booting ? 0 : failures + 1;
      everAlive |= r.ok();
      // A booting instance fails its first checks as a matter of course: not worth a warning each.
      if (!r.ok() && everAlive) {
        log.atWarn().setMessage("{} liveness {} failed ({}/{}): {}")
            .addArgument(id).addArgument(liveness.describe()).addArgument(failures)
            .addArgument(liveness.spec().failures()).addArgument(r.detail())
            .addKeyValue("app", id.app()).addKeyValue("index", id.index()).log();
      }
      if (failures >= liveness.spec().failures()) {
        String why = "liveness " + liveness.describe() + " failed " + failures + " times in a row: " + r.detail();
        // restart() interrupts this thread's incarnation, so it runs on a thread of its own.
        Thread.ofVirtual().name(id + "-liveness-restart").start(() -> restart(inc, why));
        return;
      }
      Thread.sleep(liveness.spec().period());
    }
  }

  private void probeReadiness(int inc) throws InterruptedException {
    Thread.sleep(readiness.spec().initialDelay());
    int failures = 0;
    boolean everReady = false;
    Duration untilReady = FIRST_READY_START;
    while (true) {
      Probe.Result r = readiness.check(port);
      lock.lock();
      try {
        if (incarnation != inc || !running()) {
          return;
        }
        if (r.ok()) {
          failures = 0;
          everReady = true;
          if (state != READY) {
            become(READY, "readiness " + readiness.describe() + " passed: " + r.detail());
          }
        } else {
          failures++;
          if (failures >= readiness.spec().failures() && state == READY) {
            become(NOT_READY, "readiness " + readiness.describe() + " failed " + failures + " times in a row: " + r.detail());
          } else if (!everReady && failures % NOT_READY_YET_LOG_EVERY == 0) {
            // Booting instances fail their first checks as a matter of course; say so now and then.
            log.atWarn().setMessage("{} not ready after {} readiness checks: {}")
                .addArgument(id).addArgument(failures).addArgument(r.detail())
                .addKeyValue("app", id.app()).addKeyValue("index", id.index()).log();
          }
        }
      } finally {
        lock.unlock();
      }
      Duration period = readiness.spec().period();
      if (everReady) {
        Thread.sleep(period);
      } else {
        // A new instance should take traffic as soon as it can, not up to a whole period later.
        Duration cap = period.compareTo(FIRST_READY_PERIOD) < 0 ? period : FIRST_READY_PERIOD;
        untilReady = untilReady.compareTo(cap) < 0 ? untilReady : cap; // capped before doubling: no overflow
        Thread.sleep(untilReady);
        untilReady = untilReady.multipliedBy(2);
      }
    }
  }

  // ---- stopping ----

  private String terminate(Process p, List<ProcessHandle> tree) {
    Signal sig = spec.stop().signal();
    Duration timeout = spec.stop().timeout();
    long t0 = System.nanoTime();
    long deadline = t0 + timeout.toNanos();
    long pgid = p.pid();
    if (launcher.isolated()) {
      launcher.signalGroup(pgid, sig);
    } else {
      launcher.signalProcess(p.pid(), sig);
    }
    launcher.resume(pgid); // a hung instance may be a stopped one (SIGSTOP): let it see the signal
    // Descendants that left the group (setsid) did not get the group's signal: send it to each.
    for (ProcessHandle h : tree) {
      if (ProcFs.processGroup(h.pid()).orElse((int) pgid) != pgid) {
        launcher.signalProcess(h.pid(), sig);
      }
    }
    // Graceful means the whole tree gets until the deadline, not just the leader: a wrapper (a
    // shell, npm) may exit at once while its child is still finishing requests.
    boolean leaderGone = waitFor(p, Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
    boolean allGone = leaderGone && awaitTreeGone(pgid, tree, deadline);
    String how;
    if (allGone) {
      how = "stopped by SIG" + sig + " in " + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0) + " ms";
    } else {
      log.atWarn().setMessage("{} {} still running {} ms after SIG{}: sending SIGKILL to its process tree")
          .addArgument(id).addArgument(leaderGone ? "has processes" : "is").addArgument(timeout.toMillis())
          .addArgument(sig).addKeyValue("app", id.app()).addKeyValue("index", id.index()).log();
      killTree(p, tree);
      waitFor(p, Duration.ofSeconds(10));
      how = "killed by SIGKILL after " + (leaderGone ? "its children ignored" : "ignoring") + " SIG" + sig
          + " for " + timeout.toMillis() + " ms";
    }
    // Whatever is left (nothing, normally) goes too.
    killTree(p, tree);
    return how;
  }

  /** Waits until no process of group {@code pgid} and none of {@code tree} is left, or the deadline. */
  private static boolean awaitTreeGone(long pgid, List<ProcessHandle> tree, long deadline) {
    while (true) {
      boolean any = !ProcFs.groupMembers(pgid).isEmpty() || tree.stream().anyMatch(ProcessHandle::isAlive);
      if (!any) {
        return true;
      }
      if (System.nanoTime() >= deadline) {
        return false;
      }
      try {
        Thread.sleep(Duration.ofMillis(20));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
  }

  private void killTree(Process p, List<ProcessHandle> tree) {
    if (launcher.isolated()) {
      launcher.signalGroup(p.pid(), Signal.KILL);
    }
    p.destroyForcibly();
    for (ProcessHandle h : tree) {
      h.destroyForcibly();
    }
  }

  private static boolean waitFor(Process p, Duration d) {
    try {
      p.onExit().get(d.toNanos(), TimeUnit.NANOSECONDS);
      return true;
    } catch (TimeoutException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return !p.isAlive();
    } catch (java.util.concurrent.ExecutionException e) {
      return !p.isAlive();
    }
  }
}
