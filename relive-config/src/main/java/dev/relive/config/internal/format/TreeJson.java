package dev.relive.config.internal.format;

import dev.relive.config.ConfigNode;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.relive.config.ConfigNode.ListNode;
import dev.relive.config.ConfigNode.ObjectNode;
import dev.relive.config.ConfigNode.ScalarNode;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigDecimal;

/** Writes trees as JSON, keeping scalar types: integers and decimals as numbers, booleans, nulls. */
public final class TreeJson {
  private static final JsonFactory FACTORY = new JsonFactory();

  private TreeJson() {}

  public static String write(ConfigNode node, boolean pretty) {
    StringWriter out = new StringWriter();
    try (JsonGenerator g = FACTORY.createGenerator(out)) {
      if (pretty) {
        g.useDefaultPrettyPrinter();
      }
      write(node, g);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toString();
  }

  public static void write(ConfigNode node, JsonGenerator g) throws IOException {
    if (node instanceof ObjectNode o) {
      g.writeStartObject();
      for (var e : o.fields().entrySet()) {
        g.writeFieldName(e.getKey());
        write(e.getValue(), g);
      }
      g.writeEndObject();
    } else if (node instanceof ListNode l) {
      g.writeStartArray();
      for (ConfigNode item : l.items()) {
        write(item, g);
      }
      g.writeEndArray();
    } else {
      ScalarNode s = (ScalarNode) node;
      switch (s.kind()) {
        case NULL -> g.writeNull();
        case BOOLEAN -> g.writeBoolean(Boolean.parseBoolean(s.text()));
        case INTEGER -> g.writeNumber(new java.math.BigInteger(s.text()));
        case DECIMAL -> {
          if (s.text().equals("NaN") || s.text().endsWith("Infinity")) {
            g.writeString(s.text());
          } else {
            g.writeNumber(new BigDecimal(s.text()));
          }
        }
        default -> g.writeString(s.text());
      }
    }
  }
}
