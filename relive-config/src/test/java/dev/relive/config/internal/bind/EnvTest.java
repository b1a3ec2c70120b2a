package dev.relive.config.internal.bind;

import dev.relive.config.ConfigException;
import dev.relive.config.ConfigSources;
import dev.relive.config.InMemorySource;
import dev.relive.config.Key;
import dev.relive.config.LiveConfig;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The environment rule addresses every key of the record type: camelCase, -/_ keys, lists, maps. */
class EnvTest {
  record Server(String host, int port) {}

  record Pool(@Key("max-pool-size") int maxPoolSize, @Key("idle_timeout") String idleTimeout) {}

  record Cfg(String url, Pool pool, int httpPort, List<Server> servers, List<String> tags, Map<String, Integer> limits,
      Map<String, Server> named, Optional<String> banner) {}

  private final InMemorySource base = new InMemorySource("base");

  private LiveConfig<Cfg> start(Map<String, String> env) {
    base.set(Map.of("url", "u", "pool.max-pool-size", 1, "pool.idle_timeout", "1s", "httpPort", 80,
        "servers", List.of(Map.of("host", "a", "port", 1), Map.of("host", "b", "port", 2)),
        "limits", Map.of("orders", 5, "search_api", 6)));
    return LiveConfig.builder(Cfg.class).source(base).source(ConfigSources.env("APP", env)).executor(Runnable::run).build();
  }

  @Test
  void everyKindOfKey_isAddressable() {
    try (LiveConfig<Cfg> config = start(Map.of(
        "APP_URL", "env-url",
        "APP_POOL_MAX_POOL_SIZE", "32",
        "APP_POOL_IDLE_TIMEOUT", "5s",
        "APP_HTTP_PORT", "8080",
        "APP_SERVERS_1_PORT", "9002",
        "APP_SERVERS_2_HOST", "c",
        "APP_SERVERS_2_PORT", "9003",
        "APP_TAGS", "blue, green",
        "APP_LIMITS_SEARCH_API", "60",
        "APP_LIMITS_NEW_ONE", "7"))) {
      Cfg c = config.get();
      assertThat(c.url()).isEqualTo("env-url");
      assertThat(c.pool()).isEqualTo(new Pool(32, "5s"));
      assertThat(c.httpPort()).isEqualTo(8080);
      assertThat(c.servers()).containsExactly(new Server("a", 1), new Server("b", 9002), new Server("c", 9003));
      assertThat(c.tags()).containsExactly("blue", "green");
      assertThat(c.limits()).containsOnly(Map.entry("orders", 5), Map.entry("search_api", 60), Map.entry("new_one", 7));
      assertThat(config.snapshot().origin("servers[2].port").toString()).isEqualTo("env:APP_SERVERS_2_PORT");
    }
  }

  @Test
  void mapsOfRecords_takeOneWordPerNewKey_andOptionalsAreReachable() {
    try (LiveConfig<Cfg> config = start(Map.of("APP_NAMED_EDGE_HOST", "e", "APP_NAMED_EDGE_PORT", "1",
        "APP_BANNER", "hi"))) {
      assertThat(config.get().named()).containsExactly(Map.entry("edge", new Server("e", 1)));
      assertThat(config.get().banner()).contains("hi");
    }
  }

  @Test
  void unknownNames_areWarnings_andGapsInListsAreProblems() {
    try (LiveConfig<Cfg> config = start(Map.of("APP_NOPE", "1"))) {
      assertThat(config.get().url()).isEqualTo("u");
    }
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> start(Map.of("APP_SERVERS_5_HOST", "x")))
        .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems()).singleElement().satisfies(p -> {
          assertThat(p.origin().toString()).isEqualTo("env:APP_SERVERS_5_HOST");
          assertThat(p.message()).contains("list index 5 is past the end (the list has 2 elements");
        }));
  }

  record Ambiguous(Db db, String dbUrl) {
    record Db(String url) {}
  }

  @Test
  void aNameMatchingTwoKeys_isAProblemNamingBoth() {
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> LiveConfig.builder(Ambiguous.class)
        .source(ConfigSources.env("X", Map.of("X_DB_URL", "u"))).build())
        .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems()).singleElement()
            .satisfies(p -> assertThat(p.message()).isEqualTo("X_DB_URL is ambiguous: it matches db.url and dbUrl")));
  }

  @Test
  void words_splitAtSeparatorsAndCaseChanges() {
    assertThat(EnvNames.words("maxPoolSize")).containsExactly("MAX", "POOL", "SIZE");
    assertThat(EnvNames.words("max-pool_size")).containsExactly("MAX", "POOL", "SIZE");
    assertThat(EnvNames.words("http2Port")).containsExactly("HTTP2", "PORT");
    assertThat(EnvNames.words("URL")).containsExactly("URL");
  }
}
