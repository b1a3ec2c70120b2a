package dev.relive.config;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * A point-in-time view of a {@link LiveConfig}: what is serving, what happened last, and whether it is
 * degraded or pinned. Immutable.
 *
 * @param name             the live config's name
 * @param servingVersion   the version serving
 * @param servingHash      its content hash
 * @param servingSince     when it was applied
 * @param lastResult       the outcome of the last pipeline run
 * @param lastRejection    the last rejection, if any, with its problems
 * @param degraded         true while serving a version loaded from the last-good cache because the sources
 *                         were broken at start-up; cleared by the next version applied from the sources
 * @param pinned           true while pinned: reloads are skipped until unpinned
 * @param applied          versions applied (including rollbacks)
 * @param rejected         candidates rejected
 * @param listenerFailures listener, participant-commit and event-subscriber calls that threw
 * @param slowListeners    listener calls slower than the configured threshold
 * @param watchedFiles     how each file source is watched and when it last changed (empty when not watching)
 */
public record ConfigStatus(String name, long servingVersion, String servingHash, Instant servingSince,
    Optional<ReloadEvent> lastResult, Optional<ReloadEvent.Rejected> lastRejection, boolean degraded, boolean pinned,
    long applied, long rejected, long listenerFailures, long slowListeners, List<WatchedFile> watchedFiles) {

  public ConfigStatus {
    watchedFiles = List.copyOf(watchedFiles);
  }
}
