package dev.relive.config;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;

/**
 * The outcome of one run of the reload pipeline. Events carry paths and problems, never secret values.
 *
 * <p>The family is sealed so that a {@code switch} or {@code instanceof} chain can handle every outcome; its
 * members are final classes rather than records so that they can gain accessors without breaking callers.
 * Immutable and thread-safe.
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

  /** The event's name in logs and JSON: {@code applied}, {@code rolled_back}, {@code rejected}, ... */
  String kind();

  /** What every event has. */
  abstract class Base {
    private final String cause;
    private final Instant time;
    private final Duration duration;

    Base(String cause, Instant time, Duration duration) {
      this.cause = cause;
      this.time = time;
      this.duration = duration;
    }

    public String cause() {
      return cause;
    }

    public Instant time() {
      return time;
    }

    public Duration duration() {
      return duration;
    }
  }

  /**
   * A new version is serving. {@code listenerTime} is the time spent finding the affected listeners and
   * calling those that run on the reload thread (included in {@code duration}).
   */
  final class Applied extends Base implements ReloadEvent {
    private final long version;
    private final long previousVersion;
    private final String hash;
    private final List<String> changedPaths;
    private final List<Problem> warnings;
    private final Duration listenerTime;

    Applied(long version, long previousVersion, String hash, List<String> changedPaths, List<Problem> warnings,
        String cause, Instant time, Duration duration, Duration listenerTime) {
      super(cause, time, duration);
      this.version = version;
      this.previousVersion = previousVersion;
      this.hash = hash;
      this.changedPaths = List.copyOf(changedPaths);
      this.warnings = List.copyOf(warnings);
      this.listenerTime = listenerTime;
    }

    /** The new version. */
    public long version() {
      return version;
    }

    /** The version it replaced (0 for the first). */
    public long previousVersion() {
      return previousVersion;
    }

    /** The new version's published hash ({@link ConfigSnapshot#hash()}). */
    public String hash() {
      return hash;
    }

    /** Leaf paths added, removed or changed, in document order (secrets included, by path only). */
    public List<String> changedPaths() {
      return changedPaths;
    }

    /** Problems that did not stop the version, such as unknown keys under {@link UnknownKeys#WARN}. */
    public List<Problem> warnings() {
      return warnings;
    }

    /** Time spent calling listeners on the reload thread. */
    public Duration listenerTime() {
      return listenerTime;
    }

    @Override
    public long servingVersion() {
      return version;
    }

    @Override
    public String kind() {
      return "applied";
    }

    @Override
    public String toString() {
      return "Applied[version=" + version + ", changed=" + changedPaths + ", cause=" + cause() + "]";
    }
  }

  /** An older version's content is serving again, as a new version. */
  final class RolledBack extends Base implements ReloadEvent {
    private final long version;
    private final long previousVersion;
    private final long restoredVersion;
    private final String hash;
    private final List<String> changedPaths;
    private final Duration listenerTime;

    RolledBack(long version, long previousVersion, long restoredVersion, String hash, List<String> changedPaths,
        String cause, Instant time, Duration duration, Duration listenerTime) {
      super(cause, time, duration);
      this.version = version;
      this.previousVersion = previousVersion;
      this.restoredVersion = restoredVersion;
      this.hash = hash;
      this.changedPaths = List.copyOf(changedPaths);
      this.listenerTime = listenerTime;
    }

    /** The new version, holding {@link #restoredVersion()}'s content. */
    public long version() {
      return version;
    }

    /** The version it replaced. */
    public long previousVersion() {
      return previousVersion;
    }

    /** The version whose content was applied again. */
    public long restoredVersion() {
      return restoredVersion;
    }

    /** The new version's published hash. */
    public String hash() {
      return hash;
    }

    /** Leaf paths that changed. */
    public List<String> changedPaths() {
      return changedPaths;
    }

    /** Time spent calling listeners on the reload thread. */
    public Duration listenerTime() {
      return listenerTime;
    }

    @Override
    public long servingVersion() {
      return version;
    }

    @Override
    public String kind() {
      return "rolled_back";
    }

    @Override
    public String toString() {
      return "RolledBack[version=" + version + ", restored=" + restoredVersion + ", cause=" + cause() + "]";
    }
  }

  /** The sources hold what is already serving: no new version, no listener called. */
  final class Unchanged extends Base implements ReloadEvent {
    private final long servingVersion;

    Unchanged(long servingVersion, String cause, Instant time, Duration duration) {
      super(cause, time, duration);
      this.servingVersion = servingVersion;
    }

    @Override
    public long servingVersion() {
      return servingVersion;
    }

    @Override
    public String kind() {
      return "unchanged";
    }

    @Override
    public String toString() {
      return "Unchanged[serving=" + servingVersion + ", cause=" + cause() + "]";
    }
  }

  /** The candidate was refused at {@code stage}; the previous version keeps serving. */
  final class Rejected extends Base implements ReloadEvent {
    private final long servingVersion;
    private final Stage stage;
    private final List<Problem> problems;

    Rejected(long servingVersion, Stage stage, List<Problem> problems, String cause, Instant time, Duration duration) {
      super(cause, time, duration);
      this.servingVersion = servingVersion;
      this.stage = stage;
      this.problems = List.copyOf(problems);
    }

    /** The step that refused it. */
    public Stage stage() {
      return stage;
    }

    /** Every problem found, each with its path and origin. Never empty. */
    public List<Problem> problems() {
      return problems;
    }

    @Override
    public long servingVersion() {
      return servingVersion;
    }

    @Override
    public String kind() {
      return "rejected";
    }

    @Override
    public String toString() {
      return "Rejected[serving=" + servingVersion + ", stage=" + stage.name().toLowerCase(Locale.ROOT) + ", problems="
          + problems + ", cause=" + cause() + "]";
    }
  }

  /** The run did nothing, for the reason given (the configuration is pinned, or closed). */
  final class Skipped extends Base implements ReloadEvent {
    private final long servingVersion;
    private final String reason;

    Skipped(long servingVersion, String reason, String cause, Instant time, Duration duration) {
      super(cause, time, duration);
      this.servingVersion = servingVersion;
      this.reason = reason;
    }

    /** Why nothing was done: {@code pinned} or {@code closed}. */
    public String reason() {
      return reason;
    }

    @Override
    public long servingVersion() {
      return servingVersion;
    }

    @Override
    public String kind() {
      return "skipped";
    }

    @Override
    public String toString() {
      return "Skipped[serving=" + servingVersion + ", reason=" + reason + ", cause=" + cause() + "]";
    }
  }

  /**
   * A staged candidate ({@link LiveConfig#stage}) was aborted: by {@link StagedChange#abort}, its timeout, or
   * closing the config. Its participants were aborted; the previous version keeps serving.
   */
  final class Aborted extends Base implements ReloadEvent {
    private final long servingVersion;
    private final String reason;

    Aborted(long servingVersion, String reason, String cause, Instant time, Duration duration) {
      super(cause, time, duration);
      this.servingVersion = servingVersion;
      this.reason = reason;
    }

    /** Why it was aborted. */
    public String reason() {
      return reason;
    }

    @Override
    public long servingVersion() {
      return servingVersion;
    }

    @Override
    public String kind() {
      return "aborted";
    }

    @Override
    public String toString() {
      return "Aborted[serving=" + servingVersion + ", reason=" + reason + ", cause=" + cause() + "]";
    }
  }

  /** The pipeline step at which a candidate was refused. */
  enum Stage {
    /** Reading, parsing or merging the sources. */
    SOURCES,
    /** Binding the merged tree to the configuration type. */
    BIND,
    /** Validators and Bean Validation. */
    VALIDATE,
    /** Comparing the candidate with the serving version. */
    DIFF,
    /** A participant failed to prepare. */
    PREPARE
  }
}
