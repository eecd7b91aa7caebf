package dev.nonstop.supervisor.internal;

import dev.nonstop.core.InstanceId;
import dev.nonstop.supervisor.InstanceStatus;
import dev.nonstop.supervisor.InstanceStatus.Role;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One instance slot of an app ({@code hello:1}): the {@link Instance} that holds it and, while a
 * rolling reload replaces it, the one coming in or the one going out. Commands, metrics and log
 * files belong to the slot, so they follow whichever process holds it; the slot's members are an
 * immutable snapshot swapped whole, so readers never lock.
 */
public final class Slot {
  /**
   * {@code incoming} and {@code outgoing} are null outside a reload; {@code closed}: no more members;
   * {@code restartsBefore}: the starts of the slot's earlier holders after the slot's first start.
   */
  private record Members(Instance current, Instance incoming, Instance outgoing, boolean closed, int restartsBefore) {}

  private final LogFiles logs;
  private final AtomicReference<Members> members;

  /** A slot held by {@code first}, which writes to {@code logs} as every later member will. */
  public Slot(LogFiles logs, Instance first) {
    this.logs = logs;
    this.members = new AtomicReference<>(new Members(first, null, null, false, 0));
  }

  /** App and index. */
  public InstanceId id() {
    return current().id();
  }

  /** The slot's log files, shared by all its members. */
  public LogFiles logs() {
    return logs;
  }

  /** The instance that holds the slot: the one commands and metrics act on. */
  public Instance current() {
    return members.get().current;
  }

  /**
   * Starts of the slot after its first, whichever process held it: a counter that a reload does not
   * set back (the current holder's own count starts at 0).
   */
  public int restarts() {
    Members m = members.get();
    return m.restartsBefore + m.current.status().restarts();
  }

  /** Every member, the replaced one first: outgoing, current, incoming. */
  public List<Instance> all() {
    Members m = members.get();
    List<Instance> out = new ArrayList<>(3);
    if (m.outgoing != null) {
      out.add(m.outgoing);
    }
    out.add(m.current);
    if (m.incoming != null) {
      out.add(m.incoming);
    }
    return out;
  }

  /** A snapshot of every member, in the order of {@link #all}, each with its role. */
  public List<InstanceStatus> status() {
    Members m = members.get();
    List<InstanceStatus> out = new ArrayList<>(3);
    if (m.outgoing != null) {
      out.add(m.outgoing.status(Role.OUTGOING));
    }
    out.add(m.current.status(Role.CURRENT));
    if (m.incoming != null) {
      out.add(m.incoming.status(Role.INCOMING));
    }
    return out;
  }

  /**
   * Makes {@code fresh} the slot's incoming member.
   *
   * @return false once the slot is closed: the supervisor is stopping, {@code fresh} must not start
   * @throws IllegalStateException when the slot already has an incoming member
   */
  public boolean addIncoming(Instance fresh) {
    Members m = members.getAndUpdate(x -> x.closed || x.incoming != null ? x
        : new Members(x.current, fresh, x.outgoing, false, x.restartsBefore));
    if (m.incoming != null && !m.closed) {
      throw new IllegalStateException(id() + " already has an incoming instance");
    }
    return !m.closed;
  }

  /** The incoming member takes the slot; the one it replaces becomes the outgoing member. */
  public void promote(Instance fresh) {
    members.updateAndGet(x -> {
      if (x.incoming != fresh) {
        throw new IllegalStateException(id() + ": " + fresh + " is not the incoming instance");
      }
      // The new holder's first start is a restart of the slot.
      return new Members(fresh, null, x.current, x.closed, x.restartsBefore + x.current.status().restarts() + 1);
    });
  }

  /** Forgets an incoming or outgoing member that has been stopped for good. */
  public void remove(Instance gone) {
    members.updateAndGet(x -> new Members(x.current,
        x.incoming == gone ? null : x.incoming, x.outgoing == gone ? null : x.outgoing, x.closed, x.restartsBefore));
  }

  /** Takes no more incoming members; returns every member, for the caller to stop. */
  public List<Instance> close() {
    members.updateAndGet(x -> new Members(x.current, x.incoming, x.outgoing, true, x.restartsBefore));
    return all();
  }
}
