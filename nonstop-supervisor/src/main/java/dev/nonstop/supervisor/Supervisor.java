package dev.nonstop.supervisor;

import dev.nonstop.core.Durations;
import dev.nonstop.core.InstanceEvent;
import dev.nonstop.core.InstanceId;
import dev.nonstop.core.InstanceListener;
import dev.nonstop.core.InstanceState;
import dev.nonstop.supervisor.internal.Instance;
import dev.nonstop.supervisor.internal.Launcher;
import dev.nonstop.supervisor.internal.LogFiles;
import dev.nonstop.supervisor.internal.Probe;
import dev.nonstop.supervisor.internal.ProcFs;
import dev.nonstop.supervisor.internal.Rollout;
import dev.nonstop.supervisor.internal.Slot;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps every instance of every app alive: starts apps in dependency order, restarts what exits,
 * probes, samples memory and CPU, and stops everything in reverse order.
 *
 * <pre>{@code
 * Supervisor sup = Supervisor.create(List.of(AppSpec.of("hello", List.of("java", "-jar", "hello.jar"))
 *     .withInstances(3).withPort(9001)), new SimpleMeterRegistry());
 * sup.subscribe(e -> System.out.println(e.id() + " " + e.to()));
 * sup.start();
 * ...
 * RolloutResult r = sup.reload("hello", null, System.out::println); // the jar was replaced
 * ...
 * sup.stop();
 * }</pre>
 *
 * <p>Targets name one app ({@code hello}: all its instances) or one instance ({@code hello:1}). An
 * instance is a slot: during a rolling reload it briefly has two processes, and commands, metrics
 * and log files follow the one that holds the slot.
 */
