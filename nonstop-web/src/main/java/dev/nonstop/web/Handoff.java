package dev.nonstop.web;

import java.time.Duration;
import java.util.Objects;

/**
 * The outcome of one {@link Engine#handoff()}: whether a new copy of this process took over the
 * listening socket, which process it is, and how long it took.
 *
 * <pre>{@code
 * Handoff h = app.handoff();
 * if (h.succeeded()) {
 *   System.exit(0);             // the engine has drained; pid h.pid() serves the port now
 * }
 * log.warn("still serving: {}", h.detail());
 * }</pre>
 *
 * @param status what happened
 * @param pid the new process, or -1 when none was started
 * @param elapsed from the start of the handoff to the new process's readiness, or to the failure
 * @param detail one sentence for people: what was done, or why nothing changed
 */
public record Handoff(Status status, long pid, Duration elapsed, String detail) {
  /**
   * What a handoff ended in. Only {@link #HANDED_OFF} changes anything: after every other status
   * this process serves exactly as before, and a new process that was started is gone.
   */
  public enum Status {
    /** The new process serves on the listener; this one stopped accepting and drained. */
    HANDED_OFF,
    /** Another handoff is running (at most one at a time); nothing was done. */
    BUSY,
    /** Not Linux with the epoll transport: there is no listener to pass on. Nothing was done. */
    UNSUPPORTED,
    /** The engine is not serving (not started, draining, or itself still taking over). */
    NOT_SERVING,
    /** The new process could not be started (its command, or the handoff socket, failed). */
    SPAWN_FAILED,
    /** The new process exited before it was ready. */
    EXITED,
    /** The new process reported that its engine could not start (the detail says why). */
    START_FAILED,
    /** The new process was not ready within the handoff timeout, and was killed. */
    TIMED_OUT,
    /** {@link Engine#stop} began during the handoff; the new process was killed. */
    CANCELLED
  }

  /** Validates the fields. */
  public Handoff {
    Objects.requireNonNull(status, "status");
    Objects.requireNonNull(elapsed, "elapsed");
    Objects.requireNonNull(detail, "detail");
  }

  /** Whether the new process took over ({@link Status#HANDED_OFF}). */
  public boolean succeeded() {
    return status == Status.HANDED_OFF;
  }
}
