package dev.relive.config;

import dev.relive.config.internal.Paths;
import dev.relive.config.internal.SecretNames;
import dev.relive.config.internal.format.TreeJson;

import dev.relive.config.ConfigNode.ListNode;
import dev.relive.config.ConfigNode.ObjectNode;
import dev.relive.config.ConfigNode.ScalarNode;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * An immutable configuration document with the origin of every value: path lookups for untyped use, a
 * canonical content hash, leaf-level diffs and redaction of secrets.
 *
 * <p>Thread-safe. The hash covers content only: reformatting a file or moving a key changes no hash.
 */
public final class ConfigTree {

  /** What a redacted value is replaced with. */
  public static final String REDACTED = "<redacted>";

  private final ObjectNode root;
  private volatile @Nullable String hash;

  private ConfigTree(ObjectNode root) {
    this.root = Objects.requireNonNull(root, "root");
  }

  /** A tree over the given root object. */
  public static ConfigTree of(ObjectNode root) {
    return new ConfigTree(root);
  }

  /** An empty tree. */
  public static ConfigTree empty() {
    return new ConfigTree(ObjectNode.empty(Origin.DEFAULT));
  }

  /** The root object. */
  public ObjectNode root() {
    return root;
  }

  /**
   * The node at a path such as {@code db.url} or {@code servers[0].host}, if present.
   *
   * @throws IllegalArgumentException if the path is malformed
   */
  public Optional<ConfigNode> find(String path) {
    ConfigNode node = root;
    for (Object segment : Paths.parse(path)) {
      if (segment instanceof Integer i && node instanceof ListNode list) {
        node = i >= 0 && i < list.items().size() ? list.items().get(i) : null;
      } else if (segment instanceof String key && node instanceof ObjectNode object) {
        node = object.fields().get(key);
      } else {
        node = null;
      }
      if (node == null) {
        return Optional.empty();
      }
    }
    return Optional.of(node);
  }

  /** The text of the scalar at a path, if there is a non-null scalar there. */
  public Optional<String> getString(String path) {
    return find(path).filter(n -> n instanceof ScalarNode s && s.kind() != ScalarNode.Kind.NULL)
        .map(n -> ((ScalarNode) n).text());
  }

  /**
   * Where the value at a path came from; for an absent path, the origin of its nearest present ancestor's
   * document. Never empty for the root.
   */
  public Origin origin(String path) {
    List<Object> segments;
    try {
      segments = Paths.parse(path);
    } catch (IllegalArgumentException e) {
      return root.origin();
    }
    ConfigNode node = root;
    for (Object segment : segments) {
      ConfigNode next = null;
      if (segment instanceof Integer i && node instanceof ListNode list && i >= 0 && i < list.items().size()) {
        next = list.items().get(i);
      } else if (segment instanceof String key && node instanceof ObjectNode object) {
        next = object.fields().get(key);
      }
      if (next == null) {
        return node.origin();
      }
      node = next;
    }
    return node.origin();
  }

  /** Every leaf (scalar or empty container) by path, in document order. */
  public Map<String, ConfigNode> leaves() {
    Map<String, ConfigNode> out = new LinkedHashMap<>();
    collectLeaves("", root, out);
    return out;
  }

  private static void collectLeaves(String path, ConfigNode node, Map<String, ConfigNode> out) {
    if (node instanceof ObjectNode o && !o.fields().isEmpty()) {
      o.fields().forEach((k, v) -> collectLeaves(Paths.child(path, k), v, out));
    } else if (node instanceof ListNode l && !l.items().isEmpty()) {
      for (int i = 0; i < l.items().size(); i++) {
        collectLeaves(Paths.index(path, i), l.items().get(i), out);
      }
    } else if (!path.isEmpty()) {
      out.put(path, node);
    }
  }

  /** The SHA-256 of the canonical content, in hex. Key order, formatting and origins do not count. */
  public String hash() {
    String h = hash;
    if (h == null) {
      try {
        MessageDigest digest = MessageDigest.getInstance("SHA-256");
        canonical(root, digest);
        h = HexFormat.of().formatHex(digest.digest());
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException("SHA-256 is required by every Java platform", e);
      }
      hash = h;
    }
    return h;
  }

