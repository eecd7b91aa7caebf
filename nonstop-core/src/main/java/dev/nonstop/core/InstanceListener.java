package dev.nonstop.core;

/**
 * Receives instance events. Called on the supervisor's thread for that instance: return quickly and
 * never block; hand long work to another thread.
 */
@FunctionalInterface
public interface InstanceListener {
  /** One transition happened. */
  void onEvent(InstanceEvent event);
}
