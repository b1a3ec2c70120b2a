package dev.relive.config;

import dev.relive.config.ConfigNode.ObjectNode;
import dev.relive.config.ConfigNode.ScalarNode;
import dev.relive.config.spi.ConfigFormat;
import dev.relive.config.spi.ParseLimits;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/** A user format registered through META-INF/services: {@code key -> value} lines. */
public final class KeyValueFormat implements ConfigFormat {
  /** ServiceLoader needs a public no-argument constructor. */
  public KeyValueFormat() {}

  @Override
  public String name() {
    return "kv";
  }

  @Override
  public Set<String> extensions() {
    return Set.of("kv");
  }

  @Override
  public ObjectNode parse(byte[] bytes, String sourceName, ParseLimits limits) {
    Map<String, ConfigNode> fields = new LinkedHashMap<>();
    String[] lines = new String(bytes, StandardCharsets.UTF_8).split("\n");
    for (int i = 0; i < lines.length; i++) {
      int arrow = lines[i].indexOf("->");
      if (arrow < 0) {
        throw new ConfigException.Parse(new Problem("", new Origin(sourceName, i + 1, 1), "expected key -> value"));
      }
      fields.put(lines[i].substring(0, arrow).trim(),
          ScalarNode.string(lines[i].substring(arrow + 2).trim(), new Origin(sourceName, i + 1, arrow + 3)));
    }
    return new ObjectNode(fields, new Origin(sourceName, 1, 1));
  }
}