  private static void canonical(ConfigNode node, MessageDigest digest) {
    if (node instanceof ScalarNode s) {
      digest.update(switch (s.kind()) {
        case STRING -> (byte) 'a';
        case INTEGER -> (byte) 'b';
        case DECIMAL -> (byte) 'c';
        case BOOLEAN -> (byte) 'd';
        case NULL -> (byte) 'e';
      });
      putString(s.text(), digest);
    } else if (node instanceof ListNode l) {
      digest.update((byte) '[');
      putInt(l.items().size(), digest);
      l.items().forEach(item -> canonical(item, digest));
    } else if (node instanceof ObjectNode o) {
      digest.update((byte) '{');
      putInt(o.fields().size(), digest);
      String[] keys = o.fields().keySet().toArray(String[]::new);
      Arrays.sort(keys);
      for (String key : keys) {
        putString(key, digest);
        canonical(Objects.requireNonNull(o.fields().get(key)), digest);
      }
    }
  }

  private static void putString(String s, MessageDigest digest) {
    byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
    putInt(bytes.length, digest);
    digest.update(bytes);
  }

  private static void putInt(int n, MessageDigest digest) {
    digest.update((byte) (n >>> 24));
    digest.update((byte) (n >>> 16));
    digest.update((byte) (n >>> 8));
    digest.update((byte) n);
  }

  /**
   * The leaf-level differences from this tree to a newer one, in document order: every path whose value was
   * added, removed or changed.
   */
  public List<ValueChange> diff(ConfigTree newer) {
    List<ValueChange> out = new ArrayList<>();
    diff(() -> "", root, newer.root, out);
    return out;
  }

  /** {@code path} is built only where it is used: equal scalars, the bulk of a diff, need none. */
  private static void diff(Supplier<String> path, ConfigNode a, ConfigNode b, List<ValueChange> out) {
    if (a == b) {
      return;
    }
    if (a instanceof ObjectNode x && b instanceof ObjectNode y && !(x.fields().isEmpty() || y.fields().isEmpty())) {
      String here = path.get();
      x.fields().forEach((k, v) -> {
        ConfigNode other = y.fields().get(k);
        if (other == null) {
          removed(Paths.child(here, k), v, out);
        } else {
          diff(() -> Paths.child(here, k), v, other, out);
        }
      });
      y.fields().forEach((k, v) -> {
        if (!x.fields().containsKey(k)) {
          added(Paths.child(here, k), v, out);
        }
      });
    } else if (a instanceof ListNode x && b instanceof ListNode y && !(x.items().isEmpty() || y.items().isEmpty())) {
      String here = path.get();
      int common = Math.min(x.items().size(), y.items().size());
      for (int i = 0; i < common; i++) {
        int index = i;
        diff(() -> Paths.index(here, index), x.items().get(i), y.items().get(i), out);
      }
      for (int i = common; i < x.items().size(); i++) {
        removed(Paths.index(here, i), x.items().get(i), out);
      }
      for (int i = common; i < y.items().size(); i++) {
        added(Paths.index(here, i), y.items().get(i), out);
      }
    } else if (!ConfigNode.sameValue(a, b)) {
      out.add(new ValueChange(path.get(), Optional.of(a), Optional.of(b)));
    }
  }

  private static void removed(String path, ConfigNode node, List<ValueChange> out) {
    Map<String, ConfigNode> leaves = new LinkedHashMap<>();
    collectLeaves(path, node, leaves);
    if (leaves.isEmpty()) {
      leaves.put(path, node);
    }
    leaves.forEach((p, n) -> out.add(new ValueChange(p, Optional.of(n), Optional.empty())));
  }

  private static void added(String path, ConfigNode node, List<ValueChange> out) {
    Map<String, ConfigNode> leaves = new LinkedHashMap<>();
    collectLeaves(path, node, leaves);
    if (leaves.isEmpty()) {
      leaves.put(path, node);
    }
    leaves.forEach((p, n) -> out.add(new ValueChange(p, Optional.empty(), Optional.of(n))));
  }

