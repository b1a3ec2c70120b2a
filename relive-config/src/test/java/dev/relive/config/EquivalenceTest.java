package dev.relive.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The same configuration written in YAML, JSON, TOML and properties binds to equal records. */
class EquivalenceTest {

  static final AppConfig EXPECTED = new AppConfig("shop",
      new AppConfig.Db("jdbc:postgresql://db:5432/shop", 20, "s3cr3t-pass"),
      List.of(new AppConfig.Server("a.example", 8080), new AppConfig.Server("b.example", 8081)),
      Map.of("orders", 100, "search", 5), Duration.ofSeconds(30), AppConfig.Mode.SAFE, Set.of("blue", "green"), 0.75,
      Optional.empty(), true);

  static Path fixture(String name) throws Exception {
    return Path.of(EquivalenceTest.class.getResource("/equiv/" + name).toURI());
  }

  @ParameterizedTest
  @ValueSource(strings = {"app.yaml", "app.json", "app.toml", "app.properties"})
  void everyFormat_bindsToTheSameRecord(String file) throws Exception {
    try (LiveConfig<AppConfig> config = LiveConfig.builder(AppConfig.class)
        .source(ConfigSources.file(fixture(file))).build()) {
      assertThat(config.get()).isEqualTo(EXPECTED);
      assertThat(config.snapshot().origin("db.poolSize").source()).endsWith(file);
      assertThat(config.snapshot().origin("db.poolSize").line()).isPositive();
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"app.yaml", "app.json", "app.toml"})
  void typedFormats_produceTheSameTree(String file) throws Exception {
    ConfigTree yaml = load("app.yaml");
    assertThat(load(file).hash()).isEqualTo(yaml.hash());
  }

  @ParameterizedTest
  @ValueSource(strings = {"app.yaml", "app.json", "app.toml", "app.properties"})
  void everyFormat_producesTheSameLeafPaths(String file) throws Exception {
    assertThat(load(file).leaves().keySet()).containsExactlyInAnyOrderElementsOf(load("app.yaml").leaves().keySet());
  }

  private static ConfigTree load(String file) throws Exception {
    try (LiveConfig<ConfigTree> config = LiveConfig.builder(ConfigTree.class).source(ConfigSources.file(fixture(file))).build()) {
      return config.get();
    }
  }
}
