package dev.nonstop.web.internal.handoff;

import dev.nonstop.web.Handoff;
import dev.nonstop.web.Handoff.Status;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.channel.unix.FileDescriptor;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The old process's side of one handoff: starts the new process, passes it the listening sockets,
 * and waits for the first of "ready", "failed", its exit, the timeout, or {@link #cancel()}. Only
 * "ready" within the timeout leads to "go"; after anything else the new process is killed (it never
 * accepted a connection: it accepts only after "go") and this process carries on as before. After
 * "go", a new process that said it would confirm is waited for until it says "serving" (at most
 * {@link #SERVING}); if it exits, says it failed, or falls silent first, this process, which has not
 * stopped accepting, carries on as before too, and the new one is stopped with SIGTERM, so that it
 * drains what it may have accepted.
 */
public final class Upgrade {
  private static final Logger log = LoggerFactory.getLogger(Upgrade.class);
  /** How long a killed process may take to be reaped before {@link #run()} returns anyway. */
  private static final Duration REAP = Duration.ofSeconds(10);
  /** How long a new process stopped after "go" may take to drain what it accepted before SIGKILL. */
  private static final Duration STOP_GRACE = Duration.ofSeconds(30);
  /** How long a new process may take from "go" to "serving" (opening its gate is a moment's work). */
  static final Duration SERVING = Duration.ofSeconds(10);

  private final EventLoopGroup group;
  private final Map<String, FileDescriptor> listeners;
  private final List<String> command;
  private final Duration timeout;
  // Completed once, by whichever comes first; everything after reads the winner.
  private final CompletableFuture<Verdict> verdict = new CompletableFuture<>();
  private final CompletableFuture<Process> spawned = new CompletableFuture<>();
  /** After "go": HANDED_OFF on "serving", or why not (it exited, or said it failed) if that came first. */
  private final CompletableFuture<Verdict> serving = new CompletableFuture<>();
  /** Whether "go" went out: from then on the new process may hold connections, so it is stopped, not killed. */
  private volatile boolean goSent;
  private volatile boolean confirms;
  private volatile Channel control;

  private record Verdict(Status status, String detail) {}

  /**
   * One handoff of {@code listeners} to a new process running {@code command}; {@link #run()} runs it.
   *
   * @param group an epoll event loop group for the handoff socket
   * @param listeners the listening sockets by name, in the order {@link Inheritance} announces them
   * @param command the new process's argv
   * @param timeout how long the new process may take to be ready
   */
  public Upgrade(EventLoopGroup group, Map<String, FileDescriptor> listeners, List<String> command, Duration timeout) {
    this.group = group;
    this.listeners = listeners;
    this.command = List.copyOf(command);
    this.timeout = timeout;
  }

  /**
   * Runs the handoff up to the point of no return. Returns {@link Status#HANDED_OFF} once the new
   * process has been told "go" (this process should then stop accepting and drain), or another status
   * once the new process is gone; logs the steps but not the outcome, which the caller reports.
   */
  public Handoff run() {
    long t0 = System.nanoTime();
    Rendezvous place = null;
    Channel server = null;
    Process process = null;
    try {
      place = Rendezvous.create(System.getenv("XDG_RUNTIME_DIR"), System.getProperty("java.io.tmpdir"));
      server = listen(place);
      ProcessBuilder pb = new ProcessBuilder(command).inheritIO(); // the new process logs where we log
      pb.environment().putAll(
          new Inheritance(place.socket(), ProcessHandle.current().pid(), List.copyOf(listeners.keySet())).environment());
      if (verdict.isDone()) { // cancelled while the socket was being set up
        Verdict v = verdict.join();
        return new Handoff(v.status(), -1, Duration.ofNanos(System.nanoTime() - t0), v.detail());
      }
      process = pb.start();
      spawned.complete(process);
      Process p = process;
      log.atInfo().addKeyValue("pid", p.pid()).addKeyValue("socket", place.socket().toString())
          .addKeyValue("timeout_ms", timeout.toMillis())
          .log("handoff: started pid {}; waiting up to {} ms for it to be ready", p.pid(), timeout.toMillis());
      p.onExit().thenAccept(this::exited);
      Verdict v = await();
      if (v.status() == Status.HANDED_OFF) {
        v = go(p);
      }
      if (v.status() != Status.HANDED_OFF) {
        if (goSent) {
          stop(p);
        } else {
          kill(p);
        }
      }
      return new Handoff(v.status(), p.pid(), Duration.ofNanos(System.nanoTime() - t0), v.detail());
    } catch (IOException | RuntimeException e) {
      spawned.completeExceptionally(e);
      if (process != null) {
        kill(process);
      }
      return new Handoff(Status.SPAWN_FAILED, process == null ? -1 : process.pid(),
          Duration.ofNanos(System.nanoTime() - t0), "cannot start " + command.get(0) + ": " + e.getMessage());
    } finally {
      // Only now, after "go" or after the kill: a new process that lives on never sees this
      // connection close without "go" while this process is alive.
      Channel c = control;
      if (c != null) {
        c.close().awaitUninterruptibly();
      }
      if (server != null) {
        server.close().awaitUninterruptibly();
      }
      if (place != null) {
        place.delete();
      }
    }
  }

  /**
   * Abandons the handoff unless the new process was already told "go": it is killed before this
   * returns, so a process that is stopping leaves no half-started successor behind.
   */
  public void cancel() {
    if (decide(Status.CANCELLED, "the engine is stopping")) {
      Process p = spawned.getNow(null);
      if (p != null) {
        kill(p);
      }
    }
  }

  private boolean decide(Status status, String detail) {
    return verdict.complete(new Verdict(status, detail));
  }

  private void exited(Process p) {
    Runnable decide = () -> {
      decide(Status.EXITED, "pid " + p.pid() + " exited with code " + p.exitValue() + " before it was ready");
      serving.complete(new Verdict(Status.EXITED, "pid " + p.pid() + " exited with code " + p.exitValue()
          + " after go, before it said it was serving"));
    };
    Channel c = control;
    if (c == null) {
      decide.run();
    } else {
      // What it wrote before exiting ("failed REASON") is read before the end of the stream, and says
      // more than the exit code; the reaper often notices the exit first.
      c.closeFuture().addListener(f -> decide.run());
    }
  }

  private Verdict await() {
    try {
      return verdict.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      decide(Status.TIMED_OUT, "not ready within " + timeout.toMillis() + " ms");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      decide(Status.CANCELLED, "interrupted while waiting for the new process");
    } catch (ExecutionException e) {
      decide(Status.SPAWN_FAILED, e.getCause().getMessage()); // never completed exceptionally, but be total
    }
    return verdict.join(); // whoever won, perhaps "ready" a moment before the timeout
  }

  // The point of no return for the new process: after "go" it accepts. This one stops accepting
  // only once the new one said "serving" (or, from a version that does not say it, at once).
  private Verdict go(Process p) {
    ChannelFuture told = Control.send(control, Control.GO).awaitUninterruptibly();
    if (!told.isSuccess() || !p.isAlive()) {
      return new Verdict(Status.EXITED, "pid " + p.pid() + " went away before it was told to serve"
          + (told.cause() != null ? ": " + told.cause().getMessage() : ""));
    }
    goSent = true;
    if (!confirms) {
      return verdict.join();
    }
    try {
      Verdict v = serving.get(SERVING.toMillis(), TimeUnit.MILLISECONDS);
      return v.status() == Status.HANDED_OFF ? verdict.join() : v;
    } catch (ExecutionException e) {
      return new Verdict(Status.EXITED, e.getCause().getMessage()); // never completed exceptionally, but be total
    } catch (TimeoutException e) {
      return new Verdict(Status.TIMED_OUT, "pid " + p.pid() + " did not say it was serving within "
          + SERVING.toMillis() + " ms of go");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Verdict(Status.CANCELLED, "interrupted while waiting for pid " + p.pid() + " to serve");
    }
  }

  /**
   * SIGTERM, for a new process told "go" that then failed to say "serving" (too slow, or stopping):
   * it may have accepted connections, which it drains as any stop does; SIGKILL after {@link #STOP_GRACE}.
   */
  private static void stop(Process p) {
    p.destroy();
    try {
      p.onExit().get(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      log.atWarn().addKeyValue("pid", p.pid())
          .log("handoff: pid {} still running {} ms after SIGTERM; killing it", p.pid(), STOP_GRACE.toMillis());
      kill(p);
    }
  }

  private static void kill(Process p) {
    p.destroyForcibly(); // SIGKILL: before "go" it has accepted nothing, so there is nothing to drain
    try {
      p.onExit().get(REAP.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      log.atWarn().addKeyValue("pid", p.pid()).log("handoff: pid {} still not reaped after SIGKILL", p.pid());
    }
  }

  private Channel listen(Rendezvous place) throws IOException {
    ChannelFuture bound = new ServerBootstrap()
        .group(group)
        .channel(EpollServerDomainSocketChannel.class)
        .childHandler(new ChannelInitializer<EpollDomainSocketChannel>() {
          @Override
          protected void initChannel(EpollDomainSocketChannel ch) {
            Control.addLines(ch.pipeline(), line -> heard(ch, line));
            // The process exists before anyone can know the socket's path, but the JDK may not have
            // handed it to us yet when a fast child connects.
            spawned.thenAccept(p -> ch.eventLoop().execute(() -> accepted(ch, p)));
          }
        })
        .bind(new DomainSocketAddress(place.socket().toString()))
        .awaitUninterruptibly();
    if (!bound.isSuccess()) {
      throw new IOException("cannot listen on " + place.socket() + ": " + bound.cause().getMessage(), bound.cause());
    }
    return bound.channel();
  }

  private void accepted(EpollDomainSocketChannel ch, Process p) {
    int peer;
    try {
      peer = ch.peerCredentials().pid();
    } catch (IOException e) {
      peer = -1;
    }
    if (peer != p.pid() || control != null) {
      // The directory is private to this user, so this is our own mistake or a stray process of ours.
      log.atWarn().addKeyValue("peer", peer).addKeyValue("pid", p.pid())
          .log("handoff: refused a connection from pid {} (expected: pid {}, once)", peer, p.pid());
      ch.close();
      return;
    }
    control = ch;
    List<String> names = new ArrayList<>(listeners.keySet());
    for (String name : names) {
      // One SCM_RIGHTS message each. The kernel gives the new process its own descriptor of the same
      // socket: ours stays open, and so does the accept queue both now share.
      ch.write(listeners.get(name)).addListener(f -> {
        if (!f.isSuccess()) {
          decide(Status.START_FAILED, "cannot pass the " + name + " listener to pid " + p.pid() + ": "
              + f.cause().getMessage());
        }
      });
    }
    ch.flush();
  }

  private void heard(Channel ch, String line) {
    if (ch != control) {
      return;
    }
    if (Control.CONFIRMS.equals(line)) {
      confirms = true;
      return;
    }
    if (Control.SERVING.equals(line)) {
      serving.complete(new Verdict(Status.HANDED_OFF, "serving"));
      return;
    }
    if (Control.READY.equals(line)) {
      decide(Status.HANDED_OFF, "pid " + spawned.join().pid() + " serves the listener");
      return;
    }
    String why = Control.failure(line);
    if (why != null) {
      String detail = "pid " + spawned.join().pid() + " could not start: " + why;
      decide(Status.START_FAILED, detail);
      serving.complete(new Verdict(Status.START_FAILED, detail)); // after "go": it did not open its gate
    }
  }
}