  /**
   * True if a path names a secret by its key names alone: some key's last word (keys split at camelCase,
   * {@code _}, {@code -} and {@code .}) is a secret word such as password, secret, token or credentials, or
   * its last two words are one such as api key or private key. So {@code dbPassword}, {@code api_key} and
   * {@code client-secret} are secret, while {@code max_tokens}, {@code passwordPolicy.minLength} and
   * {@code secretKeyRef.name} are not.
   */
  public static boolean isSecretName(String path) {
    List<Object> segments;
    try {
      segments = Paths.parse(path);
    } catch (IllegalArgumentException e) {
      return SecretNames.isSecretKey(path);
    }
    for (Object segment : segments) {
      if (segment instanceof String key && SecretNames.isSecretKey(key)) {
        return true;
      }
    }
    return false;
  }

  /** True if the path is secret by name, or is or lies under one of {@code secretPaths}. */
  static boolean isSecretPath(String path, Set<String> secretPaths) {
    if (isSecretName(path)) {
      return true;
    }
    if (secretPaths.isEmpty()) {
      return false;
    }
    for (String p : Paths.selfAndAncestors(path)) {
      if (secretPaths.contains(p)) {
        return true;
      }
    }
    return false;
  }

  /** A scalar that stands for a redacted value, at the same origin. */
  static ConfigNode redactedNode(ConfigNode node) {
    return ScalarNode.string(REDACTED, node.origin());
  }

  /** A copy with every value under a secret key name replaced by {@value #REDACTED}. */
  public ConfigTree redacted() {
    return redacted(Set.of());
  }

  /**
   * A copy with every value under a secret key name, or under one of the given paths, replaced by
   * {@value #REDACTED}.
   */
  public ConfigTree redacted(Set<String> secretPaths) {
    ConfigNode out = redact(secretPaths.isEmpty() ? null : "", root, false, secretPaths);
    return out == root ? this : new ConfigTree((ObjectNode) out);
  }

  /**
   * The node with secrets redacted; the same instance when nothing under it is secret, so a tree without
   * secrets costs no copy. {@code path} is null when no secret path was given: then only key names count
   * and no path text is built.
   */
  private static ConfigNode redact(@Nullable String path, ConfigNode node, boolean secret, Set<String> secretPaths) {
    if (node instanceof ObjectNode o) {
      Map<String, ConfigNode> fields = null;
      for (Map.Entry<String, ConfigNode> e : o.fields().entrySet()) {
        String k = e.getKey();
        String p = path == null ? null : Paths.child(path, k);
        ConfigNode v = e.getValue();
        ConfigNode r = redact(p, v, secret || SecretNames.isSecretKey(k) || (p != null && secretPaths.contains(p)),
            secretPaths);
        if (r != v && fields == null) {
          fields = new LinkedHashMap<>(o.fields());
        }
        if (fields != null) {
          fields.put(k, r);
        }
      }
      return fields == null ? o : new ObjectNode(fields, o.origin());
    }
    if (node instanceof ListNode l) {
      List<ConfigNode> items = null;
      for (int i = 0; i < l.items().size(); i++) {
        String p = path == null ? null : Paths.index(path, i);
        ConfigNode v = l.items().get(i);
        ConfigNode r = redact(p, v, secret || (p != null && secretPaths.contains(p)), secretPaths);
        if (r != v && items == null) {
          items = new ArrayList<>(l.items());
        }
        if (items != null) {
          items.set(i, r);
        }
      }
      return items == null ? l : new ListNode(items, l.origin());
    }
    ScalarNode s = (ScalarNode) node;
    return secret && s.kind() != ScalarNode.Kind.NULL ? ScalarNode.string(REDACTED, s.origin()) : s;
  }

  /** This tree as compact JSON, scalar types kept (numbers, booleans, nulls). Does not redact. */
  public String toJson() {
    return TreeJson.write(root, false);
  }

  /** One node as compact JSON, scalar types kept. Does not redact. */
  public static String toJson(ConfigNode node) {
    return TreeJson.write(node, false);
  }

  /** This tree as indented JSON. Does not redact. */
  public String toPrettyJson() {
    return TreeJson.write(root, true);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ConfigTree t && ConfigNode.sameValue(root, t.root);
  }

  @Override
  public int hashCode() {
    return hash().hashCode();
  }

  @Override
  public String toString() {
    return "ConfigTree" + leaves().keySet();
  }

  /**
   * One leaf that differs between two trees.
   *
   * @param path   the leaf's path
   * @param before its value in the older tree, if it had one
   * @param after  its value in the newer tree, if it has one
   */
  public record ValueChange(String path, Optional<ConfigNode> before, Optional<ConfigNode> after) {}
}
