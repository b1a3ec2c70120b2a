package dev.relive.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Watching the directory of each file: renames, in-place writes and several configs in one directory. */
class FileWatchTest {
  record Cfg(String greeting) {}

  @TempDir
  Path dir;

  @Test
  void editsByRenameAndInPlace_areApplied_andBadEditsRejected() throws Exception {
    Path file = Fixtures.write(dir.resolve("app.yaml"), "greeting: hello\n");
    Path other = Fixtures.write(dir.resolve("other.json"), "{\"greeting\": \"hi\"}");
    try (LiveConfig<Cfg> config = LiveConfig.builder(Cfg.class).source(ConfigSources.file(file)).watchFiles(true)
        .quietPeriod(Duration.ofMillis(20)).build();
        LiveConfig<Cfg> second = LiveConfig.builder(Cfg.class).source(ConfigSources.file(other)).watchFiles(true)
            .quietPeriod(Duration.ofMillis(20)).build()) {
      Fixtures.write(file, "greeting: bonjour\n");
      await().atMost(Duration.ofSeconds(10)).until(() -> config.get().greeting().equals("bonjour"));
      Files.writeString(file, "greeting: hallo\n");
      await().atMost(Duration.ofSeconds(10)).until(() -> config.get().greeting().equals("hallo"));
      Files.writeString(file, "greeting: [\n");
      await().atMost(Duration.ofSeconds(10)).until(() -> config.status().rejected() > 0);
      assertThat(config.get().greeting()).isEqualTo("hallo");
      assertThat(config.snapshot().cause()).startsWith("file ");
      Fixtures.write(other, "{\"greeting\": \"hey\"}");
      await().atMost(Duration.ofSeconds(10)).until(() -> second.get().greeting().equals("hey"));
      assertThat(config.get().greeting()).isEqualTo("hallo");
    }
  }
}
