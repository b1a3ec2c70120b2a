package dev.relive.config.internal.format;

import dev.relive.config.ConfigNode;
import dev.relive.config.Origin;
import dev.relive.config.Problem;
import dev.relive.config.internal.Paths;

import dev.relive.config.ConfigNode.ListNode;
import dev.relive.config.ConfigNode.ObjectNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Builds a tree from flat path/value pairs (properties files, system properties, environment, in-memory
 * maps). Reports duplicates, a key used both as a value and as an object, and list indexes with gaps.
 */
public final class TreeBuilder {
  private final Branch root;
  private final List<Problem> problems = new ArrayList<>();

  public TreeBuilder(Origin rootOrigin) {
    this.root = new Branch(rootOrigin);
  }

  /**
   * The key under which a value is kept when the same key also holds keys, as flat formats allow
   * ({@code logging.level.org.hibernate=INFO} beside {@code logging.level.org.hibernate.SQL=DEBUG}). A
   * {@code Map} component takes such an entry as the key itself; anywhere else it is a problem.
   */
  public static final String SELF = "";

  /** Adds a value at a path given as segments ({@link String} keys, {@link Integer} indexes). */
  public void put(List<Object> segments, ConfigNode value, String path) {
    if (segments.isEmpty()) {
      problems.add(new Problem(path, value.origin(), "empty key"));
      return;
    }
    Branch node = root;
    for (int i = 0; i < segments.size() - 1; i++) {
      Object segment = segments.get(i);
      Object existing = node.children.get(segment);
      if (existing instanceof Branch b) {
        node = b;
        continue;
      }
      Branch child = new Branch(value.origin());
      if (existing != null) {
        child.children.put(SELF, existing);
      }
      node.children.put(segment, child);
      node = child;
    }
    Object last = segments.get(segments.size() - 1);
    Object existing = node.children.get(last);
    if (existing instanceof Branch b) {
      existing = b.children.get(SELF);
      node = b;
      last = SELF;
    }
    if (existing != null) {
      problems.add(new Problem(path, value.origin(), "duplicate key, first defined at " + ((ConfigNode) existing).origin()));
    } else {
      node.children.put(last, value);
    }
  }

  public List<Problem> problems() {
    return problems;
  }

  /** The tree; call only when {@link #problems()} is empty after the last put. */
  public ObjectNode build() {
    ConfigNode node = root.build("", problems);
    return (ObjectNode) node;
  }

  private static final class Branch {
    final Origin origin;
    final Map<Object, Object> children = new LinkedHashMap<>();

    Branch(Origin origin) {
      this.origin = origin;
    }

    ConfigNode build(String path, List<Problem> problems) {
      boolean indexes = !children.isEmpty() && children.keySet().stream().allMatch(k -> k instanceof Integer);
      boolean keys = children.keySet().stream().allMatch(k -> k instanceof String);
      if (indexes && !path.isEmpty()) {
        TreeMap<Integer, Object> sorted = new TreeMap<>();
        children.forEach((k, v) -> sorted.put((Integer) k, v));
        List<ConfigNode> items = new ArrayList<>();
        int expected = 0;
        for (Map.Entry<Integer, Object> e : sorted.entrySet()) {
          if (e.getKey() != expected) {
            problems.add(new Problem(Paths.index(path, expected), origin,
                "list index " + expected + " is missing (indexes must run from 0 without gaps)"));
            return new ListNode(items, origin);
          }
          items.add(buildChild(Paths.index(path, e.getKey()), e.getValue(), problems));
          expected++;
        }
        return new ListNode(items, origin);
      }
      if (!keys) {
        problems.add(new Problem(path, origin, "mixes list indexes and keys"));
      }
      Map<String, ConfigNode> fields = new LinkedHashMap<>();
      children.forEach((k, v) -> fields.put(String.valueOf(k), buildChild(
          k instanceof Integer i ? Paths.index(path, i) : Paths.child(path, (String) k), v, problems)));
      return new ObjectNode(fields, origin);
    }

    private static ConfigNode buildChild(String path, Object child, List<Problem> problems) {
      return child instanceof Branch b ? b.build(path, problems) : (ConfigNode) child;
    }
  }
}
