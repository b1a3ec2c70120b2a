package dev.relive.config;

import java.util.Optional;

/**
 * Whether the application is healthy now, for {@link LiveConfig.Builder#healthGate} (and a fleet member's
 * record): empty when healthy, otherwise why not. Throwing counts as unhealthy, with the exception's message.
 * Called on a timer thread, repeatedly: keep it quick (a flag, a counter, a pool's state; not a slow remote
 * call without its own timeout).
 */
@FunctionalInterface
public interface HealthCheck {
  /**
   * Returns why the application is unhealthy, or empty.
   *
   * @throws Exception counted as unhealthy
   */
  Optional<String> problem() throws Exception;
}
