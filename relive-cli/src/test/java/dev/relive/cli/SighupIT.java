package dev.relive.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code kill -HUP} reloads instead of ending the JVM, on the class path ({@code java -jar}) and on the module
 * path ({@code java -p ... -m ...}), where the engine reaches {@code sun.misc.Signal} through its
 * {@code requires jdk.unsupported}. Polling every ten minutes, so only SIGHUP can make the change seen.
 */
class SighupIT {
  private static final Duration WAIT = Duration.ofSeconds(20);
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir
  Path dir;

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"class path", "module path"})
  void sighup_reloads_andTheProcessKeepsRunning(String path) throws Exception {
    Files.writeString(dir.resolve("app.yaml"), "greeting: one\n");
    String[] args = {"watch", "--json", "--watch-mode", "poll", "--poll-interval", "600000", "app.yaml"};
    try (CliProcess watch = path.equals("module path") ? CliProcess.startModular(dir, args) : CliProcess.start(dir, args)) {
      assertThat(JSON.readTree(watch.nextLine(WAIT)).get("version").asLong()).isEqualTo(1);
      Files.writeString(dir.resolve("app.yaml"), "greeting: two\n");
      watch.signal("HUP");
      JsonNode applied = JSON.readTree(watch.nextLine(WAIT));
      assertThat(applied.get("event").asText()).isEqualTo("applied");
      assertThat(applied.at("/config/greeting").asText()).isEqualTo("two");
      watch.signal("HUP");
      Files.writeString(dir.resolve("app.yaml"), "greeting: three\n");
      watch.signal("HUP");
      assertThat(JSON.readTree(watch.nextLine(WAIT)).at("/config/greeting").asText()).isEqualTo("three");
      assertThat(watch.isAlive()).isTrue();
      assertThat(watch.stderr()).doesNotContain("not available");
      assertThat(watch.terminate()).isZero();
    }
  }
}
