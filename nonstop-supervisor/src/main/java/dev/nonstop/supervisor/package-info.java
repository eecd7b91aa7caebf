/**
 * The supervisor: keeps N instances of any program alive, like supervisord and PM2, and probes them
 * like Kubernetes does. {@link dev.nonstop.supervisor.Supervisor} is the entry point,
 * {@link dev.nonstop.supervisor.AppSpec} one app's {@code nonstop.yaml} entry.
 *
 * <p>Invariants: every instance runs in its own process group and dies with the supervisor (SIGKILL
 * included); an exit is noticed when it happens, never by polling; every state change follows
 * {@link dev.nonstop.core.InstanceState}'s edges and is logged, counted and published exactly once;
 * a stop reaches the whole process tree, and after it returns nothing of the instance is left; an
 * instance never restarts faster than its backoff after quick failures, and never gives up silently
 * (FATAL is logged at ERROR and shown in status).
 *
 * <p>With a {@link dev.nonstop.supervisor.Drainer}, a planned stop of an instance that may have
 * traffic publishes DRAINING before anything else and signals only after the drain (or
 * {@code stop.drain}). At most one {@link dev.nonstop.supervisor.Supervisor#reload} per app runs at
 * a time; it replaces an old process only once its successor is READY (or, within
 * {@code max_unavailable}, stops it first), and a successor that fails is stopped and leaves its
 * slot to the old spec. Each slot keeps its index, its log files and its meters across reloads; its
 * port changes.
 */
package dev.nonstop.supervisor;
