package dev.nonstop.core.registry;

import dev.nonstop.core.HostPort;
import dev.nonstop.core.InstanceEvent;
import dev.nonstop.core.InstanceListener;
import dev.nonstop.core.InstanceState;

/**
 * Keeps a registry in step with the supervisor: an instance is registered when it becomes READY and
 * deregistered on any other transition (NOT_READY, DRAINING, a crash, a stop), before the
 * supervisor goes on with it, since listeners run before the supervisor acts on the new state.
 * Instances without a port are never registered: nothing could reach them.
 */
public final class InstanceRegistrar implements InstanceListener {
  private final Registry registry;
  private final String host;

  /**
   * @param host the address the instances are reached on from the registry's readers, as the
   *     supervisor's machine is seen by them ({@code 127.0.0.1} for a gateway in the same process)
   */
  public InstanceRegistrar(Registry registry, String host) {
    this.registry = registry;
    this.host = host;
  }

  /**
   * The endpoint id of an instance's process: the instance and its port, since during a rolling
   * reload the old and the new process of one instance are both alive, on different ports.
   */
  public static String endpointId(InstanceEvent e) {
    return e.id() + "@" + e.port();
  }

  @Override
  public void onEvent(InstanceEvent e) {
    if (e.port() <= 0) {
      return;
    }
    if (e.to() == InstanceState.READY) {
      registry.register(Endpoint.of(e.id().app(), endpointId(e), new HostPort(host, e.port()).toString()));
    } else {
      registry.deregister(e.id().app(), endpointId(e));
    }
  }
}
