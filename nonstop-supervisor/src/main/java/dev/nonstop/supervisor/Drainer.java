package dev.nonstop.supervisor;

import dev.nonstop.core.InstanceEvent;
import java.util.concurrent.CompletableFuture;

/**
 * Lets an instance finish its in-flight requests before it is signalled to stop: the gateway's side
 * of "deregister, drain, stop". Set with {@link Supervisor#drainWith}; without one, instances are
 * signalled at once, as they always were.
 *
 * <p>For every planned stop of a READY or NOT_READY instance (a stop, a restart, a rolling reload,
 * the supervisor's shutdown, a liveness or {@code max_memory} restart), the supervisor publishes its
 * {@code DRAINING} event to every listener first (the registry drops the endpoint there), then calls
 * the drainer, then waits for the returned future, at most the app's {@code stop.drain}, then sends
 * the stop signal. A future that fails or never completes only costs that wait.
 *
 * <pre>{@code
 * supervisor.drainWith(e -> proxy.whenIdle(InstanceRegistrar.endpointId(e)));
 * }</pre>
 */
@FunctionalInterface
public interface Drainer {
  /**
   * Starts draining the process the event names ({@code id}, {@code pid}, {@code port}) and returns
   * a future that completes once it has no request in flight. Called on a supervisor thread, under
   * no lock, once per drain; return quickly and do the waiting in the future. The instance is out of
   * rotation already: the event has been published.
   *
   * @param draining the instance's transition to {@code DRAINING}
   */
  CompletableFuture<Void> drain(InstanceEvent draining);
}
