package dev.nonstop.supervisor;

import dev.nonstop.core.InstanceId;
import java.util.List;

/**
 * How a {@link Supervisor#reload} went.
 *
 * @param ok whether every slot was replaced
 * @param message one line for people: {@code "reload of hello done: 3 instances replaced in 5.2 s"},
 *     or the first failure, naming the slot and why: {@code "hello:1: new instance not READY within
 *     60s (last state BACKOFF: exited with code 1); 1 of 3 instances replaced"}
 * @param slots one entry per slot, in index order
 */
public record RolloutResult(boolean ok, String message, List<SlotResult> slots) {
  /** Copies {@code slots}. */
  public RolloutResult {
    slots = List.copyOf(slots);
  }

  /** What happened to one slot. */
  public enum Outcome {
    /** The new instance is READY and took the slot; the old one was stopped. */
    REPLACED,
    /**
     * The new instance did not become READY and was stopped; the slot runs the old spec (the old
     * instance untouched, or started again when it had been stopped to make room).
     */
    FAILED,
    /** Not tried: an earlier batch failed, or the supervisor began to stop. */
    SKIPPED
  }

  /**
   * One slot's outcome.
   *
   * @param id the slot
   * @param outcome what happened
   * @param oldPid the process the slot had when its turn came, or -1 when it had none
   * @param newPid the new process (READY when {@code REPLACED}; already stopped when {@code FAILED}),
   *     or -1 when none was spawned
   * @param newPort the new process's port, or 0 when the app has none or none was spawned
   * @param detail for people: how long it took, or why it failed
   */
  public record SlotResult(InstanceId id, Outcome outcome, long oldPid, long newPid, int newPort, String detail) {}
}
