package dev.relive.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.relive.testsupport.EtcdServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's walkthrough as a test: three {@code relive watch} nodes, a rollout one node's schema refuses
 * (aborted, nobody applies it), a canary rollout that is promoted, and one whose canary turns unhealthy
 * during the bake (rolled back; the others never apply it).
 */
class FleetRolloutIT {
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final ObjectMapper JSON = new ObjectMapper();

  @RegisterExtension
  static final EtcdServer ETCD = new EtcdServer();

  @TempDir
  Path dir;

  private CliProcess.Result fleet(String... args) throws Exception {
    List<String> all = new ArrayList<>(List.of("fleet", args[0], "--etcd", ETCD.endpoint(), "--app", "shop"));
    all.addAll(List.of(args).subList(1, args.length));
    return CliProcess.run(dir, all.toArray(String[]::new));
  }

  private CliProcess node(String id, String... more) throws Exception {
    List<String> all = new ArrayList<>(List.of("watch", "--json", "--etcd", ETCD.endpoint(), "--app", "shop", "--node",
        id));
    all.addAll(List.of(more));
    return CliProcess.start(dir, all.toArray(String[]::new));
  }

  private static JsonNode next(CliProcess p) throws Exception {
    return JSON.readTree(p.nextLine(WAIT));
  }

  @Test
  void threeNodes_aRefusedRolloutAborts_aCanaryIsPromoted_anUnhealthyCanaryIsRolledBack() throws Exception {
    AtomicBoolean healthy = new AtomicBoolean(true);
    HttpServer health = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    health.createContext("/health", exchange -> {
      exchange.sendResponseHeaders(healthy.get() ? 200 : 503, -1);
      exchange.close();
    });
    health.start();
    try {
      Files.writeString(dir.resolve("strict.json"), "{\"properties\": {\"pool\": {\"maximum\": 50}}}");
      Files.writeString(dir.resolve("v1.yaml"), "greeting: hello\npool: 5\n");
      Files.writeString(dir.resolve("big.yaml"), "greeting: hello\npool: 80\n");
      Files.writeString(dir.resolve("v2.yaml"), "greeting: hej\npool: 8\n");
      Files.writeString(dir.resolve("v3.yaml"), "greeting: bad\npool: 8\n");
      assertThat(fleet("publish", "v1.yaml").exit()).isZero();
      String url = "http://127.0.0.1:" + health.getAddress().getPort() + "/health";
      try (CliProcess a = node("a", "--label", "zone=eu-1", "--health-url", url);
          CliProcess b = node("b", "--label", "zone=eu-1");
          CliProcess c = node("c", "--label", "zone=eu-2", "--schema", "strict.json")) {
        for (CliProcess p : List.of(a, b, c)) {
          assertThat(next(p).at("/config/pool").asInt()).isEqualTo(5);
        }
        await().atMost(WAIT).until(() -> fleet("status", "--json").out().split("\n").length == 4);

        // c's schema refuses pool 80: the whole rollout aborts and nobody applies it.
        CliProcess.Result refused = fleet("rollout", "big.yaml", "--json", "--prepare-timeout", "20s");
        assertThat(refused.exit()).isEqualTo(1);
        List<JsonNode> lines = new ArrayList<>();
        for (String line : refused.out().split("\n")) {
          lines.add(JSON.readTree(line));
        }
        assertThat(lines).extracting(l -> l.path("state").asText()).containsExactly("PREPARING", "ABORTED");
        assertThat(lines.get(1).path("reason").asText()).contains("c refused it")
            .contains("pool: must have a maximum value of 50");
        JsonNode nack = next(c); // c says what it refused, as for any version it refuses
        assertThat(nack.get("event").asText()).isEqualTo("rejected");
        assertThat(nack.at("/problems/0/origin").asText()).matches("etcd:/relive/shop/versions/2@\\d+:2:7");

        // A canary rollout: a first, baked, then everyone.
        CliProcess.Result good = fleet("rollout", "v2.yaml", "--canary", "a", "--bake", "1s", "-m", "hej");
        assertThat(good.exit()).as(good.err()).isZero();
        assertThat(good.out()).contains("step 1/2 (a) committed on a").containsPattern("step 2/2 \\(100%\\) preparing on (b, c|c, b)")
            .contains("done: promoted: version 3 is the head");
        for (CliProcess p : List.of(a, b, c)) {
          JsonNode applied = next(p);
          assertThat(applied.get("event").asText()).as("nobody applied the aborted one").isEqualTo("applied");
          assertThat(applied.at("/config/greeting").asText()).isEqualTo("hej");
        }

        // The canary turns unhealthy once it serves "bad": rolled back; b and c never apply it.
        Thread watcher = new Thread(() -> {
          try {
            if (next(a).at("/config/greeting").asText().equals("bad")) {
              healthy.set(false);
            }
          } catch (Exception e) {
            // the test's own assertions report
          }
        });
        watcher.start();
        CliProcess.Result bad = fleet("rollout", "v3.yaml", "--canary", "a", "--bake", "10s");
        watcher.join(30_000);
        assertThat(bad.exit()).isEqualTo(1);
        assertThat(bad.out()).contains("rolling back a: a is unhealthy: " + url + " answered 503")
            .contains("rolled back: a is unhealthy");
        assertThat(next(a).at("/config/greeting").asText()).isEqualTo("hej");
        CliProcess.Result status = fleet("status");
        assertThat(status.out()).contains("head is version 3").contains("rolled back");
        assertThat(b.isAlive() && c.isAlive()).isTrue();
        assertThat(a.terminate()).isZero();
        assertThat(b.terminate()).isZero();
        assertThat(c.terminate()).isZero();
        assertThat(b.unread()).as("b never applied it").noneMatch(l -> l.contains("\"bad\""));
        assertThat(c.unread()).as("c never applied it").noneMatch(l -> l.contains("\"bad\""));
      }
    } finally {
      health.stop(0);
    }
  }
}
