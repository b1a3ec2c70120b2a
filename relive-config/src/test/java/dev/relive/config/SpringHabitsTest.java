package dev.relive.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a Spring Boot team writes without thinking: relaxed names, typos, and Spring-style properties. */
class SpringHabitsTest {
  record Db(String url, @Default("10") int poolSize, @Key("max-lifetime") @Default("30m") java.time.Duration maxLifetime) {}

  record App(Db db, Logging logging, Map<String, String> tags) {}

  record Logging(Map<String, String> level) {}

  @TempDir
  Path dir;

  private LiveConfig<App> load(Path... files) {
    LiveConfig.Builder<App> b = LiveConfig.builder(App.class).reloadOnSighup(false);
    for (Path f : files) {
      b.source(ConfigSources.file(f));
    }
    return b.build();
  }

  @Test
  void relaxedNames_bindToTheComponent_inEveryFormat_andPathsAreTheRecordsKeys() {
    for (String spelling : List.of("pool-size", "pool_size", "POOL_SIZE", "poolsize", "poolSize")) {
      Path file = Fixtures.write(dir.resolve("a.yaml"), "db:\n  url: u\n  " + spelling + ": 7\n  maxLifetime: 5m\n");
      try (LiveConfig<App> config = load(file)) {
        assertThat(config.get().db().poolSize()).as(spelling).isEqualTo(7);
        assertThat(config.get().db().maxLifetime()).isEqualTo(java.time.Duration.ofMinutes(5));
        assertThat(config.snapshot().tree().find("db.poolSize")).isPresent();
        assertThat(config.snapshot().origin("db.poolSize").toString()).endsWith("a.yaml:3:" + (5 + spelling.length()));
      }
    }
    Path props = Fixtures.write(dir.resolve("a.properties"), "db.url=u\ndb.pool-size=8\n");
    try (LiveConfig<App> config = load(props)) {
      assertThat(config.get().db().poolSize()).isEqualTo(8);
    }
  }

  @Test
  void aLaterLayer_overridesAnEarlierOnesOtherSpelling_andListenersSeeTheChange() {
    Path base = Fixtures.write(dir.resolve("base.yaml"), "db:\n  url: u\n  pool-size: 5\n");
    Path override = Fixtures.write(dir.resolve("override.yaml"), "db:\n  poolSize: 6\n");
    try (LiveConfig<App> config = load(base, override)) {
      assertThat(config.get().db().poolSize()).isEqualTo(6);
      List<String> seen = new CopyOnWriteArrayList<>();
      config.onChange("db.poolSize", change -> seen.add("pool " + change.current().value().db().poolSize()));
      Fixtures.write(override, "db:\n  pool_size: 9\n");
      assertThat(config.reload()).isInstanceOfSatisfying(ReloadEvent.Applied.class,
          a -> assertThat(a.changedPaths()).containsExactly("db.poolSize"));
      assertThat(seen).containsExactly("pool 9");
    }
  }

  @Test
  void twoSpellingsOfOneKeyInOneFile_areAProblemNamingBoth() {
    Path file = Fixtures.write(dir.resolve("a.yaml"), "db:\n  url: u\n  pool-size: 5\n  poolSize: 6\n");
    assertThatThrownBy(() -> load(file)).isInstanceOf(ConfigException.class)
        .hasMessage(file + ":4:13: db.poolSize: 'pool-size' and 'poolSize' both set db.poolSize; keep one");
  }

  @Test
  void aTypoOfAnAbsentKey_isAProblemThatSaysWhatWasMeant_otherTyposWarn() {
    Path typo = Fixtures.write(dir.resolve("a.yaml"), "db:\n  url: u\n  poolSzie: 50\n");
    assertThatThrownBy(() -> load(typo)).isInstanceOf(ConfigException.class).hasMessage(typo + ":3:13: db.poolSzie: "
        + "unknown key; did you mean poolSize? (poolSize is not set, so it would take its default)");
    Path both = Fixtures.write(dir.resolve("b.yaml"), "db:\n  url: u\n  poolSize: 50\n  poolSzie: 50\n  colour: red\n");
    try (LiveConfig<App> config = load(both)) {
      assertThat(config.get().db().poolSize()).isEqualTo(50);
    }
  }

  @Test
  void springStyleProperties_aValueBesideKeysBelowIt_andMapKeysWithDots_bindToMaps() {
    Path file = Fixtures.write(dir.resolve("a.properties"), String.join("\n",
        "db.url=u",
        "logging.level.root=WARN",
        "logging.level.org.hibernate=INFO",
        "logging.level.org.hibernate.SQL=DEBUG",
        "tags[key.with.dots]=v1",
        "tags[plain]=v2", ""));
    try (LiveConfig<App> config = load(file)) {
      assertThat(config.get().logging().level()).containsExactly(Map.entry("root", "WARN"),
          Map.entry("org.hibernate", "INFO"), Map.entry("org.hibernate.SQL", "DEBUG"));
      assertThat(config.get().tags()).containsExactly(Map.entry("key.with.dots", "v1"), Map.entry("plain", "v2"));
    }
  }

  @Test
  void aValueBesideKeysBelowIt_whereNoMapTakesIt_isAProblem() {
    Path file = Fixtures.write(dir.resolve("a.properties"), "db.url=u\ndb=x\n");
    assertThatThrownBy(() -> load(file)).isInstanceOf(ConfigException.class)
        .hasMessage(file + ":2:1: db: is given both as a value and with keys below it; only a Map takes both");
  }
}
