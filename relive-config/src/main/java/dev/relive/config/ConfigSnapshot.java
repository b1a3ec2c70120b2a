package dev.relive.config;

import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * One applied version of a configuration: the bound value and everything known about how it came to be.
 *
 * <p>Immutable and thread-safe; {@link LiveConfig#snapshot()} returns the serving one with a single volatile
 * read.
 *
 * @param value       the bound, validated configuration object
 * @param version     monotonic version number, 1 for the first applied version
 * @param hash        SHA-256 of the merged tree's canonical content
 * @param tree        the merged tree, with the origin of every value (unredacted: for the application)
 * @param stamps      what each source held when this version was read
 * @param time        when this version was applied
 * @param cause       what triggered it ({@code initial}, {@code reload()}, {@code file config.yaml}, ...)
 * @param secretPaths paths marked {@link Secret} on the record type (name patterns apply on top)
 */
public record ConfigSnapshot<T>(T value, long version, String hash, ConfigTree tree, List<SourceStamp> stamps,
    Instant time, String cause, Set<String> secretPaths) {

  public ConfigSnapshot {
    Objects.requireNonNull(value, "value");
    Objects.requireNonNull(hash, "hash");
    Objects.requireNonNull(tree, "tree");
    stamps = List.copyOf(stamps);
    Objects.requireNonNull(time, "time");
    Objects.requireNonNull(cause, "cause");
    secretPaths = Set.copyOf(secretPaths);
  }

  /** Where the value at a path came from, such as {@code config.yaml:12:7}. */
  public Origin origin(String path) {
    return tree.origin(path);
  }

  /** The tree with every secret replaced by {@value ConfigTree#REDACTED}: safe to show or log. */
  public ConfigTree redactedTree() {
    return tree.redacted(secretPaths);
  }
}
