package dev.relive.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.relive.testsupport.EtcdServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** {@code relive fleet} and {@code relive watch --etcd} through the packaged jar, against a real etcd. */
class FleetIT {
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final ObjectMapper JSON = new ObjectMapper();

  @RegisterExtension
  static final EtcdServer ETCD = new EtcdServer();

  @TempDir
  Path dir;

  private String app;

  @BeforeEach
  void app(TestInfo info) throws Exception {
    app = "app-" + Math.abs(info.getTestMethod().orElseThrow().getName().hashCode());
    Files.writeString(dir.resolve("schema.json"), "{\"type\": \"object\", \"properties\": {\"pool\": "
        + "{\"type\": \"integer\", \"maximum\": 50}}, \"required\": [\"greeting\"]}");
  }

  private CliProcess.Result fleet(String... args) throws Exception {
    List<String> all = new ArrayList<>(List.of("fleet"));
    all.add(args[0]);
    all.addAll(List.of("--etcd", ETCD.endpoint(), "--app", app));
    all.addAll(List.of(args).subList(1, args.length));
    return CliProcess.run(dir, all.toArray(String[]::new));
  }

  private CliProcess node(String id, String... more) throws Exception {
    List<String> all = new ArrayList<>(List.of("watch", "--json", "--etcd", ETCD.endpoint(), "--app", app, "--node", id));
    all.addAll(List.of(more));
    return CliProcess.start(dir, all.toArray(String[]::new));
  }

  private List<JsonNode> statusLines() throws Exception {
    List<JsonNode> out = new ArrayList<>();
    for (String line : fleet("status", "--json").out().split("\n")) {
      out.add(JSON.readTree(line));
    }
    return out;
  }

  private JsonNode member(String node) throws Exception {
    return statusLines().stream().filter(l -> node.equals(l.path("node").asText())).findFirst().orElse(null);
  }

  @Test
  void publish_history_diff_rollback_withTheirExitCodes() throws Exception {
    Files.writeString(dir.resolve("v1.yaml"), "greeting: hello\npool: 5\n");
    Files.writeString(dir.resolve("bad.yaml"), "greeting: hello\npool: 500\n");
    Files.writeString(dir.resolve("v2.yaml"), "greeting: hello\npool: 8\n");

    CliProcess.Result invalid = fleet("publish", "bad.yaml", "--schema", "schema.json");
    assertThat(invalid.exit()).isEqualTo(1);
    assertThat(invalid.err()).contains("bad.yaml:2:7: pool:").contains("Nothing was published.");
    assertThat(fleet("history").out()).isEqualTo("no version of " + app + " is published yet");

    CliProcess.Result first = fleet("publish", "v1.yaml", "--schema", "schema.json", "-m", "first");
    assertThat(first.exit()).isZero();
    assertThat(first.out()).isEqualTo("published version 1 of " + app);
    CliProcess.Result again = fleet("publish", "v1.yaml", "--json");
    assertThat(JSON.readTree(again.out()).get("event").asText()).isEqualTo("unchanged");
    assertThat(fleet("publish", "v2.yaml", "-m", "more", "--author", "alice").out()).endsWith("version 2 of " + app);

    byte[] big = new byte[1024 * 1024 + 1];
    java.util.Arrays.fill(big, (byte) 'a');
    Files.write(dir.resolve("big.yaml"), big);
    CliProcess.Result tooBig = fleet("publish", "big.yaml");
    assertThat(tooBig.exit()).isEqualTo(1);
    assertThat(tooBig.err()).contains("big.yaml is 1048577 bytes").contains("Nothing was published.");

    CliProcess.Result diff = fleet("diff", "1", "2");
    assertThat(diff.exit()).isEqualTo(1);
    assertThat(diff.out()).isEqualTo("~ pool: 5 -> 8");
    assertThat(fleet("diff", "2", "2").exit()).isZero();
    CliProcess.Result missing = fleet("diff", "1", "9");
    assertThat(missing.exit()).isEqualTo(2);
    assertThat(missing.err()).contains("there is no version 9 of " + app);

    CliProcess.Result rollback = fleet("rollback", "1", "--json");
    assertThat(rollback.exit()).isZero();
    assertThat(JSON.readTree(rollback.out()).get("version").asLong()).isEqualTo(3);
    List<JsonNode> history = new ArrayList<>();
    for (String line : fleet("history", "--json").out().split("\n")) {
      history.add(JSON.readTree(line));
    }
    assertThat(history).extracting(h -> h.get("version").asLong()).containsExactly(1L, 2L, 3L);
    assertThat(history).extracting(h -> h.get("message").asText()).containsExactly("first", "more", "rollback to version 1");
    assertThat(history.get(1).get("author").asText()).isEqualTo("alice");
    assertThat(history).extracting(h -> h.get("head").asBoolean()).containsExactly(false, false, true);
    assertThat(fleet("diff", "1", "3").out()).isEmpty();
  }

