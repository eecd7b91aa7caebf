package dev.nonstop.supervisor;

import dev.nonstop.core.InstanceEvent;
import dev.nonstop.core.InstanceId;
import dev.nonstop.core.InstanceListener;
import dev.nonstop.core.InstanceState;
import dev.nonstop.supervisor.internal.Instance;
import dev.nonstop.supervisor.internal.Launcher;
import dev.nonstop.supervisor.internal.Probe;
import dev.nonstop.supervisor.internal.ProcFs;
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
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
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
 * sup.stop();
 * }</pre>
 *
 * <p>Targets name one app ({@code hello}: all its instances) or one instance ({@code hello:1}).
 */
public final class Supervisor implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger("nonstop.supervisor");
  /** How often RSS and CPU are sampled (and {@code max_memory} checked). */
  public static final Duration SAMPLE_PERIOD = Duration.ofSeconds(1);
  /** How long a rolling restart waits for one instance to be READY again before moving on. */
  public static final Duration RESTART_READY_TIMEOUT = Duration.ofMinutes(2);

  private final Map<String, AppSpec> apps = new LinkedHashMap<>();
  private final Map<String, List<Instance>> instances = new LinkedHashMap<>();
  private final Map<String, CompletableFuture<Void>> firstReady = new HashMap<>();
  private final Map<InstanceId, InstanceState> latest = new ConcurrentHashMap<>();
  private final List<InstanceListener> listeners = new CopyOnWriteArrayList<>();
  private final Map<String, Map<InstanceState, Counter>> transitionsByApp = new ConcurrentHashMap<>();
  private final List<Thread> starters = new CopyOnWriteArrayList<>();
  private final Launcher launcher = new Launcher();
  private final HttpClient probeClient = Probe.newClient();
  private final MeterRegistry meters;
  private volatile boolean stopped;
  private Thread sampler;

  private Supervisor(Collection<AppSpec> specs, MeterRegistry meters) {
    this.meters = meters;
    for (AppSpec spec : specs) {
      if (apps.putIfAbsent(spec.name(), spec) != null) {
        throw new IllegalArgumentException("app: '" + spec.name() + "' (expected: each name once)");
      }
    }
    for (AppSpec spec : specs) {
      for (String dep : spec.dependsOn()) {
        if (!apps.containsKey(dep)) {
          throw new IllegalArgumentException(spec.name() + ".depends_on: '" + dep + "' (expected: one of " + apps.keySet() + ")");
        }
      }
      firstReady.put(spec.name(), new CompletableFuture<>());
      List<Instance> list = new ArrayList<>();
      for (int i = 0; i < spec.instances(); i++) {
        int port = spec.port() == null ? 0 : spec.port() == 0 ? freePort() : spec.port() + i;
        Instance inst = new Instance(spec, i, port, launcher, probeClient, this::publish);
        list.add(inst);
        bindMeters(inst);
      }
      instances.put(spec.name(), List.copyOf(list));
    }
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
   * Starts every app in dependency order and returns at once: an app starts when every app in its
   * {@code depends_on} has had all its instances READY.
   */
  public void start() {
    if (sampler != null) {
      throw new IllegalStateException("already started");
    }
    sampler = Thread.ofVirtual().name("nonstop-sampler").start(this::sampleLoop);
    for (String app : topologicalOrder()) {
      AppSpec spec = apps.get(app);
      Thread t = Thread.ofVirtual().name("start-" + app).unstarted(() -> {
        try {
          for (String dep : spec.dependsOn()) {
            if (!firstReady.get(dep).isDone()) {
              log.atInfo().setMessage("{} waits for {} to be READY").addArgument(app).addArgument(dep)
                  .addKeyValue("app", app).addKeyValue("depends_on", dep).log();
            }
            firstReady.get(dep).get();
          }
          if (!stopped) {
            for (Instance inst : instances.get(app)) {
              inst.start("supervisor started");
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
   * parallel), each with its own {@code stop} signal and timeout. Blocks until all are down.
   */
  public void stop() {
    stopped = true;
    // Starters waiting for their dependencies give up; one past its "stopped?" check may still be
    // spawning, so wait for each to finish before stopping what they started.
    firstReady.values().forEach(f -> f.completeExceptionally(new CancellationException("stopping")));
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
    for (AppSpec other : apps.values()) {
      if (other.dependsOn().contains(app)) {
        dependents.add(stopAfterDependents(other.name(), done));
      }
    }
    f = CompletableFuture.allOf(dependents.toArray(CompletableFuture[]::new))
        .thenCompose(x -> inParallel(instances.get(app), i -> i.retire("supervisor stopping")));
    done.put(app, f);
    return f;
  }

  /** Stops everything (as {@link #stop()}), then closes logs and the spawner. */
  @Override
  public void close() {
    stop();
    instances.values().forEach(l -> l.forEach(Instance::closeLogs));
    launcher.close();
    probeClient.close();
  }

  /** One snapshot per instance, apps in config order. */
  public List<InstanceStatus> status() {
    List<InstanceStatus> out = new ArrayList<>();
    for (List<Instance> l : instances.values()) {
      for (Instance i : l) {
        out.add(i.status());
      }
    }
    return out;
  }

  /** The app specs, in config order. */
  public List<AppSpec> apps() {
    return List.copyOf(apps.values());
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

  /** Stops the target's instances (in parallel); returns once they are down. */
  public List<InstanceId> stop(String target) {
    List<Instance> sel = select(target);
    inParallel(sel, i -> i.stop("stop requested")).join();
    return sel.stream().map(Instance::id).toList();
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

  /** The file an instance's stdout or stderr goes to. */
  public Path logFile(InstanceId id, boolean stderr) {
    return select(id.toString()).get(0).logFile(stderr);
  }

  private void awaitSettled(Instance i, Duration timeout) {
    CompletableFuture<Void> settled = new CompletableFuture<>();
    InstanceListener l = e -> {
      if (e.id().equals(i.id()) && settles(e.to())) {
        settled.complete(null);
      }
    };
    listeners.add(l);
    try {
      if (settles(i.state())) {
        return;
      }
      settled.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException | ExecutionException e) {
      log.atWarn().setMessage("{} not READY {} s after restart; going on").addArgument(i.id())
          .addArgument(timeout.toSeconds()).log();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      listeners.remove(l);
    }
  }

  private static boolean settles(InstanceState s) {
    return s == InstanceState.READY || s == InstanceState.FATAL || s == InstanceState.EXITED
        || s == InstanceState.STOPPED;
  }

  private List<Instance> select(String target) {
    int colon = target.lastIndexOf(':');
    String app = colon < 0 ? target : target.substring(0, colon);
    List<Instance> list = instances.get(app);
    if (list == null) {
      throw new NoSuchElementException("'" + target + "': no such app (expected one of: " + String.join(", ", apps.keySet()) + ")");
    }
    if (colon < 0) {
      return list;
    }
    try {
      int index = Integer.parseInt(target.substring(colon + 1));
      if (index >= 0 && index < list.size()) {
        return List.of(list.get(index));
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
    // Events arrive under the publishing instance's lock: look at the others through their events,
    // never through their locks, or two instances turning READY at once would deadlock.
    latest.put(e.id(), e.to());
    if (e.to() == InstanceState.READY) {
      CompletableFuture<Void> f = firstReady.get(e.id().app());
      if (!f.isDone() && instances.get(e.id().app()).stream()
          .allMatch(i -> latest.get(i.id()) == InstanceState.READY)) {
        f.complete(null);
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

  private void bindMeters(Instance inst) {
    Tags tags = Tags.of("app", inst.id().app(), "index", Integer.toString(inst.id().index()));
    Gauge.builder("nonstop.supervisor.instance.up", inst, i -> i.state().hasProcess() ? 1 : 0)
        .description("1 while the instance has a running process").tags(tags).register(meters);
    Gauge.builder("nonstop.supervisor.instance.ready", inst, i -> i.state().isReady() ? 1 : 0)
        .description("1 while the instance is READY (receives traffic)").tags(tags).register(meters);
    for (InstanceState s : InstanceState.values()) {
      Gauge.builder("nonstop.supervisor.instance.state", inst, i -> i.state() == s ? 1 : 0)
          .description("1 for the instance's current state, 0 for the others")
          .tags(tags.and("state", s.name())).register(meters);
    }
    FunctionCounter.builder("nonstop.supervisor.instance.restarts", inst, i -> i.status().restarts())
        .description("Starts of the instance after its first").tags(tags).register(meters);
    Gauge.builder("nonstop.supervisor.instance.memory.rss", inst, i -> i.status().rssBytes())
        .description("Resident memory of the instance's process tree").baseUnit("bytes").tags(tags).register(meters);
    FunctionCounter.builder("nonstop.supervisor.instance.cpu", inst, i -> i.status().cpuSeconds())
        .description("CPU time of the instance's process tree").baseUnit("seconds").tags(tags).register(meters);
    Gauge.builder("nonstop.supervisor.instance.uptime", inst,
            i -> i.status().uptime(Instant.now()).toMillis() / 1000.0)
        .description("Time since the instance's process started").baseUnit("seconds").tags(tags).register(meters);
  }

  private void sampleLoop() {
    try {
      while (true) {
        Map<Instance, Long> pids = new HashMap<>();
        for (List<Instance> l : instances.values()) {
          for (Instance i : l) {
            pids.put(i, i.pidToSample());
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
    for (String dep : apps.get(app).dependsOn()) {
      visit(dep, mark, order, path);
    }
    mark.put(app, 2);
    path.remove(path.size() - 1);
    order.add(app);
  }

  private static CompletableFuture<Void> inParallel(List<Instance> list, java.util.function.Consumer<Instance> op) {
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

  private static int freePort() {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
