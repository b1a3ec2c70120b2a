package dev.relive.config;

import java.util.List;

/**
 * What a whole-configuration listener receives after a new version was swapped in.
 *
 * @param previous     the version that was serving before
 * @param current      the version now serving
 * @param changedPaths leaf paths whose values were added, removed or changed, in document order
 */
public record ConfigChange<T>(ConfigSnapshot<T> previous, ConfigSnapshot<T> current, List<String> changedPaths) {
  public ConfigChange {
    changedPaths = List.copyOf(changedPaths);
  }
}
