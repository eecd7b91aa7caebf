package dev.nonstop.core;

import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SIGTERM/SIGINT (and SIGHUP) handling, shared by every Nonstop process (a web app, the supervisor,
 * the gateway). A JVM
 * shutdown hook would run the drain too, but the process would then exit with 143; handling the
 * signal ourselves lets a drained process exit 0, which supervisors read as a clean stop.
 */
public final class Termination {
  private static final Logger log = LoggerFactory.getLogger(Termination.class);

  private Termination() {}

  /** Runs {@code drain} once, on its own thread, at the first SIGTERM or SIGINT. */
  public static void onSignal(Runnable drain) {
    AtomicBoolean fired = new AtomicBoolean();
    for (String name : new String[] {"TERM", "INT"}) {
      try {
        sun.misc.Signal.handle(new sun.misc.Signal(name), sig -> {
          if (fired.compareAndSet(false, true)) {
            log.atInfo().addKeyValue("signal", "SIG" + sig.getName()).log("received SIG{}, draining", sig.getName());
            Thread.ofPlatform().name("nonstop-drain").start(drain);
          }
        });
      } catch (IllegalArgumentException e) {
        log.warn("cannot handle SIG{} here: {}", name, e.getMessage());
      }
    }
  }

  /**
   * Runs {@code reload} on its own thread at every SIGHUP (nginx's and HAProxy's reload signal).
   * Reloads do not overlap: a SIGHUP that arrives during one is handled after it.
   */
  public static void onHangup(Runnable reload) {
    if (hangupIgnored()) {
      // The JVM does not take over a signal that was ignored when it started (nohup does that).
      log.warn("SIGHUP is ignored in this process (started under nohup?); reload through the admin API instead");
      return;
    }
    Object lock = new Object();
    try {
      sun.misc.Signal.handle(new sun.misc.Signal("HUP"), sig -> Thread.ofPlatform().name("nonstop-reload").start(() -> {
        synchronized (lock) {
          log.atInfo().addKeyValue("signal", "SIGHUP").log("received SIGHUP, reloading");
          reload.run();
        }
      }));
    } catch (IllegalArgumentException e) {
      log.warn("cannot handle SIGHUP here: {}", e.getMessage());
    }
  }

  /**
   * Runs {@code upgrade} on its own thread at every SIGUSR2 (the signal nginx and tableflip-based
   * servers take to replace their binary). The action itself refuses a second upgrade while one runs.
   */
  public static void onUpgradeSignal(Runnable upgrade) {
    try {
      sun.misc.Signal.handle(new sun.misc.Signal("USR2"), sig -> {
        log.atInfo().addKeyValue("signal", "SIGUSR2").log("received SIGUSR2, upgrading");
        Thread.ofPlatform().name("nonstop-upgrade").start(upgrade);
      });
    } catch (IllegalArgumentException e) {
      log.warn("cannot handle SIGUSR2 here: {}", e.getMessage());
    }
  }

  // Bit 0 of SigIgn in /proc/self/status is SIGHUP. Not Linux, or unreadable: assume handled.
  private static boolean hangupIgnored() {
    try {
      for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/self/status"))) {
        if (line.startsWith("SigIgn:")) {
          return (Long.parseUnsignedLong(line.substring(7).trim(), 16) & 1L) != 0;
        }
      }
    } catch (java.io.IOException | RuntimeException e) {
      return false;
    }
    return false;
  }
}
