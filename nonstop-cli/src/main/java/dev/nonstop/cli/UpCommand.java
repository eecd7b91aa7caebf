package dev.nonstop.cli;

import dev.nonstop.cli.config.NonstopConfig;
import dev.nonstop.core.HostPort;
import dev.nonstop.core.Termination;
import dev.nonstop.core.registry.InstanceRegistrar;
import dev.nonstop.web.internal.handoff.Inheritance;
import dev.nonstop.web.internal.handoff.Takeover;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import dev.nonstop.core.registry.LocalRegistry;
import dev.nonstop.gateway.Gateway;
import dev.nonstop.core.config.ConfigException;
import dev.nonstop.supervisor.Leftovers;
import dev.nonstop.supervisor.Supervisor;
import dev.nonstop.web.Engine;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * {@code nonstop up}: validates the whole config before anything starts, opens the gateway (when
 * the config has one) and the control API, writes the token and admin files, starts the apps, and
 * on SIGTERM/SIGINT stops accepting clients, lets their requests finish, stops the apps (in reverse
 * dependency order) and exits 0.
 *
 * <p>With a {@code gateway:} block, membership flows one way: supervisor events, to the registry
 * (an instance is registered while READY), to the gateway's app upstreams. A planned stop drains
 * an instance in the gateway before its stop signal ({@link AppGateway}).
 */
@Command(name = "up", description = "Start the supervisor (and the gateway, if configured) in the foreground; logs JSON to stdout.")
final class UpCommand implements Callable<Integer> {
  private static final Logger log = LoggerFactory.getLogger("nonstop.up");
  /** How long in-flight client requests may take to finish when nonstop stops. */
  static final Duration GATEWAY_DRAIN = Duration.ofSeconds(30);

  @Mixin Main.ConfigOption config;

  @Override
  public Integer call() throws Exception {
    return run(config.file, null);
  }

