package dev.relive.config;

import dev.relive.config.internal.Dispatch;
import dev.relive.config.internal.format.Formats;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Formats found through ServiceLoader, and the dispatch index that keeps listener lookup proportional to change. */
class ExtensionTest {
  record Greeting(String text, int times) {}

  @TempDir
  Path dir;

  @Test
  void aFormatRegisteredWithServiceLoader_isChosenByExtension_andReportsOrigins() {
    Path file = Fixtures.write(dir.resolve("greeting.kv"), "text -> hello\ntimes -> 3");
    try (LiveConfig<Greeting> config = LiveConfig.builder(Greeting.class).source(ConfigSources.file(file))
        .executor(Runnable::run).build()) {
      assertThat(config.get()).isEqualTo(new Greeting("hello", 3));
      Fixtures.write(file, "text -> hello\ntimes = 4");
      ReloadEvent.Rejected rejected = (ReloadEvent.Rejected) config.reload();
      assertThat(rejected.problems()).extracting(Problem::toString).containsExactly(file + ":2:1: expected key -> value");
    }
  }

  @Test
  void unknownExtension_isAProblemListingTheKnownFormats() {
    Path file = Fixtures.write(dir.resolve("greeting.ini"), "text=hello");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> LiveConfig.builder(Greeting.class)
        .source(ConfigSources.file(file)).build())
        .hasMessageContaining("unknown format 'ini'").hasMessageContaining("yaml").hasMessageContaining("kv");
  }

  @Test
  void dispatch_findsOnlyWhatIsRegisteredAlongTheChangedPaths() {
    Dispatch<String> dispatch = new Dispatch<>();
    for (int i = 0; i < 100_000; i++) {
      dispatch.add("services.s" + i + ".url", null, "listener " + i);
    }
    dispatch.add("", null, "root");
    dispatch.add("services", null, "all services");
    List<String> found = new ArrayList<>();
    dispatch.affected(List.of("services.s42.url")).forEach(e -> found.add(e.item));
    assertThat(found).containsExactly("listener 42", "root", "all services");
    assertThat(dispatch.affected(List.of("other.key"))).extracting(e -> e.item).containsExactly("root");
  }

  @Test
  void selectorPaths_areLocatedByIdentity_andSharedValuesFallBackToTheRoot() {
    record Db(String url) {}
    record Cfg(Db primary, Db replica, List<Db> more, Integer port) {}
    Cfg cfg = new Cfg(new Db("a"), new Db("b"), List.of(new Db("c")), 8080);
    assertThat(Dispatch.locate(cfg, cfg.replica())).isEqualTo("replica");
    assertThat(Dispatch.locate(cfg, cfg.more().get(0))).isEqualTo("more[0]");
    assertThat(Dispatch.locate(cfg, cfg.more())).isEqualTo("more");
    assertThat(Dispatch.locate(cfg, cfg.port())).isEmpty();
    assertThat(Dispatch.locate(cfg, new Db("a"))).isEmpty();
  }
}
