package dev.nonstop.cli;

import dev.nonstop.cli.config.GatewayConfig;
import dev.nonstop.core.HostPort;
import dev.nonstop.core.Termination;
import dev.nonstop.core.config.ConfigException;
import dev.nonstop.gateway.Gateway;
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
import picocli.CommandLine.Option;

/**
 * {@code nonstop gateway}: runs the reverse proxy alone, in the foreground. The config is checked
 * whole before anything binds; SIGHUP or {@code POST /v1/reload} re-reads it and swaps it in
 * atomically, or logs the one-line problem and keeps the old one; SIGTERM/SIGINT drain in-flight
 * requests and exit 0.
 */
@Command(name = "gateway", description = "Run the gateway (reverse proxy and load balancer) in the foreground.")
final class GatewayCommand implements Callable<Integer> {
  private static final Logger log = LoggerFactory.getLogger("nonstop.gateway");

  @Option(names = {"-c", "--config"}, paramLabel = "FILE", defaultValue = "gateway.yaml",
      description = "The config file (default: ${DEFAULT-VALUE} in the current directory).")
  Path file;

  @Option(names = "--drain", paramLabel = "DURATION", defaultValue = "30s",
      description = "How long in-flight requests may take to finish on SIGTERM (default: ${DEFAULT-VALUE}).")
  String drain;

  @Override
  public Integer call() throws Exception {
    Duration drainTime;
    try {
      drainTime = dev.nonstop.core.Durations.parse(drain);
    } catch (IllegalArgumentException e) {
      throw new CliException("--drain: " + e.getMessage(), 2);
    }
    GatewayConfig conf;
    try {
      conf = GatewayConfig.load(file);
    } catch (ConfigException e) {
      throw new CliException(e.getMessage(), 2);
    }
    RunFiles files = new RunFiles(file);
    var running = files.runningAdmin();
    if (running.isPresent()) {
      throw new CliException("already running for " + file + " (pid " + running.get().pid()
          + ", admin API " + running.get().url() + ")");
    }
    PrometheusMeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    Gateway gateway;
    try {
      gateway = Gateway.start(conf.gateway(), meters);
    } catch (IllegalArgumentException e) {
      throw new CliException(file + ": " + e.getMessage(), 2);
    } catch (IllegalStateException e) {
      throw new CliException(e.getMessage());
    }
    String token = RunFiles.newToken();
    Engine admin = GatewayApi.engine(gateway, () -> reload(gateway), token, meters, conf.admin().host());
    try {
      admin.start(conf.admin().port());
    } catch (RuntimeException e) {
      gateway.stop(Duration.ZERO);
      throw new CliException("admin API cannot listen on " + conf.admin().listen() + ": " + e.getMessage());
    }
    long pid = ProcessHandle.current().pid();
    String url = "http://" + new HostPort(conf.admin().host(), admin.port());
    try {
      files.writeToken(token);
      files.writeAdmin(url, pid);
    } catch (IOException e) {
      admin.stop(Duration.ZERO);
      gateway.stop(Duration.ZERO);
      throw new CliException("cannot write " + files.tokenFile() + ": " + e.getMessage());
    }
    CountDownLatch done = new CountDownLatch(1);
    Termination.onHangup(() -> reload(gateway));
    Termination.onSignal(() -> {
      try {
        gateway.stop(drainTime);
        admin.stop(Duration.ofSeconds(1));
        files.delete(pid);
      } finally {
        done.countDown();
      }
    });
    log.atInfo()
        .setMessage("nonstop gateway: listening on port {}; admin API {} (token in {})")
        .addArgument(gateway.port())
        .addArgument(url)
        .addArgument(files.tokenFile())
        .addKeyValue("port", gateway.port())
        .addKeyValue("admin", url)
        .addKeyValue("pid", pid)
        .log();
    done.await();
    return 0;
  }

  // Synchronized: SIGHUP and the admin API may reload at once, and the file read last must win.
  private synchronized String reload(Gateway gateway) {
    try {
      GatewayConfig next = GatewayConfig.load(file);
      gateway.reload(next.gateway());
      return null;
    } catch (ConfigException | IllegalArgumentException e) {
      log.atError().addKeyValue("config", file.toString()).log("reload refused, old config keeps running: {}",
          e.getMessage());
      return e.getMessage();
    }
  }
}