  /**
   * Runs everything for {@code file} until a stop signal.
   *
   * @param started called once everything listens, with the gateway's URL (null without one) and
   *     the control API's
   */
  static int run(Path file, java.util.function.BiConsumer<String, String> started) throws Exception {
    // Started by `nonstop upgrade` of a running nonstop up: take its gateway listener over.
    Optional<Inheritance> inheritance;
    try {
      inheritance = Inheritance.claim(System.getenv(), ProcessHandle.current().parent().map(ProcessHandle::pid).orElse(-1L));
    } catch (IllegalArgumentException e) {
      throw new CliException("handoff: " + e.getMessage(), 2);
    }
    NonstopConfig conf;
    try {
      conf = NonstopConfig.load(file);
    } catch (ConfigException e) {
      throw new CliException(e.getMessage(), 2);
    }
    RunFiles files = new RunFiles(file);
    if (inheritance.isEmpty()) {
      var running = files.runningAdmin();
      if (running.isPresent()) {
        throw new CliException("already running for " + file + " (pid " + running.get().pid()
            + ", control API " + running.get().url() + ")");
      }
      // A supervisor that was SIGKILLed took its instances with it, but not what they had forked.
      // (Not during an upgrade: the file lists the old process's instances, which are alive.)
      Leftovers.sweep(files.leftoversFile());
    }
    PrometheusMeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    Supervisor sup;
    try {
      sup = Supervisor.create(conf.apps().values(), meters);
    } catch (IllegalArgumentException e) {
      throw new CliException(file + ": " + e.getMessage(), 2);
    } catch (IllegalStateException e) {
      throw new CliException(e.getMessage());
    }
    Gateway gateway = null;
    AppGateway joined = null;
    Takeover takeover = null;
    EventLoopGroup handoffLoop = null;
    if (conf.gateway() != null) {
      try {
        if (inheritance.isPresent()) {
          handoffLoop = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
          takeover = Takeover.connect(inheritance.get(), handoffLoop, Duration.ofSeconds(10));
          gateway = Gateway.takeOver(conf.gateway(), meters, takeover.listeners().get(Inheritance.MAIN));
        } else {
          gateway = Gateway.start(conf.gateway(), meters);
        }
      } catch (RuntimeException e) {
        if (takeover != null) {
          takeover.failed("gateway: " + rootMessage(e));
        }
        sup.close();
        throw new CliException("gateway cannot listen on " + conf.gateway().listen() + ": " + rootMessage(e));
      }
      LocalRegistry registry = new LocalRegistry();
      joined = new AppGateway(gateway, registry);
      sup.subscribe(new InstanceRegistrar(registry, AppGateway.HOST));
      sup.drainWith(joined::drained);
    } else if (inheritance.isPresent()) {
      sup.close();
      throw new CliException("handoff: pid " + inheritance.get().parent() + " hands over its gateway listener, and "
          + file + " has no gateway block now");
    }
    Reloads reloads = new Reloads(file, sup, gateway, joined);
    // The status page's recent events; the listener only swaps a short list, so it is quick.
    EventLog events = new EventLog(20);
    sup.subscribe(events);
    StatusPage page = new StatusPage(sup, gateway, meters, events);
    String token = RunFiles.newToken();
    CountDownLatch done = new CountDownLatch(1);
    AtomicReference<Engine> adminRef = new AtomicReference<>();
    Supervisor s = sup;
    Gateway g = gateway;
    AppGateway j = joined;
    long pid = ProcessHandle.current().pid();
    AtomicBoolean stopping = new AtomicBoolean();
    AtomicReference<AutoCloseable> leftoversRecording = new AtomicReference<>();
    // The way out: clients first (stop accepting, let their requests finish), then the apps behind
    // them. After an upgrade the control API goes first, so that the new process can bind its port.
    java.util.function.Consumer<Boolean> shutdown = upgraded -> {
      if (!stopping.compareAndSet(false, true)) {
        return;
      }
      try {
        Engine a = adminRef.get();
        if (upgraded && a != null) {
          a.stop(Duration.ofSeconds(1));
        }
        if (upgraded && leftoversRecording.get() != null) {
          // The new supervisor keeps the leftovers file from here; this one's instances are on
          // their way out (and die with this process anyway).
          try {
            leftoversRecording.get().close();
          } catch (Exception e) {
            // a local subscription does not fail to close
          }
        }
        page.close();
        stopGateway(g, j);
        s.close();
        if (!upgraded && a != null) {
          a.stop(Duration.ofSeconds(1));
        }
        if (!upgraded) {
          // After a handoff the files are the new process's: it writes them as soon as it has the
          // control API's port, which may be before or while this one ends. Reading the pid in the
          // admin file and then deleting raced with that write (and lost the new token).
          files.delete(pid);
        }
        log.atInfo().setMessage(upgraded ? "nonstop stopped: handed over" : "nonstop stopped").log();
      } finally {
        done.countDown();
      }
    };
    SelfUpgrade upgrade = new SelfUpgrade(gateway, sup, () -> shutdown.accept(true));
    Engine admin = ControlApi.engine(sup, gateway, reloads, upgrade, page, token, meters, conf.admin().host());
    adminRef.set(admin);
    String url;
    if (takeover == null) {
      try {
        admin.start(conf.admin().port());
      } catch (RuntimeException e) {
        stopGateway(gateway, joined);
        sup.close();
        throw new CliException("control API cannot listen on " + conf.admin().listen() + ": " + rootMessage(e));
      }
      url = writeFiles(files, token, conf, admin, pid, gateway, () -> {
        admin.stop(Duration.ZERO);
        stopGateway(g, j);
        s.close();
      });
    } else {
      url = null;
    }
    Termination.onSignal(() -> {
      upgrade.cancel();
      shutdown.accept(false);
    });
    Termination.onUpgradeSignal(() -> upgrade.upgrade());
    Leftovers leftovers = new Leftovers(files.leftoversFile());
    AutoCloseable recording = s.subscribe(leftovers);
    leftoversRecording.set(recording);
    s.start();
    page.start();
    if (takeover != null) {
      url = takeOver(takeover, handoffLoop, s, gateway, admin, conf, files, token, pid, stopping,
          () -> shutdown.accept(false), leftovers);
      if (url == null) {
        done.await(); // stopped (a signal) or let down by the old process while taking over
        return 1;
      }
    }
    if (takeover == null) {
      notifyWhenServing(s, gateway, stopping); // Type=notify (after an upgrade: sent in takeOver)
    }
    String gatewayUrl = gatewayUrl(conf, gateway);
    log.atInfo()
        .setMessage("nonstop up: {} apps, {} instances; {}control API {} (token in {})")
        .addArgument(conf.apps().size())
        .addArgument(s.status().size())
        .addArgument(gatewayUrl == null ? "" : "gateway " + gatewayUrl + ", ")
        .addArgument(url)
        .addArgument(files.tokenFile())
        .addKeyValue("admin", url)
        .addKeyValue("gateway", gatewayUrl)
        .addKeyValue("pid", pid)
        .log();
    if (started != null) {
      started.accept(gatewayUrl, url);
    }
    done.await();
    return 0;
  }

  private static String gatewayUrl(NonstopConfig conf, Gateway gateway) {
    return gateway == null ? null
        : "http://" + new HostPort(HostPort.parse(conf.gateway().listen()).host(), gateway.port());
  }

  // The token and the admin file, which is how the commands find this process.
  private static String writeFiles(RunFiles files, String token, NonstopConfig conf, Engine admin, long pid,
      Gateway gateway, Runnable undo) throws CliException {
    String url = "http://" + new HostPort(conf.admin().host(), admin.port());
    try {
      files.writeToken(token);
      files.writeAdmin(url, pid, gatewayUrl(conf, gateway));
    } catch (IOException e) {
      undo.run();
      throw new CliException("cannot write " + files.tokenFile() + ": " + e.getMessage());
    }
    return url;
  }

