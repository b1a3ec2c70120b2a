package dev.relive.etcd;

import java.time.Duration;

/**
 * What happens in rollouts, for metrics and logs ({@link FleetMetrics} turns it into Micrometer meters). A
 * node's {@link FleetMember} reports its votes and decisions; a {@link Coordinator} its steps and outcomes.
 * Called on their threads: return quickly, and do not throw (what throws is logged and ignored).
 */
public interface FleetEvents {
  /** A node voted in a round: {@code ok}, or NACK; {@code prepare} is how long staging took. */
  default void voted(String rollout, boolean ok, Duration prepare) {}

  /** A node committed ({@code true}) or aborted the candidate it had staged. */
  default void decided(String rollout, boolean committed) {}

  /** A step committed: {@code prepare} from the round's start to the last vote, {@code commit} the transaction. */
  default void stepCommitted(String rollout, int step, Duration prepare, Duration commit) {}

  /**
   * A rollout ended: {@code state} DONE, ABORTED or ROLLED_BACK, and for the last two why, as a category:
   * {@code nack}, {@code timeout}, {@code lost}, {@code unhealthy}, {@code operator}, {@code coordinator} or
   * {@code no-target}.
   */
  default void ended(String rollout, String state, String cause, Duration total) {}
}
