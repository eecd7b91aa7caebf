package dev.nonstop.cli;

import dev.nonstop.cli.config.NonstopConfig;
import dev.nonstop.core.HostPort;
import dev.nonstop.core.Termination;
import dev.nonstop.core.config.ConfigException;
import dev.nonstop.supervisor.Leftovers;
import dev.nonstop.supervisor.Supervisor;
import dev.nonstop.web.Engine;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * {@code nonstop up}: validates the whole config before anything starts, opens the control API,
 * writes the token and admin files, starts the apps, and on SIGTERM/SIGINT stops them all (in
 * reverse dependency order) and exits 0.
 */
@Command(name = "up", description = "Start the supervisor in the foreground; logs JSON to stdout.")
final class UpCommand implements Callable<Integer> {
  private static final Logger log = LoggerFactory.getLogger("nonstop.up");

  @Mixin Main.ConfigOption config;

  @Override
  public Integer call() throws Exception {
    NonstopConfig conf;
    try {
      conf = NonstopConfig.load(config.file);
    } catch (ConfigException e) {
      throw new CliException(e.getMessage(), 2);
    }
    RunFiles files = new RunFiles(config.file);
    var running = files.runningAdmin();
    if (running.isPresent()) {
      throw new CliException("already running for " + config.file + " (pid " + running.get().pid()
          + ", control API " + running.get().url() + ")");
    }
    // A supervisor that was SIGKILLed took its instances with it, but not what they had forked.
    Leftovers.sweep(files.leftoversFile());
    PrometheusMeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    Supervisor sup;
    try {
      sup = Supervisor.create(conf.apps().values(), meters);
    } catch (IllegalArgumentException e) {
      throw new CliException(config.file + ": " + e.getMessage(), 2);
    } catch (IllegalStateException e) {
      throw new CliException(e.getMessage());
    }
    String token = RunFiles.newToken();
    Engine admin = ControlApi.engine(sup, token, meters, conf.admin().host());
    try {
      admin.start(conf.admin().port());
    } catch (RuntimeException e) {
      sup.close();
      throw new CliException("control API cannot listen on " + conf.admin().listen() + ": " + rootMessage(e));
    }
    long pid = ProcessHandle.current().pid();
    String url = "http://" + new HostPort(conf.admin().host(), admin.port());
    try {
      files.writeToken(token);
      files.writeAdmin(url, pid);
    } catch (IOException e) {
      admin.stop(Duration.ZERO);
      sup.close();
      throw new CliException("cannot write " + files.tokenFile() + ": " + e.getMessage());
    }
    CountDownLatch done = new CountDownLatch(1);
    Supervisor s = sup;
    Termination.onSignal(() -> {
      try {
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
        .setMessage("nonstop up: {} apps, {} instances; control API {} (token in {})")
        .addArgument(conf.apps().size())
        .addArgument(s.status().size())
        .addArgument(url)
        .addArgument(files.tokenFile())
        .addKeyValue("admin", url)
        .addKeyValue("pid", pid)
        .log();
    done.await();
    return 0;
  }

  private static String rootMessage(Throwable t) {
    while (t.getCause() != null) {
      t = t.getCause();
    }
    return t.getMessage();
  }
}
