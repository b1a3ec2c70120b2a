package dev.relive.config.internal;

import dev.relive.config.spi.ConfigSource;
import dev.relive.config.spi.SourceData;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Environment variables or system properties under a prefix, read afresh on every reload. The engine
 * resolves each name, after the prefix, against the configuration type.
 */
public final class PrefixedSource implements ConfigSource {
  private final String name;
  private final String prefix;
  private final Supplier<Map<String, String>> entries;
  private final SourceData.Entries.Style style;

  public PrefixedSource(String name, String prefix, Supplier<Map<String, String>> entries, SourceData.Entries.Style style) {
    this.name = name;
    this.prefix = prefix;
    this.entries = entries;
    this.style = style;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public SourceData read() {
    Map<String, String> matching = new HashMap<>();
    entries.get().forEach((k, v) -> {
      if (k.startsWith(prefix) && k.length() > prefix.length()) {
        matching.put(k, v);
      }
    });
    return new SourceData.Entries(matching, prefix, style, Digests.of(matching));
  }
}
