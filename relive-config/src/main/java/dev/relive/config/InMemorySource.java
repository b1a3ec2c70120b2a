package dev.relive.config;

import dev.relive.config.internal.Paths;
import dev.relive.config.internal.format.TreeBuilder;

import dev.relive.config.ConfigNode.ListNode;
import dev.relive.config.ConfigNode.ObjectNode;
import dev.relive.config.ConfigNode.ScalarNode;
import dev.relive.config.spi.ConfigSource;
import dev.relive.config.spi.SourceData;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Overrides held in memory, set by the application or a test: keys are paths ({@code db.url},
 * {@code servers[0].host}), values are strings, numbers, booleans, lists or maps. Changing them does not by
 * itself reload; call {@link LiveConfig#reload()}.
 *
 * <p>Thread-safe: {@link #set} publishes a whole new tree with one volatile write.
 */
public final class InMemorySource implements ConfigSource {
  private final String name;
  private volatile ObjectNode tree;

  /** An empty source with the given name, used in origins as {@code memory:NAME}. */
  public InMemorySource(String name) {
    this.name = "memory:" + Objects.requireNonNull(name, "name");
    this.tree = ObjectNode.empty(Origin.of(this.name));
  }

  /**
   * Replaces every override.
   *
   * @param values path to value; values are String, Number, Boolean, List or Map (nested keys)
   * @throws ConfigException.Parse if two paths conflict
   * @throws IllegalArgumentException if a value has an unsupported type or a path is malformed
   */
  public InMemorySource set(Map<String, ?> values) {
    TreeBuilder builder = new TreeBuilder(Origin.of(name));
    values.forEach((path, value) -> builder.put(Paths.parse(path), node(value, path), path));
    if (!builder.problems().isEmpty()) {
      throw new ConfigException.Parse(builder.problems());
    }
    ObjectNode built = builder.build();
    if (!builder.problems().isEmpty()) {
      throw new ConfigException.Parse(builder.problems());
    }
    tree = built;
    return this;
  }

  private ConfigNode node(Object value, String path) {
    Origin origin = Origin.of(name + ":" + path);
    if (value == null) {
      return new ScalarNode(ScalarNode.Kind.NULL, "", origin);
    }
    if (value instanceof Boolean b) {
      return new ScalarNode(ScalarNode.Kind.BOOLEAN, b.toString(), origin);
    }
    if (value instanceof Integer || value instanceof Long || value instanceof Short || value instanceof Byte
        || value instanceof BigInteger) {
      return new ScalarNode(ScalarNode.Kind.INTEGER, value.toString(), origin);
    }
    if (value instanceof Double || value instanceof Float || value instanceof BigDecimal) {
      return new ScalarNode(ScalarNode.Kind.DECIMAL, value.toString(), origin);
    }
    if (value instanceof CharSequence || value instanceof Enum<?> || value instanceof java.time.Duration) {
      return ScalarNode.string(value.toString(), origin);
    }
    if (value instanceof List<?> list) {
      List<ConfigNode> items = new ArrayList<>();
      for (int i = 0; i < list.size(); i++) {
        items.add(node(list.get(i), Paths.index(path, i)));
      }
      return new ListNode(items, origin);
    }
    if (value instanceof Map<?, ?> map) {
      Map<String, ConfigNode> fields = new java.util.LinkedHashMap<>();
      map.forEach((k, v) -> fields.put(String.valueOf(k), node(v, Paths.child(path, String.valueOf(k)))));
      return new ObjectNode(fields, origin);
    }
    throw new IllegalArgumentException(path + ": unsupported value type " + value.getClass().getName());
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public SourceData read() {
    ObjectNode current = tree;
    return new SourceData.Tree(current, ConfigTree.of(current).hash());
  }
}
