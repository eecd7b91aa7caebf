package dev.nonstop.core;

/**
 * Receives instance events. Called synchronously, while the supervisor holds that instance's lock
 * (that is what keeps one instance's events in order): return quickly, never block, and never call
 * back into the supervisor from here (status, start, stop): hand such work to another thread.
 */
@FunctionalInterface
public interface InstanceListener {
  /** One transition happened. */
  void onEvent(InstanceEvent event);
}
