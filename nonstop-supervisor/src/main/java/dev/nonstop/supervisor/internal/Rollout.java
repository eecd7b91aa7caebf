package dev.nonstop.supervisor.internal;

import static dev.nonstop.core.InstanceState.READY;

import dev.nonstop.core.Durations;
import dev.nonstop.core.InstanceState;
import dev.nonstop.supervisor.AppSpec.RolloutSpec;
import dev.nonstop.supervisor.InstanceStatus;
import dev.nonstop.supervisor.RolloutResult;
import dev.nonstop.supervisor.RolloutResult.Outcome;
import dev.nonstop.supervisor.RolloutResult.SlotResult;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One rolling reload of one app: replaces the instance of every slot with one of the new spec,
 * batch by batch, as {@link RolloutSpec} describes. A slot's new instance takes over only once it is
 * READY; the old one then leaves through the normal stop (DRAINING, STOPPING, STOPPED). The first
 * slot that fails ends the rollout after its batch, with that slot back on the old spec.
 *
 * <p>Runs in the caller's thread; the slots of a batch run on virtual threads of their own.
 */
public final class Rollout {
  private static final Logger log = LoggerFactory.getLogger("nonstop.supervisor");

  private final String app;
  private final List<Slot> slots;
  private final RolloutSpec policy;
  private final Function<Slot, Instance> spawner;
  private final boolean drains;
  private final BooleanSupplier stopping;
  private final Consumer<String> progress;
  private final ReentrantLock progressLock = new ReentrantLock();

  /**
   * @param spawner makes (does not start) a slot's new instance: the new spec and its port; an
   *     {@link IllegalStateException} from it (no port to give) fails the slot with its message
   * @param drains whether the supervisor has a drainer (only for the words of the progress lines)
   * @param stopping whether the supervisor has begun to stop: no further batch then
   * @param progress receives one line per step; called from one thread at a time
   */
  public Rollout(String app, List<Slot> slots, RolloutSpec policy, Function<Slot, Instance> spawner,
      boolean drains, BooleanSupplier stopping, Consumer<String> progress) {
    this.app = app;
    this.slots = List.copyOf(slots);
    this.policy = policy;
    this.spawner = spawner;
    this.drains = drains;
    this.stopping = stopping;
    this.progress = progress;
  }

  /** Replaces every slot, or stops at the first batch that fails; never throws for a failed slot. */
  public RolloutResult run() {
    long t0 = System.nanoTime();
    int n = slots.size();
    int batch = policy.maxSurge() + policy.maxUnavailable();
    List<SlotResult> results = new ArrayList<>();
    String failure = null;
    for (int first = 0; first < n && failure == null; first += batch) {
      if (stopping.getAsBoolean()) {
        failure = app + ": the supervisor is stopping";
        break;
      }
      List<CompletableFuture<SlotResult>> running = new ArrayList<>();
      for (int i = first; i < Math.min(n, first + batch); i++) {
        Slot slot = slots.get(i);
        boolean surge = i - first < policy.maxSurge();
        running.add(inThread(slot, () -> surge ? surge(slot) : makeRoom(slot)));
      }
      for (CompletableFuture<SlotResult> f : running) {
        SlotResult r = f.join();
        results.add(r);
        if (r.outcome() == Outcome.FAILED && failure == null) {
          failure = r.detail();
        }
      }
    }
    for (int i = results.size(); i < n; i++) {
      InstanceStatus st = slots.get(i).current().status();
      results.add(new SlotResult(st.id(), Outcome.SKIPPED, st.pid(), -1, 0, "not tried: the rollout stopped before it"));
    }
    long replaced = results.stream().filter(r -> r.outcome() == Outcome.REPLACED).count();
    String message;
    if (failure == null) {
      message = String.format(Locale.ROOT, "reload of %s done: %d instance%s replaced in %.1f s",
          app, replaced, replaced == 1 ? "" : "s", (System.nanoTime() - t0) / 1e9);
      say(message);
    } else {
      message = failure + "; " + replaced + " of " + n + " instances replaced";
      say("reload of " + app + " failed: " + message);
    }
    return new RolloutResult(failure == null, message, results);
  }

  /** Surge: the new instance starts next to the old one, which stops once the new one is READY. */
  private SlotResult surge(Slot slot) throws InterruptedException {
    Instance old = slot.current();
    InstanceStatus was = old.status();
    Started s = startNew(slot, was);
    if (s.failure != null) {
      return new SlotResult(slot.id(), Outcome.FAILED, was.pid(), s.pid(), s.port(), s.failure);
    }
    slot.promote(s.fresh);
    stopOld(slot, old, true, "reload: replaced by pid " + s.pid());
    slot.remove(old);
    return new SlotResult(slot.id(), Outcome.REPLACED, was.pid(), s.pid(), s.port(), s.detail);
  }

