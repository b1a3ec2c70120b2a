package dev.relive.config.internal.format;

import dev.relive.config.ConfigException;
import dev.relive.config.ConfigNode;
import dev.relive.config.Origin;
import dev.relive.config.Problem;
import dev.relive.config.internal.Paths;

import dev.relive.config.ConfigNode.ListNode;
import dev.relive.config.ConfigNode.ObjectNode;
import dev.relive.config.ConfigNode.ScalarNode;
import dev.relive.config.spi.ConfigFormat;
import dev.relive.config.spi.ParseLimits;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.tomlj.Toml;
import org.tomlj.TomlArray;
import org.tomlj.TomlParseError;
import org.tomlj.TomlParseResult;
import org.tomlj.TomlPosition;
import org.tomlj.TomlTable;

/**
 * TOML 1.0 through tomlj, which keeps the input position of every key and array element. Dates and times
 * become strings in their ISO form; binding converts them where the record asks for a temporal type.
 */
public final class TomlFormat implements ConfigFormat {

  @Override
  public String name() {
    return "toml";
  }

  @Override
  public Set<String> extensions() {
    return Set.of("toml");
  }

  @Override
  public ObjectNode parse(byte[] bytes, String sourceName, ParseLimits limits) {
    String text = Text.decode(bytes, sourceName, limits);
    TomlParseResult result;
    try {
      result = Toml.parse(text);
    } catch (StackOverflowError e) {
      throw new ConfigException.Parse(new Problem("", Origin.of(sourceName), "nesting is too deep"));
    }
    if (result.hasErrors()) {
      List<Problem> problems = new ArrayList<>();
      for (TomlParseError error : result.errors()) {
        String message = error.getMessage();
        // tomlj appends " (line N, column M)"; the origin already says where.
        int at = message.lastIndexOf(" (line ");
        problems.add(new Problem("", origin(sourceName, error.position()), at > 0 ? message.substring(0, at) : message));
      }
      throw new ConfigException.Parse(problems);
    }
    return (ObjectNode) new Converter(sourceName, limits).convert(result, "", new Origin(sourceName, 1, 1), 1);
  }

  private static Origin origin(String source, TomlPosition position) {
    return position == null ? Origin.of(source) : new Origin(source, position.line(), position.column());
  }

  private static final class Converter {
    private final String source;
    private final ParseLimits limits;
    private long nodes;

    public Converter(String source, ParseLimits limits) {
      this.source = source;
      this.limits = limits;
    }

    public ConfigNode convert(Object value, String path, Origin origin, int depth) {
      if (++nodes > limits.maxNodes()) {
        throw new ConfigException.Parse(new Problem(path, origin, "document has more than " + limits.maxNodes() + " nodes"));
      }
      if (depth > limits.maxDepth()) {
        throw new ConfigException.Parse(new Problem(path, origin, "nesting is deeper than the limit of " + limits.maxDepth()));
      }
      if (value instanceof TomlTable table) {
        Map<String, ConfigNode> fields = new LinkedHashMap<>();
        for (String key : table.keySet()) {
          List<String> k = List.of(key);
          fields.put(key, convert(table.get(k), Paths.child(path, key), TomlFormat.origin(source, table.inputPositionOf(k)), depth + 1));
        }
        return new ObjectNode(fields, origin);
      }
      if (value instanceof TomlArray array) {
        List<ConfigNode> items = new ArrayList<>();
        for (int i = 0; i < array.size(); i++) {
          items.add(convert(array.get(i), Paths.index(path, i), TomlFormat.origin(source, array.inputPositionOf(i)), depth + 1));
        }
        return new ListNode(items, origin);
      }
      if (value instanceof Long || value instanceof Integer) {
        return new ScalarNode(ScalarNode.Kind.INTEGER, value.toString(), origin);
      }
      if (value instanceof Double d) {
        String text = d.isNaN() || d.isInfinite() ? d.toString() : BigDecimal.valueOf(d).toString();
        return new ScalarNode(ScalarNode.Kind.DECIMAL, text, origin);
      }
      if (value instanceof Boolean b) {
        return new ScalarNode(ScalarNode.Kind.BOOLEAN, b.toString(), origin);
      }
      return new ScalarNode(ScalarNode.Kind.STRING, String.valueOf(value), origin);
    }
  }
}
