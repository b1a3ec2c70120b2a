package dev.relive.config;

import org.jspecify.annotations.Nullable;

/**
 * Builds a configuration's value from the merged tree in place of the engine's record binding: for a
 * framework that has its own binder (Spring Boot's, with its relaxed names, converters and annotations), so
 * that a reload binds exactly as the framework does at start-up. Everything else stays the engine's: reading,
 * merging, the unchanged check, validators, diff, participants, the swap, history and events.
 *
 * <p>Report what is wrong to {@code problems} (each path's origin comes from the tree); a binding that
 * reports a problem or throws rejects the candidate, and the previous version keeps serving.
 */
@FunctionalInterface
public interface Binding<T> {
  /**
   * The value for {@code tree}; null only when problems were reported.
   *
   * @throws Exception counted as a problem at the root
   */
  @Nullable T bind(ConfigTree tree, Problems problems) throws Exception;
}
