package dev.nonstop.supervisor;

import dev.nonstop.core.InstanceId;
import dev.nonstop.core.InstanceState;
import java.time.Duration;
import java.time.Instant;

/**
 * A snapshot of one instance, as {@code nonstop status} shows it.
 *
 * @param id app and index
 * @param pid the process id, or -1 without a process
 * @param port its {@code PORT}, or 0 when the app has no port
 * @param state where it is in its life
 * @param since when it entered {@code state}
 * @param startedAt when the current process was spawned, or null without a process
 * @param restarts how many times it has been started again after its first start
 * @param rssBytes resident memory of its process tree at the last sample (about once a second)
 * @param cpuSeconds CPU time of its process tree at the last sample
 * @param reason why it is in this state, for people
 * @param role {@link Role#CURRENT}, unless a rolling reload is replacing its slot: then the old and
 *     the new process of the slot are listed one after the other, with the same {@code id}
 */
public record InstanceStatus(
    InstanceId id,
    long pid,
    int port,
    InstanceState state,
    Instant since,
    Instant startedAt,
    int restarts,
    long rssBytes,
    double cpuSeconds,
    String reason,
    Role role) {

  /** As the canonical constructor, for the slot's {@link Role#CURRENT} instance. */
  public InstanceStatus(InstanceId id, long pid, int port, InstanceState state, Instant since,
      Instant startedAt, int restarts, long rssBytes, double cpuSeconds, String reason) {
    this(id, pid, port, state, since, startedAt, restarts, rssBytes, cpuSeconds, reason, Role.CURRENT);
  }

  /** Which of a slot's processes this is; only a rolling reload makes a slot have two. */
  public enum Role {
    /** The one the slot's commands (stop, restart, logs) and metrics act on. */
    CURRENT,
    /** Started by a rolling reload, not READY yet; takes the slot over once it is. */
    INCOMING,
    /** Replaced by a rolling reload; being drained and stopped. */
    OUTGOING
  }

  /** Whether it receives traffic. */
  public boolean ready() {
    return state.isReady();
  }

  /** Time since its process started, or zero without a process. */
  public Duration uptime(Instant now) {
    return startedAt == null ? Duration.ZERO : Duration.between(startedAt, now);
  }
}
