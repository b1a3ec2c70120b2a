package dev.relive.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code relive demo} driven as a newcomer would: edit the file, watch the service follow, break it. */
class DemoIT {
  private static final Duration WAIT = Duration.ofSeconds(20);
  private static final String TOKEN = "demo-it-token-0123456789";

  @TempDir
  Path dir;

  private final HttpClient http = HttpClient.newHttpClient();

  private HttpResponse<String> get(String url, boolean admin) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url));
    if (admin) {
      request.header("Authorization", "Bearer " + TOKEN);
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private void edit(Path file, String from, String to) throws Exception {
    String content = Files.readString(file);
    assertThat(content).contains(from);
    Path tmp = Files.createTempFile(file.getParent(), ".edit", ".tmp");
    Files.writeString(tmp, content.replace(from, to));
    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }

  @Test
  void editingTheFile_changesTheService_andABadEditIsRejectedWhileItKeepsServing() throws Exception {
    try (CliProcess demo = CliProcess.start(dir, "demo", "--port", "0", "--admin-port", "0", "--token", TOKEN)) {
      String service = null;
      String admin = null;
      Path config = null;
      for (int i = 0; i < 10 && (service == null || admin == null || config == null); i++) {
        String line = demo.nextLine(WAIT);
        Matcher m = Pattern.compile("^\\s+(\\w+)\\s+(\\S+)").matcher(line);
        if (m.find()) {
          switch (m.group(1)) {
            case "service" -> service = m.group(2);
            case "status" -> admin = m.group(2).substring(0, m.group(2).indexOf("/config/ui"));
            case "edit" -> config = Path.of(m.group(2));
            default -> { }
          }
        }
      }
      assertThat(config).isEqualTo(dir.resolve("relive-demo/config.yaml").toAbsolutePath());
      String svc = service;
      String adm = admin;
      assertThat(get(svc, false).body()).isEqualTo("Hello, world!\n");

      edit(config, "name: world", "name: Relive");
      await().atMost(WAIT).until(() -> get(svc, false).body().equals("Hello, Relive!\n"));
      edit(config, "shout: false", "shout: true");
      await().atMost(WAIT).until(() -> get(svc, false).body().equals("HELLO, RELIVE!\n"));

      edit(config, "size: 4 ", "size: 6 ");
      await().atMost(WAIT).until(() -> new ObjectMapper().readTree(get(svc + "pool", false).body()).get("size").asInt() == 6);
      assertThat(new ObjectMapper().readTree(get(svc + "pool", false).body()).get("generation").asInt()).isEqualTo(2);

      // A broken file: rejected with its origin; the service answers as before.
      edit(config, "shout: true", "shout: [true");
      await().atMost(WAIT).until(() -> status(adm).at("/lastRejection/stage").asText().equals("sources"));
      assertThat(status(adm).at("/lastRejection/problems/0/origin").asText()).matches(".*config\\.yaml:\\d+:\\d+");
      assertThat(get(svc, false).body()).isEqualTo("HELLO, RELIVE!\n");
      edit(config, "shout: [true", "shout: true");

      // A pool that cannot be prepared: rejected at prepare; the old pool keeps serving.
      edit(config, "target: db.internal:5432", "target: unreachable:5432");
      await().atMost(WAIT).until(() -> status(adm).at("/lastRejection/stage").asText().equals("prepare"));
      assertThat(new ObjectMapper().readTree(get(svc + "pool", false).body()).get("target").asText()).isEqualTo("db.internal:5432");
      edit(config, "target: unreachable:5432", "target: db.internal:5432");

      // The rate limit follows too.
      edit(config, "requestsPerSecond: 5", "requestsPerSecond: 1");
      edit(config, "burst: 5", "burst: 1");
      await().atMost(WAIT).until(() -> get(svc, false).statusCode() == 429);

      assertThat(get(adm + "/metrics", true).body()).contains("relive_reloads_total{config=\"demo\",result=\"applied\"}");
      assertThat(get(adm + "/config", true).body()).contains("\"apiToken\":\"<redacted>\"").doesNotContain("demo-secret-token");
      assertThat(demo.terminate()).isZero();
      assertThat(demo.stderr()).doesNotContain("demo-secret-token").doesNotContain(TOKEN);
    }
  }

  @Test
  void aPoolThatCannotConnectAtStartUp_isRejectedAtPrepare_andNeverPoisonsTheLastGoodCache() throws Exception {
    Path demoDir = Files.createDirectories(dir.resolve("relive-demo"));
    Path config = demoDir.resolve("config.yaml");
    Path cache = demoDir.resolve("last-good.json");
    // The first run writes the default config and caches it.
    try (CliProcess demo = CliProcess.start(dir, "demo", "--port", "0", "--admin-port", "0", "--token", TOKEN)) {
      while (!demo.nextLine(WAIT).startsWith("serving version")) {
        // the banner
      }
      assertThat(demo.terminate()).isZero();
    }
    String good = Files.readString(cache);
    assertThat(good).contains("db.internal:5432");
    edit(config, "target: db.internal:5432", "target: unreachable:5432");

    // Started with a pool that cannot connect: the first version fails to prepare; the cache serves, unchanged.
    try (CliProcess demo = CliProcess.start(dir, "demo", "--port", "0", "--admin-port", "0", "--token", TOKEN)) {
      String line;
      do {
        line = demo.nextLine(WAIT);
      } while (!line.startsWith("serving version"));
      assertThat(line).contains("from the last-good cache");
      assertThat(demo.nextLine(WAIT)).endsWith("config.yaml:18:3: pool: a participant failed to prepare: "
          + "cannot connect to unreachable:5432");
      assertThat(demo.terminate()).isZero();
    }
    assertThat(Files.readString(cache)).isEqualTo(good);

    // Without a cache there is nothing to fall back on: a clear refusal, exit 1, and no cache written.
    Files.delete(cache);
    CliProcess.Result refused = CliProcess.run(dir, "demo", "--port", "0", "--admin-port", "0", "--token", TOKEN);
    assertThat(refused.exit()).isEqualTo(1);
    assertThat(refused.err()).contains("there is no last good version").contains(
        "config.yaml:18:3: pool: a participant failed to prepare: cannot connect to unreachable:5432");
    assertThat(cache).doesNotExist();
  }

  private JsonNode status(String admin) throws Exception {
    return new ObjectMapper().readTree(get(admin + "/config/status", true).body());
  }
}