  @Test
  void twoNodes_oneRejectsAVersion_statusShowsWhoServesWhat_andANodeStoppedWithSigtermLeavesAtOnce() throws Exception {
    Files.writeString(dir.resolve("v1.yaml"), "greeting: hello\npool: 5\n");
    Files.writeString(dir.resolve("v2.yaml"), "greeting: hello\npool: 80\n");
    assertThat(fleet("publish", "v1.yaml").exit()).isZero();
    try (CliProcess a = node("node-a", "--label", "zone=eu-1");
        CliProcess b = node("node-b", "--schema", "schema.json", "--label", "zone=eu-2")) {
      assertThat(JSON.readTree(a.nextLine(WAIT)).at("/config/pool").asInt()).isEqualTo(5);
      assertThat(JSON.readTree(b.nextLine(WAIT)).at("/config/pool").asInt()).isEqualTo(5);
      await().atMost(WAIT).until(() -> member("node-a") != null && member("node-b") != null);

      assertThat(fleet("publish", "v2.yaml").exit()).isZero(); // no schema here: node-b's is stricter
      JsonNode applied = JSON.readTree(a.nextLine(WAIT));
      assertThat(applied.get("event").asText()).isEqualTo("applied");
      assertThat(applied.get("changed")).extracting(JsonNode::asText).containsExactly("pool");
      JsonNode rejected = JSON.readTree(b.nextLine(WAIT));
      assertThat(rejected.get("event").asText()).isEqualTo("rejected");
      assertThat(rejected.get("version").asLong()).isEqualTo(1);
      assertThat(rejected.at("/problems/0/origin").asText()).matches("etcd:/relive/" + app + "/versions/2@\\d+:2:7");

      await().atMost(WAIT).until(() -> member("node-b").has("lastRejection"));
      JsonNode head = statusLines().get(0);
      assertThat(head.get("version").asLong()).isEqualTo(2);
      JsonNode nodeA = member("node-a");
      assertThat(nodeA.get("version").asLong()).isEqualTo(2);
      assertThat(nodeA.at("/labels/zone").asText()).isEqualTo("eu-1");
      assertThat(nodeA.get("behind").asBoolean()).isFalse();
      JsonNode nodeB = member("node-b");
      assertThat(nodeB.get("version").asLong()).isEqualTo(1);
      assertThat(nodeB.get("behind").asBoolean()).isTrue();
      assertThat(nodeB.get("health").asText()).isEqualTo("ok");
      assertThat(nodeB.at("/lastRejection/version").asLong()).isEqualTo(2);
      assertThat(nodeB.at("/lastRejection/problems/0").asText()).contains("pool: must have a maximum value of 50");
      CliProcess.Result text = fleet("status");
      assertThat(text.exit()).as("a node rejected the head").isEqualTo(1);
      assertThat(text.out()).contains("head is version 2").contains("node-b").contains("behind the head")
          .contains("rejected version 2");

      assertThat(a.terminate()).isZero();
      await().atMost(WAIT).until(() -> member("node-a") == null);
      assertThat(b.terminate()).isZero();
    }
  }

  @Test
  void aNodeStoppedLongerThanItsLease_dropsOutOfTheFleet_andComesBackWhenItContinues() throws Exception {
    Files.writeString(dir.resolve("v1.yaml"), "greeting: hello\n");
    assertThat(fleet("publish", "v1.yaml").exit()).isZero();
    try (CliProcess n = node("sleeper", "--lease-ttl", "2")) {
      n.nextLine(WAIT);
      await().atMost(WAIT).until(() -> member("sleeper") != null);
      n.signal("STOP");
      try {
        await().atMost(WAIT).until(() -> member("sleeper") == null);
      } finally {
        n.signal("CONT");
      }
      await().atMost(WAIT).until(() -> member("sleeper") != null);
      assertThat(member("sleeper").get("version").asLong()).isEqualTo(1);
      assertThat(n.terminate()).isZero();
    }
  }

  @Test
  void etcdUnreachable_exits3NamingTheEndpoints_andAPasswordIsNeverPrinted() throws Exception {
    Files.writeString(dir.resolve("v1.yaml"), "greeting: hello\n");
    for (String[] command : List.of(new String[] {"fleet", "status"}, new String[] {"fleet", "publish", "v1.yaml"},
        new String[] {"watch"})) {
      List<String> args = new ArrayList<>(List.of(command));
      args.addAll(List.of("--etcd", "127.0.0.1:1", "--app", "x", "--etcd-timeout", "500",
          "--etcd-user", "root", "--etcd-password", "pw-s3cret-42"));
      CliProcess.Result r = CliProcess.run(dir, args.toArray(String[]::new));
      assertThat(r.exit()).as(String.join(" ", command)).isEqualTo(3);
      assertThat(r.err()).contains("etcd is unreachable at http://127.0.0.1:1");
      assertThat(r.out() + r.err()).doesNotContain("pw-s3cret-42");
    }
    CliProcess.Result noApp = CliProcess.run(dir, "fleet", "status", "--etcd", ETCD.endpoint());
    assertThat(noApp.exit()).isEqualTo(2);
    assertThat(noApp.err()).contains("--app is required");
    assertThat(CliProcess.run(dir, "fleet").exit()).isEqualTo(2);
  }
}
