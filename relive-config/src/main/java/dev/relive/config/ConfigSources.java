package dev.relive.config;

import dev.relive.config.internal.ClasspathSource;
import dev.relive.config.internal.Digests;
import dev.relive.config.internal.FileSource;
import dev.relive.config.internal.PrefixedSource;

import dev.relive.config.spi.ConfigSource;
import dev.relive.config.spi.SourceData;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The built-in sources. Give them to {@link LiveConfig.Builder#source} in order of precedence: each later
 * source overrides the earlier ones, key by key.
 *
 * <h2>The environment rule</h2>
 * {@code env("APP")} reads variables named {@code APP_} followed by a key path. Each key of the
 * configuration type is written in upper case, with an underscore wherever the key has a separator
 * ({@code .}, {@code -}, {@code _}) or a lower-to-upper case change, and path levels are joined by an
 * underscore too; a list element is addressed by its index. So with {@code record App(Db db, List<Server>
 * servers)}:
 * <ul>
 *   <li>{@code APP_DB_URL} sets {@code db.url};</li>
 *   <li>{@code APP_DB_MAX_POOL_SIZE} sets {@code db.maxPoolSize}, {@code db.max-pool-size} or
 *       {@code db.max_pool_size}, whichever the type declares;</li>
 *   <li>{@code APP_SERVERS_1_HOST} sets {@code servers[1].host} (index 1 must exist or be the next one);</li>
 *   <li>{@code APP_TAGS=a,b,c} sets a list of values at once.</li>
 * </ul>
 * Names are matched against the record type, so the split is never guessed. Map keys are matched against the
 * keys the lower layers already have; a new map key takes the next word (lower-cased), or, for a map of
 * values, all remaining words joined by {@code _}. A name that matches two keys, or none, is reported as a
 * problem naming the variable.
 */
public final class ConfigSources {
  private ConfigSources() {}

  /** A required file; its format comes from its extension. */
  public static ConfigSource file(Path path) {
    return new FileSource(path, FileSource.extension(path), false);
  }

  /** A required file in the given format ({@code yaml}, {@code json}, {@code toml}, {@code properties}). */
  public static ConfigSource file(Path path, String format) {
    return new FileSource(path, Objects.requireNonNull(format, "format"), false);
  }

  /** A file that may be absent: then it is an empty layer, and it is picked up when it appears. */
  public static ConfigSource optionalFile(Path path) {
    return new FileSource(path, FileSource.extension(path), true);
  }

  /** A required class path resource, loaded with this library's class loader's context. */
  public static ConfigSource classpath(String resource) {
    return new ClasspathSource(resource, loader(), false);
  }

  /** A class path resource that may be absent. */
  public static ConfigSource optionalClasspath(String resource) {
    return new ClasspathSource(resource, loader(), true);
  }

  /** Environment variables named {@code PREFIX_...}; see the environment rule above. */
  public static ConfigSource env(String prefix) {
    return env(prefix, System::getenv);
  }

  /** Like {@link #env(String)}, over a given environment (for tests and embedding). */
  public static ConfigSource env(String prefix, Map<String, String> environment) {
    Map<String, String> copy = Map.copyOf(environment);
    return env(prefix, () -> copy);
  }

  private static ConfigSource env(String prefix, java.util.function.Supplier<Map<String, String>> environment) {
    String p = requirePrefix(prefix);
    return new PrefixedSource("env", p.endsWith("_") ? p : p + "_", environment, SourceData.Entries.Style.ENVIRONMENT);
  }

  /** System properties named {@code prefix.path}, such as {@code -Dapp.db.url=...} for prefix {@code app}. */
  public static ConfigSource systemProperties(String prefix) {
    String p = requirePrefix(prefix);
    return new PrefixedSource("sysprop", p.endsWith(".") ? p : p + ".", () -> {
      Map<String, String> out = new HashMap<>();
      System.getProperties().forEach((k, v) -> out.put(String.valueOf(k), String.valueOf(v)));
      return out;
    }, SourceData.Entries.Style.PATHS);
  }

  /**
   * A document held in memory, such as one read from standard input or received over the network: parsed
   * like a file of the given format, with {@code name} in its origins ({@code stdin:3:7}).
   *
   * @param format a format name or extension ({@code yaml}, {@code json}, {@code toml}, {@code properties})
   */
  public static ConfigSource document(String name, byte[] bytes, String format) {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(format, "format");
    byte[] copy = bytes.clone();
    String stamp = Digests.of(copy);
    return new ConfigSource() {
      @Override
      public String name() {
        return name;
      }

      @Override
      public SourceData read() {
        if (copy.length == 0) {
          throw new ConfigException.Source(java.util.List.of(new Problem("", new Origin(name, 1, 1), "document is empty")));
        }
        return new SourceData.Document(copy, format, stamp);
      }
    };
  }

  /** An empty in-memory source for programmatic overrides. */
  public static InMemorySource inMemory(String name) {
    return new InMemorySource(name);
  }

  private static String requirePrefix(String prefix) {
    if (prefix == null || prefix.isBlank()) {
      throw new IllegalArgumentException("a prefix is required, so unrelated variables never become keys");
    }
    return prefix;
  }

  private static ClassLoader loader() {
    ClassLoader context = Thread.currentThread().getContextClassLoader();
    return context != null ? context : ConfigSources.class.getClassLoader();
  }
}
