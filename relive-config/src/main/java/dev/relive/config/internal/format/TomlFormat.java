package dev.relive.config.internal.format;

import dev.relive.config.ConfigException;
import dev.relive.config.ConfigNode;
import dev.relive.config.ConfigNode.ListNode;
import dev.relive.config.ConfigNode.ObjectNode;
import dev.relive.config.ConfigNode.ScalarNode;
import dev.relive.config.Origin;
import dev.relive.config.Problem;
import dev.relive.config.internal.Paths;
import dev.relive.config.spi.ConfigFormat;
import dev.relive.config.spi.ParseLimits;
import java.math.BigDecimal;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.tomlj.Toml;
import org.tomlj.TomlArray;
import org.tomlj.TomlEntry;
import org.tomlj.TomlParseError;
import org.tomlj.TomlParseOptions;
import org.tomlj.TomlParseResult;
import org.tomlj.TomlPosition;
import org.tomlj.TomlTable;
import org.tomlj.TomlVersion;

/**
 * TOML 1.1 through tomlj, which keeps the input position of every key and value. Dates and times become
 * strings in RFC 3339 / ISO-8601 form with seconds; binding converts them where the record asks for a
 * temporal type. Each scalar also keeps its text as written ({@code 0xFF}, {@code 12345678.0}), read from the
 * document at the value's position.
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
      result = Toml.parse(text, TomlParseOptions.defaults().withVersion(TomlVersion.V1_1_0)
          .withMaxNestingDepth(limits.maxDepth()));
    } catch (StackOverflowError e) {
      throw new ConfigException.Parse(new Problem("", Origin.of(sourceName), "nesting is too deep"));
    }
    if (result.hasErrors()) {
      List<Problem> problems = new ArrayList<>();
      for (TomlParseError error : result.errors()) {
        String message = String.valueOf(error.getMessage());
        // tomlj appends " (line N, column M)"; the origin already says where.
        int at = message.lastIndexOf(" (line ");
        message = at > 0 ? message.substring(0, at) : message;
        if (message.startsWith("Nesting is too deep")) {
          message = "nesting is deeper than the limit of " + limits.maxDepth();
        }
        problems.add(new Problem("", origin(sourceName, error.position()), message));
      }
      throw new ConfigException.Parse(problems);
    }
    return (ObjectNode) new Converter(sourceName, limits, text).convert(result, "", new Origin(sourceName, 1, 1), 1);
  }

  private static Origin origin(String source, TomlPosition position) {
    return position == null ? Origin.of(source) : new Origin(source, position.line(), position.column());
  }

  private static final class Converter {
    private final String source;
    private final ParseLimits limits;
    private final String text;
    private final List<Integer> lineStarts = new ArrayList<>();
    private long nodes;

    Converter(String source, ParseLimits limits, String text) {
      this.source = source;
      this.limits = limits;
      this.text = text;
      lineStarts.add(0);
      for (int i = 0; i < text.length(); i++) {
        if (text.charAt(i) == '\n') {
          lineStarts.add(i + 1);
        }
      }
    }

    ConfigNode convert(Object value, String path, Origin origin, int depth) {
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
          TomlEntry entry = table.entry(k);
          TomlPosition at = entry != null && entry.value() != null ? entry.value().position() : table.inputPositionOf(k);
          fields.put(key, convert(table.get(k), Paths.child(path, key), TomlFormat.origin(source, at), depth + 1));
        }
        return new ObjectNode(fields, origin);
      }
      if (value instanceof TomlArray array) {
        List<ConfigNode> items = new ArrayList<>();
        for (int i = 0; i < array.size(); i++) {
          items.add(convert(array.get(i), Paths.index(path, i), TomlFormat.origin(source, array.inputPositionOf(i)),
              depth + 1));
        }
        return new ListNode(items, origin);
      }
      if (value instanceof String s) {
        return ScalarNode.string(s, origin);
      }
      String written = writtenAt(origin);
      if (value instanceof Long || value instanceof Integer) {
        return new ScalarNode(ScalarNode.Kind.INTEGER, value.toString(), origin, written);
      }
      if (value instanceof Double d) {
        return new ScalarNode(ScalarNode.Kind.DECIMAL, decimal(d, written), origin, written);
      }
      if (value instanceof Boolean b) {
        return new ScalarNode(ScalarNode.Kind.BOOLEAN, b.toString(), origin, written);
      }
      String canonical;
      if (value instanceof OffsetDateTime t) {
        canonical = DateTimeFormatter.ISO_OFFSET_DATE_TIME.format(t);
      } else if (value instanceof LocalDateTime t) {
        canonical = DateTimeFormatter.ISO_LOCAL_DATE_TIME.format(t);
      } else if (value instanceof LocalDate t) {
        canonical = DateTimeFormatter.ISO_LOCAL_DATE.format(t);
      } else if (value instanceof LocalTime t) {
        canonical = DateTimeFormatter.ISO_LOCAL_TIME.format(t);
      } else {
        canonical = String.valueOf(value);
      }
      return new ScalarNode(ScalarNode.Kind.STRING, canonical, origin, written.isEmpty() ? canonical : written);
    }

    /** A decimal's canonical text: as written when it is a plain decimal (underscores and a '+' removed). */
    private static String decimal(double d, String written) {
      if (Double.isNaN(d)) {
        return "NaN";
      }
      if (Double.isInfinite(d)) {
        return d > 0 ? "Infinity" : "-Infinity";
      }
      String t = written.replace("_", "");
      t = t.startsWith("+") ? t.substring(1) : t;
      try {
        new BigDecimal(t);
        return t;
      } catch (NumberFormatException e) {
        return BigDecimal.valueOf(d).toString();
      }
    }

    /**
     * The value's text as the document wrote it, from its position to the end of its token; a date and a time
     * joined by a space are one token, as TOML allows.
     */
    private String writtenAt(Origin at) {
      if (at.line() < 1 || at.line() > lineStarts.size() || at.column() < 1) {
        return "";
      }
      int start = lineStarts.get(at.line() - 1) + at.column() - 1;
      int i = start;
      while (i < text.length()) {
        char c = text.charAt(i);
        if (c == ' ' && i - start == 10 && i + 3 < text.length() && Character.isDigit(text.charAt(i + 1))
            && text.charAt(i + 3) == ':') {
          i++;
          continue;
        }
        if (Character.isWhitespace(c) || c == ',' || c == ']' || c == '}' || c == '#') {
          break;
        }
        i++;
      }
      return start < i ? text.substring(start, i) : "";
    }
  }
}
