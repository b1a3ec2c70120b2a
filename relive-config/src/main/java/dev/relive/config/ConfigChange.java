package dev.relive.config;

import java.util.List;

/**
 * What a whole-configuration listener receives after a new version was swapped in. Immutable.
 *
 * @param <T> the configuration type
 */
public final class ConfigChange<T> {
  private final ConfigSnapshot<T> previous;
  private final ConfigSnapshot<T> current;
  private final List<String> changedPaths;

  ConfigChange(ConfigSnapshot<T> previous, ConfigSnapshot<T> current, List<String> changedPaths) {
    this.previous = previous;
    this.current = current;
    this.changedPaths = List.copyOf(changedPaths);
  }

  /** The version that was serving before. */
  public ConfigSnapshot<T> previous() {
    return previous;
  }

  /** The version now serving. */
  public ConfigSnapshot<T> current() {
    return current;
  }

  /** Leaf paths whose values were added, removed or changed, in document order. */
  public List<String> changedPaths() {
    return changedPaths;
  }

  @Override
  public String toString() {
    return "ConfigChange[" + previous.version() + " -> " + current.version() + ", " + changedPaths + "]";
  }
}
