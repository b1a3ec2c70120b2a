package dev.relive.config;

/**
 * Called after a new version is serving. Listeners run after the swap, in registration order, on the reload
 * thread unless an executor was given; each call is isolated: an exception is logged and counted and never
 * reaches the reload or the other listeners.
 */
@FunctionalInterface
public interface ChangeListener<T> {
  void onChange(ConfigChange<T> change);
}
