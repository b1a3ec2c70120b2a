package dev.relive.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Map;
import dev.relive.testsupport.K8sVolume;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code relive watch --json} contract, driven through the packaged jar. */
class WatchIT {
  private static final Duration WAIT = Duration.ofSeconds(20);
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir
  Path dir;

  private void write(String name, String content) throws Exception {
    Path tmp = Files.createTempFile(dir, ".edit", ".tmp");
    Files.writeString(tmp, content);
    Files.move(tmp, dir.resolve(name), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }

  @Test
  void appliedAndRejectedLines_followTheContract_andSigtermExits0() throws Exception {
    write("app.yaml", "greeting: hello\ndb:\n  port: 5432\n  password: hunter2-secret\n");
    try (CliProcess watch = CliProcess.start(dir, "watch", "--json", "--quiet-period", "20", "app.yaml")) {
      JsonNode first = JSON.readTree(watch.nextLine(WAIT));
      assertThat(first.get("event").asText()).isEqualTo("applied");
      assertThat(first.get("version").asLong()).isEqualTo(1);
      assertThat(first.get("changed")).extracting(JsonNode::asText).containsExactly("greeting", "db.port", "db.password");
      assertThat(first.get("hash").asText()).hasSize(64);
      assertThat(first.at("/config/greeting").asText()).isEqualTo("hello");
      assertThat(first.at("/config/db/password").asText()).isEqualTo("<redacted>");

      write("app.yaml", "greeting: bonjour\ndb:\n  port: 5432\n  password: hunter2-secret\n");
      JsonNode second = JSON.readTree(watch.nextLine(WAIT));
      assertThat(second.get("event").asText()).isEqualTo("applied");
      assertThat(second.get("version").asLong()).isEqualTo(2);
      assertThat(second.get("changed")).extracting(JsonNode::asText).containsExactly("greeting");

      write("app.yaml", "greeting: bonjour\ndb:\n  port: [5432\n  password: hunter2-secret\n");
      JsonNode rejected = JSON.readTree(watch.nextLine(WAIT));
      assertThat(rejected.get("event").asText()).isEqualTo("rejected");
      assertThat(rejected.get("version").asLong()).isEqualTo(2);
      assertThat(rejected.at("/problems/0/origin").asText()).startsWith("app.yaml:");
      assertThat(rejected.at("/problems/0/message").asText()).isNotEmpty();
      assertThat(rejected.at("/problems/0").has("path")).isTrue();

      // Identical content prints nothing: the next line is the next real change.
      write("app.yaml", "greeting: bonjour\ndb:\n  port: 5432\n  password: hunter2-secret\n");
      write("app.yaml", "greeting: bonjour\ndb:\n  port: 5432\n  password: hunter2-secret\n");
      write("app.yaml", "greeting: hej\ndb:\n  port: 5432\n  password: hunter2-secret\n");
      JsonNode third = JSON.readTree(watch.nextLine(WAIT));
      assertThat(third.get("event").asText()).isEqualTo("applied");
      assertThat(third.get("version").asLong()).isEqualTo(3);
      assertThat(third.at("/config/greeting").asText()).isEqualTo("hej");

      assertThat(watch.terminate()).isZero();
      assertThat(watch.stderr()).doesNotContain("hunter2-secret");
    }
  }

  @Test
  void kubernetesConfigMapVolume_updatesAreApplied_badOnesRejected() throws Exception {
    K8sVolume.write(dir, Map.of("app.yaml", "greeting: hello\nretries: 3\n"));
    try (CliProcess watch = CliProcess.start(dir, "watch", "--json", "--quiet-period", "20", "app.yaml")) {
      JsonNode first = JSON.readTree(watch.nextLine(WAIT));
      assertThat(first.get("version").asLong()).isEqualTo(1);
      K8sVolume.write(dir, Map.of("app.yaml", "greeting: hello\nmode: fast\n"));
      JsonNode second = JSON.readTree(watch.nextLine(WAIT));
      assertThat(second.get("event").asText()).isEqualTo("applied");
      assertThat(second.get("version").asLong()).isEqualTo(2);
      assertThat(second.get("changed")).extracting(JsonNode::asText).containsExactly("retries", "mode");
      assertThat(second.at("/config/mode").asText()).isEqualTo("fast");
      assertThat(second.at("/config").has("retries")).isFalse();
      K8sVolume.write(dir, Map.of("app.yaml", "greeting: [unclosed\n"));
      JsonNode rejected = JSON.readTree(watch.nextLine(WAIT));
      assertThat(rejected.get("event").asText()).isEqualTo("rejected");
      assertThat(rejected.get("version").asLong()).isEqualTo(2);
      assertThat(rejected.at("/problems/0/origin").asText()).startsWith("app.yaml:");
      K8sVolume.write(dir, Map.of("app.yaml", "greeting: fixed\n"));
      JsonNode fixed = JSON.readTree(watch.nextLine(WAIT));
      assertThat(fixed.get("version").asLong()).isEqualTo(3);
      assertThat(fixed.at("/config/greeting").asText()).isEqualTo("fixed");
      assertThat(watch.terminate()).isZero();
    }
  }

  @Test
  void brokenAtStart_printsRejectedWithVersion0_thenAppliesTheFix() throws Exception {
    write("app.json", "{\"port\": ");
    try (CliProcess watch = CliProcess.start(dir, "watch", "--json", "--quiet-period", "20", "app.json")) {
      JsonNode first = JSON.readTree(watch.nextLine(WAIT));
      assertThat(first.get("event").asText()).isEqualTo("rejected");
      assertThat(first.get("version").asLong()).isZero();
      assertThat(first.at("/problems/0/origin").asText()).startsWith("app.json:1:");
      write("app.json", "{\"port\": 8080}");
      JsonNode applied = JSON.readTree(watch.nextLine(WAIT));
      assertThat(applied.get("event").asText()).isEqualTo("applied");
      assertThat(applied.get("version").asLong()).isEqualTo(1);
      assertThat(applied.at("/config/port").asInt()).isEqualTo(8080);
      assertThat(watch.terminate()).isZero();
    }
  }

  @Test
  void pollingMode_seesChangesToo() throws Exception {
    write("app.toml", "greeting = \"hello\"\n");
    try (CliProcess watch = CliProcess.start(dir, "watch", "--json", "--watch-mode", "POLL", "--poll-interval", "50",
        "--quiet-period", "20", "app.toml")) {
      assertThat(JSON.readTree(watch.nextLine(WAIT)).get("version").asLong()).isEqualTo(1);
      write("app.toml", "greeting = \"polled\"\n");
      JsonNode second = JSON.readTree(watch.nextLine(WAIT));
      assertThat(second.at("/config/greeting").asText()).isEqualTo("polled");
      assertThat(watch.terminate()).isZero();
    }
  }

  @Test
  void plainOutput_isOneReadableLinePerVersion() throws Exception {
    write("app.properties", "greeting=hello\n");
    try (CliProcess watch = CliProcess.start(dir, "watch", "--quiet-period", "20", "app.properties")) {
      assertThat(watch.nextLine(WAIT)).startsWith("version 1 applied (greeting), hash ");
      write("app.properties", "greeting=hello\ngreeting=again\n");
      assertThat(watch.nextLine(WAIT)).isEqualTo("rejected; version 1 keeps serving:");
      assertThat(watch.nextLine(WAIT)).isEqualTo("  app.properties:2:1: greeting: duplicate key, first defined at app.properties:1:1");
      assertThat(watch.terminate()).isZero();
    }
  }
}