  /**
   * Tells systemd READY=1 once this process serves: at once without a gateway, else as soon as every
   * app the gateway routes to has a READY instance (before that its requests get 503, and systemd
   * would call the service started). On a thread of its own; without systemd it does nothing. An
   * app that never gets ready holds the notification back, so {@code TimeoutStartSec} (which must
   * cover the apps' start, see the README's unit) fails the start.
   */
  private static void notifyWhenServing(Supervisor sup, Gateway gateway, AtomicBoolean stopping) {
    if (!SystemdNotify.available()) {
      return;
    }
    if (gateway == null) {
      SystemdNotify.send("READY=1");
      return;
    }
    Thread.ofVirtual().name("nonstop-notify-ready").start(() -> {
      while (!stopping.get()) {
        // Read each time: a reload during the start may change which apps the gateway routes to.
        java.util.Set<String> routed = new java.util.HashSet<>(gateway.spec().appUpstreams().values());
        java.util.Set<String> serving = new java.util.HashSet<>();
        sup.status().stream().filter(i -> i.state().isReady()).forEach(i -> serving.add(i.id().app()));
        if (serving.containsAll(routed)) {
          SystemdNotify.send("READY=1");
          return;
        }
        try {
          Thread.sleep(100);
        } catch (InterruptedException e) {
          return;
        }
      }
    });
  }

  /**
   * The new process's side of an upgrade, once its supervisor has started: wait until every
   * instance is READY, tell the old process, and on its "go" accept on the shared listener; then
   * take the control API's port over as soon as the old process has released it.
   */
  private static String takeOver(Takeover takeover, EventLoopGroup loop, Supervisor sup, Gateway gateway, Engine admin,
      NonstopConfig conf, RunFiles files, String token, long pid, AtomicBoolean stopping, Runnable stop,
      Leftovers leftovers) throws Exception {
    // Ready = every instance of an app the gateway routes to is READY: those are what will serve
    // the clients handed over. Other apps (a one-shot job, a crash-looping worker) do not hold it up.
    java.util.Set<String> routed = new java.util.HashSet<>(gateway.spec().appUpstreams().values());
    long deadline = System.nanoTime() + SelfUpgrade.TIMEOUT.plusSeconds(30).toNanos();
    while (!sup.status().stream().filter(i -> routed.contains(i.id().app())).allMatch(i -> i.state().isReady())) {
      // The old process kills this one at its own timeout; these are the ways to end sooner: it
      // died or let go of us (the control connection closed), a signal here, or our own deadline.
      if (stopping.get() || ProcessHandle.of(takeover.parent()).map(h -> !h.isAlive()).orElse(true)
          || System.nanoTime() > deadline) {
        log.atError().log("upgrade: giving up on taking over from pid {}", takeover.parent());
        takeover.failed("not ready");
        Thread.ofPlatform().start(stop);
        return null;
      }
      Thread.sleep(100);
    }
    try {
      takeover.ready().get();
    } catch (java.util.concurrent.ExecutionException e) {
      // It gave up on us (or died): nothing here may serve; stop what was started.
      log.atError().log("upgrade: pid {} did not let go: {}", takeover.parent(), rootMessage(e));
      Thread.ofPlatform().start(stop);
      return null;
    }
    if (!gateway.openGate()) {
      // Stopping (a signal since "go"): saying "serving" now would leave the socket to nobody.
      log.atError().log("upgrade: stopping before accepting; pid {} keeps serving", takeover.parent());
      takeover.failed("stopping before it accepted");
      Thread.ofPlatform().start(stop);
      return null;
    }
    takeover.serving(); // only now does the old process stop accepting
    // systemd must follow this process before the old one exits, or it takes that exit for the end.
    SystemdNotify.send("MAINPID=" + pid + "\nREADY=1");
    leftovers.rewrite(); // the old supervisor stops writing the file as it lets go; ours is the view now
    takeover.close();
    loop.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS);
    log.atInfo().addKeyValue("old_pid", takeover.parent())
        .log("upgrade: took over from pid {}; accepting on the gateway's listener", takeover.parent());
    // The old process stops its control API first thing after "serving"; until then its port is taken.
    // No deadline: this process serves now, and must become reachable by the commands (a warning
    // every 30 s says what is holding the port).
    long warnAt = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (true) {
      if (stopping.get()) {
        return null; // stopped before it got the port: no files to write for a process on its way out
      }
      try {
        admin.start(conf.admin().port());
        break;
      } catch (RuntimeException e) {
        if (System.nanoTime() > warnAt) {
          log.atWarn().log("upgrade: control API still cannot listen on {}: {}", conf.admin().listen(), rootMessage(e));
          warnAt = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        }
        Thread.sleep(100);
      }
    }
    return writeFiles(files, token, conf, admin, pid, gateway, () -> { });
  }

  private static void stopGateway(Gateway gateway, AppGateway joined) {
    if (gateway != null) {
      gateway.stop(GATEWAY_DRAIN);
      joined.close();
    }
  }

  private static String rootMessage(Throwable t) {
    while (t.getCause() != null) {
      t = t.getCause();
    }
    return t.getMessage();
  }
}
