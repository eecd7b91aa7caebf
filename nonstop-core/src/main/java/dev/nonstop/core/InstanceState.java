package dev.nonstop.core;

import java.util.EnumSet;
import java.util.Set;

/**
 * Where one instance of an app is in its life: supervisord's process states plus readiness.
 *
 * <p>The legal transitions (anything else is a bug and throws):
 *
 * <pre>
 * STOPPED   -&gt; STARTING                                  start requested
 * STARTING  -&gt; RUNNING | READY                           up for startsecs | readiness passed (or no probe)
 * STARTING  -&gt; BACKOFF | FATAL | EXITED                  exited too soon: retry later | retries used up | no restart wanted
 * STARTING  -&gt; STOPPING                                  stop requested
 * RUNNING   -&gt; READY                                     readiness passed for the first time
 * READY     -&gt; NOT_READY                                 readiness failed; the process keeps running
 * NOT_READY -&gt; READY                                     readiness passed again
 * RUNNING, READY, NOT_READY -&gt; EXITED | STOPPING        the process exited | stop or restart requested
 * READY, NOT_READY -&gt; DRAINING                          stop or restart requested, with a drainer: out of rotation first
 * DRAINING  -&gt; STOPPING | EXITED                        drained (or the drain timed out) | the process exited meanwhile
 * STOPPING  -&gt; STOPPED                                   the process tree is gone
 * STOPPED   -&gt; BACKOFF                                   an automatic restart (liveness, max_memory) waits
 * EXITED    -&gt; STARTING | BACKOFF | FATAL | STOPPED      restart at once | restart later | retries used up | stay down
 * BACKOFF   -&gt; STARTING | STOPPED                        delay elapsed | stop requested
 * FATAL     -&gt; STARTING | STOPPED                        start requested by hand | stop requested
 * </pre>
 *
 * <p>A "quick failure" is a process that exits before it has stayed up {@code startsecs} (or less
 * than the first backoff delay, so that {@code startsecs: 0} cannot spin); {@code startretries} of
 * those in a row make the instance {@code FATAL}. A process that exits after a stable run is started
 * again at once.
 *
 * <p>DRAINING exists so that "deregister, drain, stop" is a protocol rather than a sleep: its event
 * is published before anything else happens to the process (the registry drops the endpoint, the
 * gateway stops picking it), then the in-flight requests finish, then the stop signal follows.
 * Instances that were never READY get no traffic and skip it; so does every instance of a supervisor
 * without a drainer.
 */
public enum InstanceState {
  /** Not running, and not meant to be: never started, or stopped on request. */
  STOPPED,
  /** Spawned; has neither stayed up {@code startsecs} nor passed its readiness probe yet. */
  STARTING,
  /** Up for {@code startsecs}; its readiness probe has not passed yet (it may still be booting). */
  RUNNING,
  /** Running and ready: the only state in which it receives traffic. */
  READY,
  /** Was READY, but its readiness probe now fails; it keeps running and gets no traffic. */
  NOT_READY,
  /** Exited too soon, or restarted automatically again and again; waits out its backoff delay. */
  BACKOFF,
  /**
   * Out of rotation, process still running, in-flight requests finishing; the stop signal comes
   * next. Probes no longer act on it: it never goes back to READY or NOT_READY.
   */
  DRAINING,
  /** Asked to stop: signal sent, waiting for the process tree to exit (SIGKILL after the timeout). */
  STOPPING,
  /** Exited on its own after a successful start. */
  EXITED,
  /** Failed to start {@code startretries} times in a row; left down until started by hand. */
  FATAL;

  private Set<InstanceState> next;

  static {
    STOPPED.next = EnumSet.of(STARTING, BACKOFF);
    STARTING.next = EnumSet.of(RUNNING, READY, BACKOFF, FATAL, EXITED, STOPPING);
    RUNNING.next = EnumSet.of(READY, EXITED, STOPPING);
    READY.next = EnumSet.of(NOT_READY, EXITED, STOPPING, DRAINING);
    NOT_READY.next = EnumSet.of(READY, EXITED, STOPPING, DRAINING);
    DRAINING.next = EnumSet.of(STOPPING, EXITED);
    STOPPING.next = EnumSet.of(STOPPED);
    EXITED.next = EnumSet.of(STARTING, BACKOFF, FATAL, STOPPED);
    BACKOFF.next = EnumSet.of(STARTING, STOPPED);
    FATAL.next = EnumSet.of(STARTING, STOPPED);
  }

  /** Whether {@code this -> to} is one of the legal transitions listed on this type. */
  public boolean canBecome(InstanceState to) {
    return next.contains(to);
  }

  /** The states reachable from this one in one transition. */
  public Set<InstanceState> successors() {
    return EnumSet.copyOf(next);
  }

  /**
   * Whether a process exists in this state (it may be on its way out, as in {@link #DRAINING} and
   * {@link #STOPPING}).
   */
  public boolean hasProcess() {
    return switch (this) {
      case STARTING, RUNNING, READY, NOT_READY, DRAINING, STOPPING -> true;
      case STOPPED, BACKOFF, EXITED, FATAL -> false;
    };
  }

  /** Whether an instance in this state should receive traffic: only {@link #READY}. */
  public boolean isReady() {
    return this == READY;
  }
}
