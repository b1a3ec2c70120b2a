package dev.relive.etcd;

import java.util.Objects;

/**
 * Configuration layers kept in etcd. Give them to {@code LiveConfig.Builder.source} like any layer: files,
 * environment and etcd layer together, later wins (put etcd above files, and the environment above etcd, to
 * let an operator override a node by hand).
 */
public final class EtcdSources {
  private EtcdSources() {}

  /**
   * Relive's managed layout for {@code app}: the document of the version {@code /relive/{app}/head} names,
   * as {@code relive fleet publish} writes it. Immutable versions, a head moved by one transaction: a node
   * never reads half a publication.
   *
   * @throws IllegalArgumentException if the app name is not letters, digits, '.', '_' and '-'
   */
  public static EtcdSource managed(Etcd etcd, String app) {
    return managed(etcd, app, FleetMember.defaultNodeId());
  }

  /**
   * Like {@link #managed(Etcd, String)}, for node {@code node}: during a rollout, the canary pointer
   * ({@code /relive/{app}/canary}) may name this node, which then serves the rollout's version instead of the
   * head. {@link FleetMember#join} registers the node under the same id and takes part in rollouts.
   *
   * @throws IllegalArgumentException for an app name that is not letters, digits, '.', '_' and '-', or an
   *     empty node id or one with '/'
   */
  public static EtcdSource managed(Etcd etcd, String app, String node) {
    Layout.requireApp(Objects.requireNonNull(app, "app"));
    return new EtcdSource(Objects.requireNonNull(etcd, "etcd"), EtcdSource.Kind.MANAGED, Layout.head(app), app, "",
        Layout.requireNode(node));
  }

  /** A whole document in one key ({@code /app/config} holding YAML), in the format given. */
  public static EtcdSource key(Etcd etcd, String key, String format) {
    return new EtcdSource(Objects.requireNonNull(etcd, "etcd"), EtcdSource.Kind.KEY, requireKey(key), "",
        Objects.requireNonNull(format, "format"), "");
  }

  /**
   * The keys below a prefix as a tree: with prefix {@code /app/config/}, the key {@code /app/config/db/url}
   * is {@code db.url}. Values are text; binding converts them.
   */
  public static EtcdSource prefix(Etcd etcd, String prefix) {
    String p = requireKey(prefix);
    return new EtcdSource(Objects.requireNonNull(etcd, "etcd"), EtcdSource.Kind.PREFIX, p.endsWith("/") ? p : p + "/", "", "", "");
  }

  private static String requireKey(String key) {
    Objects.requireNonNull(key, "key");
    if (key.isEmpty()) {
      throw new IllegalArgumentException("an etcd key is required");
    }
    return key;
  }
}
