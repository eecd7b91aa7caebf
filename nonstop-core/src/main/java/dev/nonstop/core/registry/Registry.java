package dev.nonstop.core.registry;

import java.util.List;
import java.util.function.Consumer;

/**
 * Who may receive a service's traffic. Writers register and deregister endpoints; watchers get the
 * service's whole endpoint list on every change, in the order the changes happened (state of the
 * world, not deltas: a watcher that missed nothing and one that just arrived see the same list, as
 * with Envoy's state-of-the-world xDS or a fresh etcd range read).
 *
 * <p>Ordering promise: when {@link #deregister} returns, every watcher in this process has been
 * given a list without the endpoint. That is what lets the supervisor send a stop signal right
 * after deregistering: the local gateway has already stopped picking the instance. Watchers in
 * other processes (a registry backed by etcd) learn of it later; they rely on retries and passive
 * health checks for the gap.
 */
public interface Registry extends AutoCloseable {
  /** Adds {@code endpoint}, or replaces the one with the same service and id. */
  void register(Endpoint endpoint);

  /** Removes the endpoint {@code id} of {@code service}; nothing happens when there is none. */
  void deregister(String service, String id);

  /** The endpoints of {@code service} now, in registration order. */
  List<Endpoint> endpoints(String service);

  /**
   * Calls {@code onChange} with the endpoints of {@code service} now, and again with the whole
   * list after every change to it, one call at a time and in order. Calls happen on the thread
   * that made the change: return quickly and do not call back into the registry.
   *
   * @return closing it ends the watch
   */
  AutoCloseable watch(String service, Consumer<List<Endpoint>> onChange);

  /** Ends every watch and lets go of resources; the default does nothing. */
  @Override
  default void close() {}
}
