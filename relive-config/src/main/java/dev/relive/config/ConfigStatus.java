package dev.relive.config;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * A point-in-time view of a {@link LiveConfig}: what is serving, what happened last, and whether it is
 * degraded or pinned. Immutable; a final class rather than a record so that it can grow without breaking
 * callers.
 */
public final class ConfigStatus {
  private final String name;
  private final long servingVersion;
  private final String servingHash;
  private final Instant servingSince;
  private final Optional<ReloadEvent> lastResult;
  private final Optional<ReloadEvent.Rejected> lastRejection;
  private final List<String> degradedReasons;
  private final boolean servingLastGood;
  private final boolean pinned;
  private final boolean staged;
  private final long applied;
  private final long rejected;
  private final long listenerFailures;
  private final long slowListeners;
  private final List<WatchedFile> watchedFiles;

  ConfigStatus(String name, long servingVersion, String servingHash, Instant servingSince,
      Optional<ReloadEvent> lastResult, Optional<ReloadEvent.Rejected> lastRejection, List<String> degradedReasons,
      boolean servingLastGood, boolean pinned, boolean staged, long applied, long rejected, long listenerFailures,
      long slowListeners, List<WatchedFile> watchedFiles) {
    this.name = name;
    this.servingVersion = servingVersion;
    this.servingHash = servingHash;
    this.servingSince = servingSince;
    this.lastResult = lastResult;
    this.lastRejection = lastRejection;
    this.degradedReasons = List.copyOf(degradedReasons);
    this.servingLastGood = servingLastGood;
    this.pinned = pinned;
    this.staged = staged;
    this.applied = applied;
    this.rejected = rejected;
    this.listenerFailures = listenerFailures;
    this.slowListeners = slowListeners;
    this.watchedFiles = List.copyOf(watchedFiles);
  }

  /** The live config's name. */
  public String name() {
    return name;
  }

  /** The version serving. */
  public long servingVersion() {
    return servingVersion;
  }

  /** Its published hash ({@link ConfigSnapshot#hash()}). */
  public String servingHash() {
    return servingHash;
  }

  /** When it was applied. */
  public Instant servingSince() {
    return servingSince;
  }

  /** The outcome of the last pipeline run. */
  public Optional<ReloadEvent> lastResult() {
    return lastResult;
  }

  /** The last rejection, if any, with its problems. */
  public Optional<ReloadEvent.Rejected> lastRejection() {
    return lastRejection;
  }

  /**
   * True when something is wrong that the serving version does not show: it came from the last-good cache
   * because the sources were broken at start-up, or a trigger (the file watcher, an etcd watch) cannot see
   * changes. {@link #degradedReasons()} says what.
   */
  public boolean degraded() {
    return !degradedReasons.isEmpty();
  }

  /** Why the config is degraded, one sentence each; empty when it is not. */
  public List<String> degradedReasons() {
    return degradedReasons;
  }

  /** True while serving a version loaded from the last-good cache; cleared by the next version from the sources. */
  public boolean servingLastGood() {
    return servingLastGood;
  }

  /** True while pinned: reloads are skipped until unpinned. */
  public boolean pinned() {
    return pinned;
  }

  /** True while a staged candidate ({@link LiveConfig#stage}) is held. */
  public boolean staged() {
    return staged;
  }

  /** Versions applied (including rollbacks). */
  public long applied() {
    return applied;
  }

  /** Candidates rejected. */
  public long rejected() {
    return rejected;
  }

  /** Listener, selector, participant-commit and event-subscriber calls that threw. */
  public long listenerFailures() {
    return listenerFailures;
  }

  /** Listener calls slower than the configured threshold. */
  public long slowListeners() {
    return slowListeners;
  }

  /** How each file source is watched and when it last changed (empty when not watching). */
  public List<WatchedFile> watchedFiles() {
    return watchedFiles;
  }

  @Override
  public String toString() {
    return "ConfigStatus[" + name + " version " + servingVersion + (degraded() ? ", degraded " + degradedReasons : "")
        + (pinned ? ", pinned" : "") + "]";
  }
}
