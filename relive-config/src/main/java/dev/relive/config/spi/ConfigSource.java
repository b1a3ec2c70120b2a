package dev.relive.config.spi;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Reads one layer of configuration. A source only reads: it returns bytes, entries or a tree with a stamp,
 * and never parses. Sources are layered in the order given to the builder; later layers win.
 *
 * <p>{@link #read} is called from the reload thread only, one call at a time per source.
 */
public interface ConfigSource {

  /** A short name for messages and status, such as the file path as the user gave it. */
  String name();

  /**
   * Reads the source's current content.
   *
   * @return the content, or {@link SourceData.Absent} for an optional source that is not there
   * @throws IOException if the source exists but cannot be read
   * @throws dev.relive.config.ConfigException.Source if a required source is missing
   */
  SourceData read() throws IOException;

  /**
   * Files whose changes should trigger a reload, as the user named them. Empty for sources that cannot be
   * watched through the filesystem.
   */
  default List<Path> watchedFiles() {
    return List.of();
  }

  /**
   * Triggers that say when this source changed, for sources that are told rather than watched through the
   * filesystem (an etcd watch, a message bus). Files named by {@link #watchedFiles()} need none: the engine
   * watches them itself when file watching is on.
   */
  default List<ChangeTrigger> triggers() {
    return List.of();
  }
}