public final class Supervisor implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger("nonstop.supervisor");
  /** How often RSS and CPU are sampled (and {@code max_memory} checked). */
  public static final Duration SAMPLE_PERIOD = Duration.ofSeconds(1);
  /** How long a rolling restart waits for one instance to be READY again before moving on. */
  public static final Duration RESTART_READY_TIMEOUT = Duration.ofMinutes(2);
  /** How long an in-place reload waits for the old process's port to be free before it gives up. */
  static final Duration PORT_RELEASE = Duration.ofSeconds(5);

  /** One app at run time; the map of them is fixed at creation, only {@code spec} changes. */
  private static final class App {
    final String name;
    /** The spec of the last successful reload (or the first): what a reload of "the same" restarts. */
    volatile AppSpec spec;
    final List<Slot> slots;
    final CompletableFuture<Void> firstReady = new CompletableFuture<>();
    final AtomicBoolean reloading = new AtomicBoolean();

    App(AppSpec spec, List<Slot> slots) {
      this.name = spec.name();
      this.spec = spec;
      this.slots = List.copyOf(slots);
    }
  }

  private final Map<String, App> apps;
  private final List<InstanceListener> listeners = new CopyOnWriteArrayList<>();
  private final Map<String, Map<InstanceState, Counter>> transitionsByApp = new ConcurrentHashMap<>();
  private final List<Thread> starters = new CopyOnWriteArrayList<>();
  private final Launcher launcher = new Launcher();
  private final HttpClient probeClient = Probe.newClient();
  private final Instance.Context context = new Instance.Context(launcher, probeClient, this::publish, () -> this.drainer);
  private final MeterRegistry meters;
  private volatile boolean stopped;
  private volatile Drainer drainer;
  private volatile Thread sampler;

  private Supervisor(Collection<AppSpec> specs, MeterRegistry meters) {
    this.meters = meters;
    Map<String, AppSpec> byName = new LinkedHashMap<>();
    for (AppSpec spec : specs) {
      if (byName.putIfAbsent(spec.name(), spec) != null) {
        throw new IllegalArgumentException("app: '" + spec.name() + "' (expected: each name once)");
      }
    }
    Map<String, App> built = new LinkedHashMap<>();
    for (AppSpec spec : specs) {
      for (String dep : spec.dependsOn()) {
        if (!byName.containsKey(dep)) {
          throw new IllegalArgumentException(spec.name() + ".depends_on: '" + dep + "' (expected: one of " + byName.keySet() + ")");
        }
      }
      List<Slot> slots = new ArrayList<>();
      for (int i = 0; i < spec.instances(); i++) {
        int port = spec.port() == null ? 0 : spec.port() == 0 ? freePort() : ownPort(spec, i);
        LogFiles logs = LogFiles.open(spec, i);
        Slot slot = new Slot(logs, new Instance(spec, i, port, logs, context));
        slots.add(slot);
        bindMeters(slot);
      }
      built.put(spec.name(), new App(spec, slots));
    }
    this.apps = Collections.unmodifiableMap(built);
    topologicalOrder(); // rejects cycles before anything starts
  }

  /**
   * A supervisor for {@code apps} (each name once; {@code depends_on} must name apps in the list and
   * have no cycle). Nothing runs until {@link #start()}.
   */
  public static Supervisor create(Collection<AppSpec> apps, MeterRegistry meters) {
    return new Supervisor(apps, meters);
  }

  /** Adds a listener for every instance's transitions; returns a handle that removes it. */
  public AutoCloseable subscribe(InstanceListener listener) {
    listeners.add(listener);
    return () -> listeners.remove(listener);
  }

  /**
   * From now on, every planned stop of a READY or NOT_READY instance drains it first: DRAINING is
   * published, then {@code drainer} is waited for (at most the app's {@code stop.drain}), then the
   * stop signal is sent. Call before {@link #start()}.
   *
   * @throws IllegalStateException after {@link #start()}
   */
  public void drainWith(Drainer drainer) {
    Objects.requireNonNull(drainer, "drainer");
    if (sampler != null) {
      throw new IllegalStateException("drainWith: the supervisor has started (expected: before start())");
    }
    this.drainer = drainer;
  }

  /**
   * Starts every app in dependency order and returns at once: an app starts when every app in its
   * {@code depends_on} has had all its instances READY.
   */
  public void start() {
    if (sampler != null) {
      throw new IllegalStateException("already started");
    }
    sampler = Thread.ofVirtual().name("nonstop-sampler").start(this::sampleLoop);
    for (String app : topologicalOrder()) {
      AppSpec spec = apps.get(app).spec;
      Thread t = Thread.ofVirtual().name("start-" + app).unstarted(() -> {
        try {
          for (String dep : spec.dependsOn()) {
            CompletableFuture<Void> ready = apps.get(dep).firstReady;
            if (!ready.isDone()) {
              log.atInfo().setMessage("{} waits for {} to be READY").addArgument(app).addArgument(dep)
                  .addKeyValue("app", app).addKeyValue("depends_on", dep).log();
            }
            ready.get();
          }
          if (!stopped) {
            for (Slot slot : apps.get(app).slots) {
              slot.current().start("supervisor started");
            }
          }
        } catch (InterruptedException | ExecutionException | CancellationException e) {
          // stopped before the dependencies were ready
        }
      });
      starters.add(t);
      t.start();
    }
  }

  /**
   * Stops every instance, dependents before their dependencies (apps without a relation stop in
   * parallel), each with its own {@code stop} settings (draining first, with a drainer). The new
   * instances of a reload under way stop too, and the reload ends. Blocks until all are down.
   */
  public void stop() {
    stopped = true;
    // Starters waiting for their dependencies give up; one past its "stopped?" check may still be
    // spawning, so wait for each to finish before stopping what they started.
    apps.values().forEach(a -> a.firstReady.completeExceptionally(new CancellationException("stopping")));
    for (Thread t : starters) {
      try {
        t.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    Map<String, CompletableFuture<Void>> done = new HashMap<>();
    for (String app : apps.keySet()) {
      stopAfterDependents(app, done);
    }
    CompletableFuture.allOf(done.values().toArray(CompletableFuture[]::new)).join();
    if (sampler != null) {
      sampler.interrupt();
    }
  }

  private CompletableFuture<Void> stopAfterDependents(String app, Map<String, CompletableFuture<Void>> done) {
    CompletableFuture<Void> f = done.get(app);
    if (f != null) {
      return f;
    }
    List<CompletableFuture<Void>> dependents = new ArrayList<>();
    for (App other : apps.values()) {
      if (other.spec.dependsOn().contains(app)) {
        dependents.add(stopAfterDependents(other.name, done));
      }
    }
    // Closing a slot keeps a reload from adding to it, so nothing it starts is left running.
    f = CompletableFuture.allOf(dependents.toArray(CompletableFuture[]::new))
        .thenCompose(x -> inParallel(apps.get(app).slots.stream().flatMap(s -> s.close().stream()).toList(),
            i -> i.retire("supervisor stopping")));
    done.put(app, f);
    return f;
  }

  /** Stops everything (as {@link #stop()}), then closes logs and the spawner. */
  @Override
  public void close() {
    stop();
    apps.values().forEach(a -> a.slots.forEach(s -> s.logs().close()));
    launcher.close();
    probeClient.close();
  }

  /**
   * One snapshot per instance, apps in config order. A slot that a reload is replacing has two,
   * the old process first, told apart by {@link InstanceStatus#role()}.
   */
  public List<InstanceStatus> status() {
    List<InstanceStatus> out = new ArrayList<>();
    for (App a : apps.values()) {
      for (Slot slot : a.slots) {
        out.addAll(slot.status());
      }
    }
    return out;
  }

  /** The app specs, in config order; after a successful {@link #reload}, the new spec. */
  public List<AppSpec> apps() {
    return apps.values().stream().map(a -> a.spec).toList();
  }

  /**
   * The instances a target names: {@code app} (all of them) or {@code app:index}.
   *
   * @throws NoSuchElementException naming the target and what exists
   */
  public List<InstanceId> resolve(String target) {
    return select(target).stream().map(Instance::id).toList();
  }

  /**
   * Starts the target's instances that are not running.
   *
   * @throws IllegalStateException when the supervisor is stopping
   */
  public List<InstanceId> start(String target) {
    checkRunning();
    List<Instance> sel = select(target);
    sel.forEach(i -> i.start("start requested"));
    return sel.stream().map(Instance::id).toList();
  }

  /** Stops the target's instances (in parallel, each draining first with a drainer); returns once they are down. */
  public List<InstanceId> stop(String target) {
    List<Instance> sel = select(target);
    inParallel(sel, i -> i.stop("stop requested")).join();
    return sel.stream().map(Instance::id).toList();
  }

  /**
   * Replaces every instance of {@code app} with a new process, without ever going below
   * {@code instances - rollout.max_unavailable} READY instances (see {@link AppSpec.RolloutSpec}).
   * Blocks, in the caller's thread, until every slot is replaced or one has failed. Each new process
   * gets a fresh port (when the app has ports) and shares its slot's log files; the old one is
   * stopped only once the new one is READY, through the normal stop (draining first, with a
   * drainer). A new instance that does not become READY within {@code rollout.ready_timeout} (or
   * ends FATAL) is stopped, its slot keeps (or gets back) the old spec, and the rollout ends there:
   * the slots replaced so far keep the new spec.
   *
   * <pre>{@code
   * RolloutResult r = sup.reload("hello", newSpec, line -> System.out.println(line));
   * if (!r.ok()) System.err.println(r.message());
   * }</pre>
   *
   * @param newSpec the spec to run, with the same name and {@code instances}, {@code logs} and
   *     {@code depends_on} as now; null runs the current spec again (its program changed on disk)
   * @param progress one short line per step, as it happens: {@code "hello:0: new instance READY in
   *     1234 ms (pid 4321)"}; called from one thread at a time, not necessarily the caller's
   * @throws NoSuchElementException when there is no such app
   * @throws IllegalArgumentException when {@code newSpec} changes what a reload cannot change
   * @throws IllegalStateException before {@link #start()}, once stopping, or while another reload of
   *     the app runs
   */
  public RolloutResult reload(String app, AppSpec newSpec, Consumer<String> progress) {
    App a = app(app, app);
    AppSpec spec = newSpec == null ? a.spec : newSpec;
    checkReloadable(a.spec, spec);
    Objects.requireNonNull(progress, "progress");
    checkRunning();
    if (sampler == null) {
      throw new IllegalStateException("reload of " + app + ": the supervisor has not started");
    }
    if (!a.reloading.compareAndSet(false, true)) {
      throw new IllegalStateException("a reload of " + app + " is already running");
    }
    try {
      RolloutResult r = new Rollout(app, a.slots, spec.rollout(), slot -> newInstance(spec, slot),
          drainer != null, () -> stopped, progress).run();
      if (r.ok()) {
        a.spec = spec;
      }
      return r;
    } finally {
      a.reloading.set(false);
    }
  }

  /**
   * Checks, without changing anything, that {@link #reload} could roll {@code app} to {@code newSpec}:
   * so that a reload of several apps can refuse all of them before it starts any.
   *
   * @throws NoSuchElementException when there is no such app
   * @throws IllegalArgumentException when {@code newSpec} changes what a reload cannot change
   */
  public void checkReload(String app, AppSpec newSpec) {
    checkReloadable(app(app, app).spec, newSpec);
  }

  private static void checkReloadable(AppSpec now, AppSpec next) {
    String app = now.name();
    if (!app.equals(next.name())) {
      throw new IllegalArgumentException("newSpec: app '" + next.name() + "' (expected: '" + app + "', the app reloaded)");
    }
    if (!now.instances().equals(next.instances())) {
      throw new IllegalArgumentException(app + ".instances: " + next.instances() + " (expected: " + now.instances()
          + "; a reload cannot change the number of instances yet)");
    }
    if (!now.logs().equals(next.logs())) {
      // Old and new processes of a slot share its open log files, which belong to the old settings.
      throw new IllegalArgumentException(app + ".logs: " + next.logs() + " (expected: " + now.logs()
          + "; a reload cannot change where or how logs are written yet)");
    }
    if (!now.dependsOn().equals(next.dependsOn())) {
      throw new IllegalArgumentException(app + ".depends_on: " + next.dependsOn() + " (expected: " + now.dependsOn()
          + "; a reload cannot change dependencies yet)");
    }
  }

  /**
   * A new, unstarted instance for {@code slot}, with the new spec. Its port: none without one; a
   * fresh one for an app on {@code port: 0}. For an app on fixed ports, the slot's own port: in a
   * surge (the slot's old process still runs) when it is free, which it is not while the old process
   * holds it, so the new one takes a fresh port until a later in-place reload; in place (max_surge 0)
   * once the old process has released it.
   *
   * @throws IllegalStateException when the slot's own port is still taken {@link #PORT_RELEASE}
   *     after the old process stopped: its clients know that port, so moving elsewhere would be a
   *     silent outage for them; the reload fails instead, and the old instance comes back
   */
  private Instance newInstance(AppSpec spec, Slot slot) {
    int port;
    if (spec.port() == null) {
      port = 0;
    } else if (spec.port() == 0) {
      port = freePort();
    } else if (slot.current().status().pid() > 0) {
      int own = ownPort(spec, slot.id().index());
      port = portFree(own) ? own : freePort();
    } else {
      port = released(ownPort(spec, slot.id().index()));
    }
    return new Instance(spec, slot.id().index(), port, slot.logs(), context);
  }

  /** Instance {@code index}'s port in an app on fixed ports: {@code port + index}. */
  private static int ownPort(AppSpec spec, int index) {
    return spec.port() + index;
  }

  /** {@code port} once it is free, polled for up to {@link #PORT_RELEASE}: a process lets go of its port as it exits. */
  private static int released(int port) {
    long deadline = System.nanoTime() + PORT_RELEASE.toNanos();
    while (!portFree(port)) {
      if (System.nanoTime() - deadline > 0) {
        throw new IllegalStateException("port " + port + " is still in use " + Durations.format(PORT_RELEASE)
            + " after the old instance stopped (another process holds it?)");
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for port " + port, e);
      }
    }
    return port;
  }

  /**
   * Restarts the target's instances one at a time, each waiting until the previous one is READY
   * again (or has failed for good, or {@link #RESTART_READY_TIMEOUT} passed), so an app with several
   * instances never has all of them down at once.
   */
  public List<InstanceId> restart(String target) {
    checkRunning();
    List<Instance> sel = select(target);
    for (Instance i : sel) {
      i.restart("restart requested");
      awaitSettled(i, RESTART_READY_TIMEOUT);
    }
    return sel.stream().map(Instance::id).toList();
  }

  private void checkRunning() {
    if (stopped) {
      throw new IllegalStateException("the supervisor is stopping");
    }
  }

  /** The file an instance's stdout or stderr goes to (one per slot, whichever process holds it). */
  public Path logFile(InstanceId id, boolean stderr) {
    return select(id.toString()).get(0).logFile(stderr);
  }

  private void awaitSettled(Instance i, Duration timeout) {
    try {
      InstanceState s = i.awaitSettled(timeout);
      if (s != InstanceState.READY && s != InstanceState.FATAL && s != InstanceState.EXITED && s != InstanceState.STOPPED) {
        log.atWarn().setMessage("{} not READY {} s after restart; going on").addArgument(i.id())
            .addArgument(timeout.toSeconds()).log();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** The app of a target ({@code hello} or {@code hello:1}), or an error naming the target. */
  private App app(String app, String target) {
    App a = apps.get(app);
    if (a == null) {
      throw new NoSuchElementException("'" + target + "': no such app (expected one of: " + String.join(", ", apps.keySet()) + ")");
    }
    return a;
  }

  /** The current instance of each slot the target names. */
  private List<Instance> select(String target) {
    int colon = target.lastIndexOf(':');
    String app = colon < 0 ? target : target.substring(0, colon);
    List<Slot> list = app(app, target).slots;
    if (colon < 0) {
      return list.stream().map(Slot::current).toList();
    }
    try {
      int index = Integer.parseInt(target.substring(colon + 1));
      if (index >= 0 && index < list.size()) {
        return List.of(list.get(index).current());
      }
    } catch (NumberFormatException e) {
      // falls through to the message below
    }
    throw new NoSuchElementException("'" + target + "': no such instance (expected: " + app + ":0 to "
        + app + ":" + (list.size() - 1) + ")");
  }

  private void publish(InstanceEvent e) {
    transitionsByApp.computeIfAbsent(e.id().app(), a -> new EnumMap<>(InstanceState.class))
        .computeIfAbsent(e.to(), s -> Counter.builder("nonstop.supervisor.transitions")
            .description("Instance state transitions, by app and new state")
            .tags("app", e.id().app(), "to", s.name())
            .register(meters))
        .increment();
    // Events arrive under the publishing instance's lock: look at the others through their
    // lock-free state, never through their locks, or two instances turning READY at once would
    // deadlock. Each writes its state before publishing, so the last of them sees all READY.
    if (e.to() == InstanceState.READY) {
      App a = apps.get(e.id().app());
      if (!a.firstReady.isDone() && a.slots.stream().allMatch(s -> s.current().state() == InstanceState.READY)) {
        a.firstReady.complete(null);
      }
    }
    for (InstanceListener l : listeners) {
      try {
        l.onEvent(e);
      } catch (RuntimeException ex) {
        log.atError().setMessage("instance listener failed on {}").addArgument(e).setCause(ex).log();
      }
    }
  }

  /** Per-slot meters: they read whichever instance holds the slot now, across reloads. */
  private void bindMeters(Slot slot) {
    Tags tags = Tags.of("app", slot.id().app(), "index", Integer.toString(slot.id().index()));
    Gauge.builder("nonstop.supervisor.instance.up", slot, s -> s.current().state().hasProcess() ? 1 : 0)
        .description("1 while the instance has a running process").tags(tags).register(meters);
    Gauge.builder("nonstop.supervisor.instance.ready", slot, s -> s.current().state().isReady() ? 1 : 0)
        .description("1 while the instance is READY (receives traffic)").tags(tags).register(meters);
    for (InstanceState st : InstanceState.values()) {
      Gauge.builder("nonstop.supervisor.instance.state", slot, s -> s.current().state() == st ? 1 : 0)
          .description("1 for the instance's current state, 0 for the others")
          .tags(tags.and("state", st.name())).register(meters);
    }
    FunctionCounter.builder("nonstop.supervisor.instance.restarts", slot, Slot::restarts)
        .description("Starts of the instance after its first, reloads included").tags(tags).register(meters);
    Gauge.builder("nonstop.supervisor.instance.memory.rss", slot, s -> s.current().status().rssBytes())
        .description("Resident memory of the instance's process tree").baseUnit("bytes").tags(tags).register(meters);
    FunctionCounter.builder("nonstop.supervisor.instance.cpu", slot, s -> s.current().status().cpuSeconds())
        .description("CPU time of the instance's process tree").baseUnit("seconds").tags(tags).register(meters);
    Gauge.builder("nonstop.supervisor.instance.uptime", slot,
            s -> s.current().status().uptime(Instant.now()).toMillis() / 1000.0)
        .description("Time since the instance's process started").baseUnit("seconds").tags(tags).register(meters);
  }

  private void sampleLoop() {
    try {
      while (true) {
        Map<Instance, Long> pids = new HashMap<>();
        for (App a : apps.values()) {
          for (Slot slot : a.slots) {
            for (Instance i : slot.all()) { // a reload's new and old processes are watched too
              pids.put(i, i.pidToSample());
            }
          }
        }
        try {
          Map<Long, ProcFs.Sample> samples = ProcFs.sampleTrees(pids.values());
          pids.forEach((i, pid) -> i.sampled(pid, samples.get(pid)));
        } catch (RuntimeException e) {
          // One bad reading must not end sampling for good: max_memory depends on it.
          log.atWarn().setMessage("sampling /proc failed: {}").addArgument(e.toString()).log();
        }
        Thread.sleep(SAMPLE_PERIOD);
      }
    } catch (InterruptedException e) {
      // stopped
    }
  }

  private List<String> topologicalOrder() {
    List<String> order = new ArrayList<>();
    Map<String, Integer> mark = new HashMap<>(); // 1 = visiting, 2 = done
    for (String app : apps.keySet()) {
      visit(app, mark, order, new ArrayList<>());
    }
    return order;
  }

  private void visit(String app, Map<String, Integer> mark, List<String> order, List<String> path) {
    Integer m = mark.get(app);
    if (m != null && m == 2) {
      return;
    }
    path.add(app);
    if (m != null) {
      throw new IllegalArgumentException("depends_on: cycle " + String.join(" -> ", path.subList(path.indexOf(app), path.size())));
    }
    mark.put(app, 1);
    for (String dep : apps.get(app).spec.dependsOn()) {
      visit(dep, mark, order, path);
    }
    mark.put(app, 2);
    path.remove(path.size() - 1);
    order.add(app);
  }

  private static CompletableFuture<Void> inParallel(List<Instance> list, Consumer<Instance> op) {
    List<CompletableFuture<Void>> fs = new ArrayList<>();
    for (Instance i : list) {
      CompletableFuture<Void> f = new CompletableFuture<>();
      Thread.ofVirtual().name(i.id() + "-op").start(() -> {
        try {
          op.accept(i);
          f.complete(null);
        } catch (Throwable t) {
          f.completeExceptionally(t);
        }
      });
      fs.add(f);
    }
    return CompletableFuture.allOf(fs.toArray(CompletableFuture[]::new));
  }

  private static boolean portFree(int port) {
    try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static int freePort() {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
