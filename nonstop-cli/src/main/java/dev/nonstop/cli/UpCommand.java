package dev.nonstop.cli;

import dev.nonstop.cli.config.NonstopConfig;
import dev.nonstop.core.HostPort;
import dev.nonstop.core.Termination;
import dev.nonstop.core.registry.InstanceRegistrar;
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
    NonstopConfig conf;
    try {
      conf = NonstopConfig.load(file);
    } catch (ConfigException e) {
      throw new CliException(e.getMessage(), 2);
    }
    RunFiles files = new RunFiles(file);
    var running = files.runningAdmin();
    if (running.isPresent()) {
      throw new CliException("already running for " + file + " (pid " + running.get().pid()
          + ", control API " + running.get().url() + ")");
    }
    // A supervisor that was SIGKILLed took its instances with it, but not what they had forked.
    Leftovers.sweep(files.leftoversFile());
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
    if (conf.gateway() != null) {
      try {
        gateway = Gateway.start(conf.gateway(), meters);
      } catch (RuntimeException e) {
        sup.close();
        throw new CliException("gateway cannot listen on " + conf.gateway().listen() + ": " + rootMessage(e));
      }
      LocalRegistry registry = new LocalRegistry();
      joined = new AppGateway(gateway, registry);
      sup.subscribe(new InstanceRegistrar(registry, "127.0.0.1"));
      sup.drainWith(joined::drained);
    }
    Reloads reloads = new Reloads(file, sup, gateway, joined);
    String token = RunFiles.newToken();
    Engine admin = ControlApi.engine(sup, gateway, reloads, token, meters, conf.admin().host());
    try {
      admin.start(conf.admin().port());
    } catch (RuntimeException e) {
      stopGateway(gateway, joined);
      sup.close();
      throw new CliException("control API cannot listen on " + conf.admin().listen() + ": " + rootMessage(e));
    }
    long pid = ProcessHandle.current().pid();
    String url = "http://" + new HostPort(conf.admin().host(), admin.port());
    String gatewayUrl = gateway == null ? null
        : "http://" + new HostPort(HostPort.parse(conf.gateway().listen()).host(), gateway.port());
    try {
      files.writeToken(token);
      files.writeAdmin(url, pid, gatewayUrl);
    } catch (IOException e) {
      admin.stop(Duration.ZERO);
      stopGateway(gateway, joined);
      sup.close();
      throw new CliException("cannot write " + files.tokenFile() + ": " + e.getMessage());
    }
    CountDownLatch done = new CountDownLatch(1);
    Supervisor s = sup;
    Gateway g = gateway;
    AppGateway j = joined;
    Termination.onSignal(() -> {
      try {
        // Clients first: stop accepting, let their requests finish; then the apps behind them.
        stopGateway(g, j);
        s.close();
        admin.stop(Duration.ofSeconds(1));
        files.delete(pid);
        log.atInfo().setMessage("nonstop stopped").log();
      } finally {
        done.countDown();
      }
    });
    s.subscribe(new Leftovers(files.leftoversFile()));
    s.start();
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
