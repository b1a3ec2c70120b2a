package dev.relive.config;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** How one file source is being watched. Immutable. */
public final class WatchedFile {
  private final Path path;
  private final WatchMode mode;
  private final Optional<Instant> lastChange;
  private final Optional<String> warning;
  private final List<String> notes;

  WatchedFile(Path path, WatchMode mode, Optional<Instant> lastChange, Optional<String> warning, List<String> notes) {
    this.path = path;
    this.mode = mode;
    this.lastChange = lastChange;
    this.warning = warning;
    this.notes = List.copyOf(notes);
  }

  /** The file as the user named it. */
  public Path path() {
    return path;
  }

  /** {@link WatchMode#EVENTS} or {@link WatchMode#POLL}, as chosen for this file now. */
  public WatchMode mode() {
    return mode;
  }

  /** When a change to it was last seen, if ever. */
  public Optional<Instant> lastChange() {
    return lastChange;
  }

  /** Why updates to it may not be seen now (a single-file bind mount, a failed registration, a dead watcher). */
  public Optional<String> warning() {
    return warning;
  }

  /**
   * What the watcher did about this file that an operator may want to know, newest last: a watched directory
   * that was replaced and registered again, a fall-back to polling and the return to events.
   */
  public List<String> notes() {
    return notes;
  }

  @Override
  public String toString() {
    return "WatchedFile[" + path + ", " + mode + warning.map(w -> ", " + w).orElse("") + "]";
  }
}
