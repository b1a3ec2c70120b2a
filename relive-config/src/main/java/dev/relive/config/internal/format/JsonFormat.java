package dev.relive.config.internal.format;

import dev.relive.config.ConfigException;
import dev.relive.config.ConfigNode;
import dev.relive.config.Origin;
import dev.relive.config.Problem;
import dev.relive.config.internal.Paths;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import dev.relive.config.ConfigNode.ListNode;
import dev.relive.config.ConfigNode.ObjectNode;
import dev.relive.config.ConfigNode.ScalarNode;
import dev.relive.config.spi.ConfigFormat;
import dev.relive.config.spi.ParseLimits;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Strict JSON (RFC 8259) through Jackson's streaming parser, keeping each value's line and column. */
public final class JsonFormat implements ConfigFormat {

  @Override
  public String name() {
    return "json";
  }

  @Override
  public Set<String> extensions() {
    return Set.of("json");
  }

  @Override
  public ObjectNode parse(byte[] bytes, String sourceName, ParseLimits limits) {
    String text = Text.decode(bytes, sourceName, limits);
    JsonFactory factory = JsonFactory.builder()
        .streamReadConstraints(StreamReadConstraints.builder()
            .maxNestingDepth(limits.maxDepth())
            .maxDocumentLength(limits.maxBytes())
            .build())
        .build();
    Reader reader = new Reader(sourceName, limits);
    JsonParser current = null;
    try (JsonParser parser = factory.createParser(text)) {
      current = parser;
      JsonToken first = parser.nextToken();
      if (first == null) {
        throw new ConfigException.Parse(new Problem("", new Origin(sourceName, 1, 1),
            "the document holds no JSON value (only white space); it must be an object of keys to values"));
      }
      if (first != JsonToken.START_OBJECT) {
        throw new ConfigException.Parse(new Problem("", reader.origin(parser.currentTokenLocation()),
            "the top level must be an object of keys to values"));
      }
      ObjectNode root = (ObjectNode) reader.value(parser, "");
      if (parser.nextToken() != null) {
        throw new ConfigException.Parse(new Problem("", reader.origin(parser.currentTokenLocation()),
            "unexpected content after the top-level object"));
      }
      return root;
    } catch (StreamConstraintsException e) {
      Origin at = current == null ? Origin.of(sourceName) : reader.origin(current.currentLocation());
      String message = e.getOriginalMessage().contains("nesting depth")
          ? "nesting is deeper than the limit of " + limits.maxDepth() : e.getOriginalMessage();
      throw new ConfigException.Parse(new Problem("", at, message));
    } catch (JsonProcessingException e) {
      throw new ConfigException.Parse(new Problem("", reader.origin(e.getLocation()), e.getOriginalMessage()));
    } catch (IOException e) {
      throw new ConfigException.Parse(new Problem("", Origin.of(sourceName), String.valueOf(e.getMessage())));
    }
  }

  private static String shorten(String text) {
    return text.length() <= 40 ? text : text.substring(0, 37) + "...";
  }

  private static final class Reader {
    private final String source;
    private final ParseLimits limits;
    private long nodes;

    Reader(String source, ParseLimits limits) {
      this.source = source;
      this.limits = limits;
    }

    Origin origin(JsonLocation location) {
      if (location == null || location.getLineNr() < 1) {
        return Origin.of(source);
      }
      return new Origin(source, location.getLineNr(), Math.max(location.getColumnNr(), 0));
    }

    ConfigNode value(JsonParser p, String path) throws IOException {
      Origin origin = origin(p.currentTokenLocation());
      if (++nodes > limits.maxNodes()) {
        throw new ConfigException.Parse(new Problem(path, origin, "document has more than " + limits.maxNodes() + " nodes"));
      }
      JsonToken token = p.currentToken();
      switch (token) {
        case START_OBJECT -> {
          Map<String, ConfigNode> fields = new LinkedHashMap<>();
          Map<String, Origin> seen = new HashMap<>();
          while (p.nextToken() == JsonToken.FIELD_NAME) {
            String key = p.currentName();
            Origin keyOrigin = origin(p.currentTokenLocation());
            Origin first = seen.putIfAbsent(key, keyOrigin);
            if (first != null) {
              throw new ConfigException.Parse(new Problem(Paths.child(path, key), keyOrigin,
                  "duplicate key, first defined at " + first));
            }
            p.nextToken();
            fields.put(key, value(p, Paths.child(path, key)));
          }
          return new ObjectNode(fields, origin);
        }
        case START_ARRAY -> {
          List<ConfigNode> items = new ArrayList<>();
          while (p.nextToken() != JsonToken.END_ARRAY) {
            items.add(value(p, Paths.index(path, items.size())));
          }
          return new ListNode(items, origin);
        }
        case VALUE_STRING -> {
          return new ScalarNode(ScalarNode.Kind.STRING, p.getText(), origin);
        }
        case VALUE_NUMBER_INT -> {
          return new ScalarNode(ScalarNode.Kind.INTEGER, p.getBigIntegerValue().toString(), origin, p.getText());
        }
        case VALUE_NUMBER_FLOAT -> {
          String written = p.getText();
          try {
            new java.math.BigDecimal(written);
          } catch (NumberFormatException e) {
            throw new ConfigException.Parse(new Problem(path, origin, "the number " + shorten(written)
                + " is out of range"));
          }
          return new ScalarNode(ScalarNode.Kind.DECIMAL, written, origin);
        }
        case VALUE_TRUE, VALUE_FALSE -> {
          return new ScalarNode(ScalarNode.Kind.BOOLEAN, p.getText(), origin);
        }
        case VALUE_NULL -> {
          return new ScalarNode(ScalarNode.Kind.NULL, "", origin);
        }
        default -> throw new ConfigException.Parse(new Problem(path, origin, "unexpected " + token));
      }
    }
  }
}
