package dev.relive.config;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * The outcome of one run of the reload pipeline. Events carry paths and problems, never secret values.
 */
public sealed interface ReloadEvent {

  /** What triggered the run. */
  String cause();

  /** When the run finished. */
  Instant time();

  /** How long the run took, from trigger to the last listener. */
  Duration duration();

  /** The version serving after this run (0 when none is). */
  long servingVersion();

  /**
   * A new version is serving. {@code listenerTime} is the time spent finding the affected listeners and
   * calling those that run on the reload thread (included in {@code duration}).
   */
  record Applied(long version, long previousVersion, String hash, List<String> changedPaths, List<Problem> warnings,
      String cause, Instant time, Duration duration, Duration listenerTime) implements ReloadEvent {
    public Applied {
      changedPaths = List.copyOf(changedPaths);
      warnings = List.copyOf(warnings);
    }

    @Override
    public long servingVersion() {
      return version;
    }
  }

  /** An older version's content is serving again, as a new version. */
  record RolledBack(long version, long previousVersion, long restoredVersion, String hash, List<String> changedPaths,
      String cause, Instant time, Duration duration, Duration listenerTime) implements ReloadEvent {
    public RolledBack {
      changedPaths = List.copyOf(changedPaths);
    }

    @Override
    public long servingVersion() {
      return version;
    }
  }

  /** The sources hold what is already serving: no new version, no listener called. */
  record Unchanged(long servingVersion, String cause, Instant time, Duration duration) implements ReloadEvent {}

  /** The candidate was refused at {@code stage}; the previous version keeps serving. */
  record Rejected(long servingVersion, Stage stage, List<Problem> problems, String cause, Instant time,
      Duration duration) implements ReloadEvent {
    public Rejected {
      problems = List.copyOf(problems);
    }
  }

  /** The run did nothing, for the reason given (the configuration is pinned). */
  record Skipped(long servingVersion, String reason, String cause, Instant time, Duration duration)
      implements ReloadEvent {}

  /** The pipeline step at which a candidate was refused. */
  enum Stage {
    /** Reading, parsing or merging the sources. */
    SOURCES,
    /** Binding the merged tree to the configuration type. */
    BIND,
    /** Validators and Bean Validation. */
    VALIDATE,
    /** A participant failed to prepare. */
    PREPARE
  }
}
