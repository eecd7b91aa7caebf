package dev.nonstop.cli;

import dev.nonstop.cli.config.NonstopConfig;
import dev.nonstop.core.config.ConfigException;
import dev.nonstop.gateway.Gateway;
import dev.nonstop.supervisor.AppSpec;
import dev.nonstop.supervisor.RolloutResult;
import dev.nonstop.supervisor.Supervisor;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code nonstop reload}: re-reads the config file and applies it without failing a request. An app
 * is rolled (new instances READY before old ones drain, see {@link Supervisor#reload}); the
 * gateway's routes and upstreams are swapped atomically. A file that does not load changes nothing:
 * the answer is the same one-line error {@code nonstop up} would print.
 *
 * <p>One reload at a time: a second one is refused while one runs, rather than queued behind a
 * rollout that may take minutes.
 */
final class Reloads {
  private static final Logger log = LoggerFactory.getLogger("nonstop.up");

  private final Path file;
  private final Supervisor supervisor;
  private final Gateway gateway;
  private final AppGateway joined;
  private final ReentrantLock running = new ReentrantLock();

  Reloads(Path file, Supervisor supervisor, Gateway gateway, AppGateway joined) {
    this.file = file;
    this.supervisor = supervisor;
    this.gateway = gateway;
    this.joined = joined;
  }

  /** How a reload ended: {@code ok} or not, and one line saying what happened. */
  record Outcome(boolean ok, String message) {}

  /** Rolls {@code app} to its definition in the file now (the same one, after its jar changed). */
  Outcome app(String app, Consumer<String> progress) {
    if (!running.tryLock()) {
      return new Outcome(false, "another reload is running; try again when it is done");
    }
    try {
      NonstopConfig conf = NonstopConfig.load(file);
      AppSpec spec = conf.apps().get(app);
      if (spec == null) {
        return new Outcome(false, file + ": apps." + app + " is gone (expected: the app to reload in the file; "
            + "removing an app needs a restart of nonstop up)");
      }
      return roll(app, spec, progress);
    } catch (ConfigException e) {
      return new Outcome(false, e.getMessage());
    } finally {
      running.unlock();
    }
  }

  /**
   * Applies the whole file: the gateway's rules, then every app whose definition changed, one
   * after the other, stopping at the first that fails. Adding or removing apps, or the gateway,
   * needs a restart (refused here, nothing changed).
   */
  Outcome config(Consumer<String> progress) {
    if (!running.tryLock()) {
      return new Outcome(false, "another reload is running; try again when it is done");
    }
    try {
      NonstopConfig conf = NonstopConfig.load(file);
      Map<String, AppSpec> next = conf.apps();
      List<String> now = supervisor.apps().stream().map(AppSpec::name).toList();
      if (!new ArrayList<>(next.keySet()).equals(now)) {
        return new Outcome(false, file + ": apps " + next.keySet() + " (expected: the running apps " + now
            + "; adding, removing or reordering apps needs a restart of nonstop up)");
      }
      if ((conf.gateway() == null) != (gateway == null)) {
        return new Outcome(false, file + ": gateway (expected: " + (gateway == null ? "none" : "a gateway block")
            + " as when nonstop up started; adding or removing the gateway needs a restart)");
      }
      // Everything is checked before anything changes: a refused app must not leave the gateway or
      // the apps before it already switched.
      for (AppSpec running : supervisor.apps()) {
        AppSpec spec = next.get(running.name());
        if (!Objects.equals(spec, running)) {
          try {
            supervisor.checkReload(running.name(), spec);
          } catch (IllegalArgumentException e) {
            return new Outcome(false, file + ": apps." + e.getMessage() + " (nothing was changed)");
          }
        }
      }
      if (gateway != null && !conf.gateway().equals(gateway.spec())) {
        try {
          gateway.reload(conf.gateway());
        } catch (IllegalArgumentException e) {
          return new Outcome(false, file + ": " + e.getMessage());
        }
        joined.sync();
        progress.accept("gateway: routes and upstreams reloaded");
      }
      int rolled = 0;
      for (AppSpec running : supervisor.apps()) {
        AppSpec spec = next.get(running.name());
        if (!Objects.equals(spec, running)) {
          Outcome o = roll(running.name(), spec, progress);
          if (!o.ok()) {
            return o;
          }
          rolled++;
        }
      }
      return new Outcome(true, "config reloaded: " + (gateway == null ? "" : "gateway checked, ") + rolled
          + (rolled == 1 ? " app" : " apps") + " rolled");
    } catch (ConfigException e) {
      return new Outcome(false, e.getMessage());
    } finally {
      running.unlock();
    }
  }

  private Outcome roll(String app, AppSpec spec, Consumer<String> progress) {
    try {
      RolloutResult r = supervisor.reload(app, spec, progress);
      if (r.ok()) {
        log.atInfo().setMessage("reload of {}: {}").addArgument(app).addArgument(r.message()).log();
      } else {
        log.atWarn().setMessage("reload of {} failed: {}").addArgument(app).addArgument(r.message()).log();
      }
      return new Outcome(r.ok(), r.message());
    } catch (IllegalArgumentException | IllegalStateException | java.util.NoSuchElementException e) {
      return new Outcome(false, app + ": " + e.getMessage());
    }
  }
}
