package dev.relive.config;

import dev.relive.config.internal.format.Formats;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One node of a parsed configuration: an object (keys in document order), a list, or a scalar. Every node
 * carries the {@link Origin} it was read from. Formats produce these; the engine merges and binds them.
 *
 * <p>Nodes are immutable and thread-safe. {@code equals} compares origins too; use {@link #sameValue} to
 * compare content only.
 */
public sealed interface ConfigNode permits ConfigNode.ObjectNode, ConfigNode.ListNode, ConfigNode.ScalarNode {

  /** Where this node was read from. */
  Origin origin();

  /** True if both nodes hold the same content, whatever their origins. */
  static boolean sameValue(ConfigNode a, ConfigNode b) {
    if (a == b) {
      return true;
    }
    if (a instanceof ScalarNode x && b instanceof ScalarNode y) {
      return x.kind() == y.kind() && x.text().equals(y.text());
    }
    if (a instanceof ListNode x && b instanceof ListNode y) {
      if (x.items().size() != y.items().size()) {
        return false;
      }
      for (int i = 0; i < x.items().size(); i++) {
        if (!sameValue(x.items().get(i), y.items().get(i))) {
          return false;
        }
      }
      return true;
    }
    if (a instanceof ObjectNode x && b instanceof ObjectNode y) {
      if (x.fields().size() != y.fields().size()) {
        return false;
      }
      for (Map.Entry<String, ConfigNode> e : x.fields().entrySet()) {
        ConfigNode other = y.fields().get(e.getKey());
        if (other == null || !sameValue(e.getValue(), other)) {
          return false;
        }
      }
      return true;
    }
    return false;
  }

  /** An object: string keys in document order. */
  record ObjectNode(Map<String, ConfigNode> fields, Origin origin) implements ConfigNode {
    public ObjectNode {
      Objects.requireNonNull(origin, "origin");
      fields = Collections.unmodifiableMap(new LinkedHashMap<>(fields));
    }

    public static ObjectNode empty(Origin origin) {
      return new ObjectNode(Map.of(), origin);
    }
  }

  /** A list. */
  record ListNode(List<ConfigNode> items, Origin origin) implements ConfigNode {
    public ListNode {
      Objects.requireNonNull(origin, "origin");
      items = List.copyOf(items);
    }
  }

  /**
   * A scalar with the type its format gave it, in two texts. {@code text} is canonical: integers in decimal
   * ({@code 0xFF} is {@code 255}), decimals in their written form when plain ({@code 1.10} stays {@code 1.10}),
   * booleans {@code true}/{@code false}, dates and times in ISO-8601 with seconds; content hashes, equality
   * and binding to numbers use it. {@code written} is the value as the document wrote it ({@code 0xFF},
   * {@code 01234}, {@code 12345678.0}); a {@code String} component gets it, so every format gives a string
   * field the same text, and tools show it. Formats without types (properties, environment) give
   * {@link Kind#STRING} with both texts equal; binding converts text to the target type.
   *
   * @param written the value as written; the three-argument constructor makes it equal to {@code text}
   */
  record ScalarNode(Kind kind, String text, Origin origin, String written) implements ConfigNode {
    public ScalarNode {
      Objects.requireNonNull(kind, "kind");
      Objects.requireNonNull(text, "text");
      Objects.requireNonNull(origin, "origin");
      Objects.requireNonNull(written, "written");
    }

    /** A scalar written as its canonical text. */
    public ScalarNode(Kind kind, String text, Origin origin) {
      this(kind, text, origin, text);
    }

    public static ScalarNode string(String text, Origin origin) {
      return new ScalarNode(Kind.STRING, text, origin);
    }

    /** The type a format gave a scalar. */
    public enum Kind { STRING, INTEGER, DECIMAL, BOOLEAN, NULL }
  }
}
