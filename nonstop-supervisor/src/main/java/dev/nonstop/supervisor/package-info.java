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
 */
package dev.nonstop.supervisor;
