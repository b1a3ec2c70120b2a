package dev.relive.config;

import org.jspecify.annotations.Nullable;

/**
 * Takes part in applying a new version, for resources that must be rebuilt before it can serve (a
 * connection pool, a client). {@link #prepare} runs before the swap; if any participant fails to prepare,
 * every participant already prepared is aborted and the old version keeps serving. After the swap, every
 * prepared participant is committed.
 *
 * <p>Participants run on the reload thread, in registration order (aborts in reverse order).
 */
@FunctionalInterface
public interface Participant<T> {

  /**
   * Builds whatever the candidate needs, without yet affecting what serves.
   *
   * @param current   the value serving now; {@code null} only for the first version, for a participant given
   *                  to {@link LiveConfig.Builder#participant}
   * @param candidate the value about to serve
   * @return what to do on commit or abort; {@code null} when there is nothing to do
   * @throws Exception to refuse the candidate; the message becomes the rejection's problem
   */
  @Nullable Prepared prepare(@Nullable T current, T candidate) throws Exception;

  /** The prepared work: exactly one of its methods is called. */
  interface Prepared {
    /** The candidate is now serving: switch over and release the old resource. Exceptions are logged. */
    void commit();

    /** The candidate will not serve: release what prepare built. Exceptions are logged. */
    void abort();
  }
}
