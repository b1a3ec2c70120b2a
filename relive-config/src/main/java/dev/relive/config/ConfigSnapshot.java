package dev.relive.config;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * One applied version of a configuration: the bound value and everything known about how it came to be.
 *
 * <p>Immutable and thread-safe; {@link LiveConfig#snapshot()} returns the serving one with a single volatile
 * read. What it shows is safe to log or publish: {@link #tree()} and {@link #changesTo} carry no secret value
 * and {@link #hash()} lets nobody confirm a guessed secret; only {@link #value()} and
 * {@link #unredactedTree()}, which the application asks for by name, hold secrets.
 *
 * <p>A final class rather than a record, so that it can gain accessors without breaking callers.
 *
 * @param <T> the configuration type
 */
public final class ConfigSnapshot<T> {
  private final T value;
  private final long version;
  private final ConfigTree tree;
  private final ConfigTree redacted;
  private final List<SourceStamp> stamps;
  private final Instant time;
  private final String cause;
  private final Set<String> secretPaths;

  ConfigSnapshot(T value, long version, ConfigTree tree, List<SourceStamp> stamps, Instant time, String cause,
      Set<String> secretPaths) {
    this.value = value;
    this.version = version;
    this.tree = tree;
    this.secretPaths = Set.copyOf(secretPaths);
    this.redacted = tree.redacted(this.secretPaths);
    this.stamps = List.copyOf(stamps);
    this.time = time;
    this.cause = cause;
  }

  /** The bound, validated configuration object. */
  public T value() {
    return value;
  }

  /** Monotonic version number, 1 for the first applied version. */
  public long version() {
    return version;
  }

  /**
   * A SHA-256 of the content with every secret value left out, in hex: equal for equal content on every
   * node and across restarts, and safe to publish, because a secret cannot be confirmed from it. A change of
   * a secret alone gives a new version with the same hash.
   */
  public String hash() {
    return redacted.hash();
  }

  /** The merged tree with every secret value replaced by {@value ConfigTree#REDACTED}: safe to show or log. */
  public ConfigTree tree() {
    return redacted;
  }

  /** The merged tree with secret values in clear, for the application's own use. Never show or log it. */
  public ConfigTree unredactedTree() {
    return tree;
  }

  /** Where the value at a path came from, such as {@code config.yaml:12:7}. */
  public Origin origin(String path) {
    return tree.origin(path);
  }

  /** What each source held when this version was read. */
  public List<SourceStamp> stamps() {
    return stamps;
  }

  /** When this version was applied. */
  public Instant time() {
    return time;
  }

  /** What triggered it ({@code initial}, {@code reload()}, {@code file config.yaml}, ...). */
  public String cause() {
    return cause;
  }

  /** Paths marked {@link Secret} or matched by the secret-name rule or pattern; everything below them is secret too. */
  public Set<String> secretPaths() {
    return secretPaths;
  }

  /**
   * The leaf changes from this version to {@code newer}, in document order. A secret that changed is listed
   * with both values shown as {@value ConfigTree#REDACTED}, so its change is visible and its value is not.
   */
  public List<ConfigTree.ValueChange> changesTo(ConfigSnapshot<?> newer) {
    return redactChanges(tree.diff(newer.tree), secretPaths, newer.secretPaths);
  }

  static List<ConfigTree.ValueChange> redactChanges(List<ConfigTree.ValueChange> changes, Set<String> before,
      Set<String> after) {
    List<ConfigTree.ValueChange> out = new ArrayList<>(changes.size());
    for (ConfigTree.ValueChange c : changes) {
      boolean secret = ConfigTree.isSecretPath(c.path(), before) || ConfigTree.isSecretPath(c.path(), after);
      out.add(secret ? new ConfigTree.ValueChange(c.path(), c.before().map(ConfigTree::redactedNode),
          c.after().map(ConfigTree::redactedNode)) : c);
    }
    return out;
  }

  /** The part of the content hash that also covers secrets: the engine's own "unchanged" test, never published. */
  String contentHash() {
    return tree.hash();
  }

  @Override
  public String toString() {
    return "ConfigSnapshot[version=" + version + ", hash=" + hash() + ", cause=" + cause + ", time=" + time + "]";
  }
}
