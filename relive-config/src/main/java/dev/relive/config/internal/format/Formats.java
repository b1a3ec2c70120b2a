package dev.relive.config.internal.format;

import dev.relive.config.LiveConfig;

import dev.relive.config.spi.ConfigFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;

/** The formats known to a {@link LiveConfig}: the built-in four plus any found with {@link ServiceLoader}. */
public final class Formats {
  private final Map<String, ConfigFormat> byNameOrExtension = new LinkedHashMap<>();

  private Formats() {}

  public static Formats discover(List<ConfigFormat> extra) {
    Formats formats = new Formats();
    for (ConfigFormat f : List.of(new YamlFormat(), new JsonFormat(), new TomlFormat(), new PropertiesFormat())) {
      formats.add(f);
    }
    for (ConfigFormat f : ServiceLoader.load(ConfigFormat.class)) {
      formats.add(f);
    }
    extra.forEach(formats::add);
    return formats;
  }

  private void add(ConfigFormat format) {
    byNameOrExtension.put(format.name().toLowerCase(Locale.ROOT), format);
    format.extensions().forEach(e -> byNameOrExtension.put(e.toLowerCase(Locale.ROOT), format));
  }

  public Optional<ConfigFormat> find(String nameOrExtension) {
    return Optional.ofNullable(byNameOrExtension.get(nameOrExtension.toLowerCase(Locale.ROOT)));
  }

  public String known() {
    return String.join(", ", byNameOrExtension.keySet());
  }
}