  /**
   * Unavailable: the old instance stops first, to make room; if the new one then fails, the old one
   * is started again, so the app is back at full strength.
   */
  private SlotResult makeRoom(Slot slot) throws InterruptedException {
    Instance old = slot.current();
    InstanceStatus was = old.status();
    // Stopped, not retired: it may have to come back.
    stopOld(slot, old, false, "reload: making room for its replacement");
    Started s = startNew(slot, was);
    if (s.failure != null) {
      say(slot, "starting the old instance again");
      old.start("reload failed: back to the previous spec");
      InstanceState back = old.awaitSettled(policy.readyTimeout());
      InstanceStatus now = old.status();
      say(slot, back == READY ? "old instance READY again (pid " + now.pid() + ")"
          : "old instance not READY again (" + back + ": " + now.reason() + ")");
      return new SlotResult(slot.id(), Outcome.FAILED, was.pid(), s.pid(), s.port(), s.failure);
    }
    slot.promote(s.fresh);
    old.retire("reload: replaced by pid " + s.pid()); // down already; keeps anything from starting it
    slot.remove(old);
    return new SlotResult(slot.id(), Outcome.REPLACED, was.pid(), s.pid(), s.port(), s.detail);
  }

  private void stopOld(Slot slot, Instance old, boolean retire, String why) {
    InstanceStatus st = old.status();
    boolean drain = drains && (st.state() == READY || st.state() == InstanceState.NOT_READY);
    say(slot, (drain ? "draining" : "stopping") + " old instance " + describe(st));
    if (retire) {
      old.retire(why);
    } else {
      old.stop(why);
    }
    say(slot, "old instance stopped");
  }

  /** A slot's new instance, READY, or stopped and forgotten again with {@code failure} saying why. */
  private record Started(Instance fresh, InstanceStatus status, String detail, String failure) {
    long pid() {
      return status == null ? -1 : status.pid();
    }

    int port() {
      return status == null ? 0 : fresh.port();
    }
  }

  private Started startNew(Slot slot, InstanceStatus was) throws InterruptedException {
    Instance fresh;
    try {
      fresh = spawner.apply(slot);
    } catch (IllegalStateException e) {
      if (Thread.interrupted()) { // interrupted while waiting for a port: the rollout is being stopped
        throw new InterruptedException(e.getMessage());
      }
      say(slot, "cannot start new instance: " + e.getMessage());
      return new Started(null, null, null, slot.id() + ": " + e.getMessage());
    }
    if (!slot.addIncoming(fresh)) {
      return new Started(fresh, null, null, slot.id() + ": the supervisor is stopping");
    }
    say(slot, fresh.port() > 0 ? "starting new instance on port " + fresh.port() : "starting new instance");
    long t0 = System.nanoTime();
    String why;
    InstanceStatus now;
    try {
      fresh.start(was.pid() > 0 ? "reload: replacing pid " + was.pid() : "reload");
      InstanceState st = fresh.awaitSettled(policy.readyTimeout());
      now = fresh.status();
      long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
      if (st == READY) {
        String detail = "new instance READY in " + ms + " ms (pid " + now.pid() + ")";
        say(slot, detail);
        return new Started(fresh, now, detail, null);
      }
      // Settled but not READY (FATAL, or down for good) fails at once; anything else ran out of time.
      why = st == InstanceState.FATAL || st == InstanceState.EXITED || st == InstanceState.STOPPED
          ? "new instance " + st + " after " + ms + " ms, never READY (" + now.reason() + ")"
          : "new instance not READY within " + Durations.format(policy.readyTimeout())
              + " (last state " + st + ": " + now.reason() + ")";
    } catch (InterruptedException | RuntimeException e) {
      fresh.retire("reload failed: " + e);
      slot.remove(fresh);
      throw e;
    }
    say(slot, "stopping new instance: " + why);
    fresh.retire("reload failed: " + why);
    slot.remove(fresh);
    return new Started(fresh, now, null, slot.id() + ": " + why);
  }

  private static String describe(InstanceStatus st) {
    if (st.pid() < 0) {
      return "(" + st.state() + ", no process)";
    }
    return "(pid " + st.pid() + (st.port() > 0 ? ", port " + st.port() : "") + ")";
  }

  private interface SlotStep {
    SlotResult run() throws InterruptedException;
  }

  private CompletableFuture<SlotResult> inThread(Slot slot, SlotStep step) {
    CompletableFuture<SlotResult> f = new CompletableFuture<>();
    Thread.ofVirtual().name(slot.id() + "-reload").start(() -> {
      try {
        f.complete(step.run());
      } catch (InterruptedException | RuntimeException e) {
        // A bug or an interrupt fails this slot, not the whole supervisor.
        log.atError().setMessage("{}: reload step failed").addArgument(slot.id()).setCause(e).log();
        InstanceStatus st = slot.current().status();
        f.complete(new SlotResult(slot.id(), Outcome.FAILED, st.pid(), -1, 0, slot.id() + ": " + e));
      }
    });
    return f;
  }

  private void say(Slot slot, String line) {
    say(slot.id() + ": " + line);
  }

  private void say(String line) {
    log.atInfo().setMessage("{}").addArgument(line).addKeyValue("app", app).addKeyValue("reload", true).log();
    progressLock.lock();
    try {
      progress.accept(line);
    } catch (RuntimeException e) {
      // The caller's sink failing (a closed connection) must not stop the rollout half way.
      log.atWarn().setMessage("reload progress sink failed: {}").addArgument(e.toString()).log();
    } finally {
      progressLock.unlock();
    }
  }
}
