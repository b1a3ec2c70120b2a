package dev.relive.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kill -HUP} reloads instead of ending the JVM. Polling every ten minutes, so only SIGHUP can make the
 * change seen. (The CLI runs on the class path, as jetcd does; scripts/test checks SIGHUP on the module path
 * with examples/embedded, where the engine reaches {@code sun.misc.Signal} through {@code requires jdk.unsupported}.)
 */
class SighupIT {
  private static final Duration WAIT = Duration.ofSeconds(20);
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir
  Path dir;

  private void write(String content) throws Exception {
    Path tmp = Files.writeString(dir.resolve(".app.yaml.tmp"), content);
    Files.move(tmp, dir.resolve("app.yaml"), java.nio.file.StandardCopyOption.ATOMIC_MOVE,
        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
  }

  @Test
  void sighup_reloads_andTheProcessKeepsRunning() throws Exception {
    Files.writeString(dir.resolve("app.yaml"), "greeting: one\n");
    String[] args = {"watch", "--json", "--watch-mode", "poll", "--poll-interval", "600000", "app.yaml"};
    try (CliProcess watch = CliProcess.start(dir, args)) {
      assertThat(JSON.readTree(watch.nextLine(WAIT)).get("version").asLong()).isEqualTo(1);
      write("greeting: two\n");
      watch.signal("HUP");
      JsonNode applied = JSON.readTree(watch.nextLine(WAIT));
      assertThat(applied.get("event").asText()).isEqualTo("applied");
      assertThat(applied.at("/config/greeting").asText()).isEqualTo("two");
      watch.signal("HUP");
      write("greeting: three\n"); // atomically: a reload may run at any moment, and must not see it half written
      watch.signal("HUP");
      assertThat(JSON.readTree(watch.nextLine(WAIT)).at("/config/greeting").asText()).isEqualTo("three");
      assertThat(watch.isAlive()).isTrue();
      assertThat(watch.stderr()).doesNotContain("not available");
      assertThat(watch.terminate()).isZero();
    }
  }
}
