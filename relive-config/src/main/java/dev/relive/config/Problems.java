package dev.relive.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Collects what a {@link Validator} finds wrong. Report every problem; the engine adds each path's origin.
 *
 * <p>Not thread-safe: one instance per validation run.
 */
public final class Problems {
  private final List<String[]> entries = new ArrayList<>();

  Problems() {}

  /**
   * Reports a problem with the value at a path.
   *
   * @param path    the key path, such as {@code db.port}; empty for the whole configuration
   * @param message what is wrong; do not include secret values
   */
  public Problems add(String path, String message) {
    entries.add(new String[] {Objects.requireNonNull(path, "path"), Objects.requireNonNull(message, "message")});
    return this;
  }

  List<Problem> resolve(ConfigTree tree) {
    List<Problem> out = new ArrayList<>();
    for (String[] e : entries) {
      out.add(new Problem(e[0], tree.origin(e[0]), e[1]));
    }
    return out;
  }
}
