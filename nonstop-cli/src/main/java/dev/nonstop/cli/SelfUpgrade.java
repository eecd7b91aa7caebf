package dev.nonstop.cli;

import dev.nonstop.gateway.Gateway;
import dev.nonstop.supervisor.AppSpec;
import dev.nonstop.supervisor.Supervisor;
import dev.nonstop.web.Handoff;
import dev.nonstop.web.Handoff.Status;
import dev.nonstop.web.internal.handoff.Command;
import dev.nonstop.web.internal.handoff.Inheritance;
import dev.nonstop.web.internal.handoff.Upgrade;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.unix.FileDescriptor;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code nonstop upgrade} (and SIGUSR2), the old process's side: start a new {@code nonstop up}
 * with the same command line (the jar on disk now, so a replaced jar is the upgrade), hand it the
 * gateway's listening socket, and once it reports its own instances READY, let go: stop accepting,
 * drain, stop the old instances, exit. The new process accepts on the same socket only after the
 * old one has said so, and the kernel's queue of waiting clients belongs to the socket, not to
 * either process: no client is refused or reset on the way. If the new process fails (exits, says
 * why, or is not ready within the timeout), it is killed and this one goes on as before.
 *
 * <p>Needs the gateway (it is the listener that is handed over) and apps without fixed ports (the
 * new instances start beside the old ones). The pid of {@code nonstop up} changes: see the README
 * on process managers.
 */
final class SelfUpgrade {
  private static final Logger log = LoggerFactory.getLogger("nonstop.up");
  /** How long the new process has to start its instances and get them READY. */
  static final Duration TIMEOUT = Duration.ofMinutes(2);

  private final Gateway gateway;
  private final Supervisor supervisor;
  private final Runnable letGo;
  private final AtomicBoolean running = new AtomicBoolean();
  private volatile boolean done;
  private volatile Upgrade current;
  private volatile boolean stopping;

  /**
   * @param letGo stops this process after a successful handoff: accepting, then draining, then
   *     the instances; runs on a thread of its own
   */
  SelfUpgrade(Gateway gateway, Supervisor supervisor, Runnable letGo) {
    this.gateway = gateway;
    this.supervisor = supervisor;
    this.letGo = letGo;
  }

  /** Runs one upgrade; blocks until the new process took over or is gone. Never throws. */
  Handoff upgrade() {
    if (gateway == null) {
      return refused(Status.UNSUPPORTED, "nonstop upgrade hands over the gateway's listener, and this config has no "
          + "gateway block (restart nonstop up instead)");
    }
    for (AppSpec app : supervisor.apps()) {
      if (app.port() != null && app.port() > 0) {
        return refused(Status.UNSUPPORTED, "apps." + app.name() + ".port: " + app.port() + " (expected: port 0 for an "
            + "upgrade: the new instances start beside the old ones, so fixed ports would collide)");
      }
    }
    int fd = gateway.listenerFd();
    if (fd < 0) {
      return refused(Status.UNSUPPORTED, "nonstop upgrade needs Linux and the epoll transport");
    }
    if (done || !running.compareAndSet(false, true)) {
      return refused(Status.BUSY, done ? "this process has handed over already" : "an upgrade is already running");
    }
    EventLoopGroup loop = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
    try {
      Upgrade u = new Upgrade(loop, Map.of(Inheritance.MAIN, new FileDescriptor(fd)), Command.current(), TIMEOUT);
      current = u;
      if (stopping) {
        return refused(Status.CANCELLED, "nonstop up is stopping");
      }
      Handoff h = u.run();
      if (h.succeeded()) {
        done = true;
        log.atInfo().addKeyValue("new_pid", h.pid()).addKeyValue("elapsed_ms", h.elapsed().toMillis())
            .log("upgrade: pid {} took over after {} ms; letting go", h.pid(), h.elapsed().toMillis());
        Thread.ofPlatform().name("nonstop-let-go").start(letGo);
      } else {
        log.atError().addKeyValue("handoff", h.status().name())
            .log("upgrade failed, still serving: {}", h.detail());
      }
      return h;
    } catch (IOException e) {
      return refused(Status.SPAWN_FAILED, "cannot read this process's command line: " + e.getMessage());
    } finally {
      current = null;
      running.set(false);
      loop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }
  }

  /**
   * This process is stopping (a signal): an upgrade under way is called off and its new process
   * killed, so that no half-started successor is left holding the listening socket without serving it.
   */
  void cancel() {
    stopping = true;
    Upgrade u = current;
    if (u != null) {
      u.cancel();
    }
  }

  private static Handoff refused(Status status, String why) {
    log.atWarn().addKeyValue("handoff", status.name()).log("upgrade refused: {}", why);
    return new Handoff(status, -1, Duration.ZERO, why);
  }
}
