package dev.relive.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.relive.config.Default;
import dev.relive.config.LiveConfig;
import dev.relive.config.ReloadEvent;
import dev.relive.testsupport.EtcdServer;
import dev.relive.testsupport.TcpProxy;
import io.etcd.jetcd.options.GetOption;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Nodes against a real etcd that crashes, stops, compacts and comes back: they never serve an older version
 * after a newer one, never stop following, keep their last good while etcd is gone, and their member
 * records come back after their leases expire.
 */
class EtcdFaultTest {
  private static final Duration WAIT = Duration.ofSeconds(30);

  @RegisterExtension
  final EtcdServer etcdServer = new EtcdServer(); // one per test: these tests kill and stop it

  record Shop(String greeting, @Default("10") int pool) {}

  @TempDir
  Path dir;

  private String app;
  private final List<AutoCloseable> closing = new ArrayList<>();

  @BeforeEach
  void name(TestInfo info) {
    app = "shop-" + Math.abs(info.getTestMethod().orElseThrow().getName().hashCode());
  }

  @AfterEach
  void close() throws Exception {
    for (int i = closing.size() - 1; i >= 0; i--) {
      closing.get(i).close();
    }
  }

  private <T extends AutoCloseable> T closeLater(T c) {
    closing.add(c);
    return c;
  }

  private Etcd connect(String endpoint) {
    return closeLater(Etcd.builder().endpoints(endpoint).timeout(Duration.ofSeconds(2)).build());
  }

  /** A node: its own connection, following the managed layout; records the managed version of every apply. */
  private final class Node {
    final EtcdSource source;
    final LiveConfig<Shop> config;
    final List<Long> applied = new CopyOnWriteArrayList<>();

    Node(Etcd etcd, String id, LiveConfig.Builder<Shop> builder) {
      source = EtcdSources.managed(etcd, app, id);
      config = closeLater(builder.source(source).reloadOnSighup(false).build());
      record();
      config.subscribe(e -> {
        if (e instanceof ReloadEvent.Applied) {
          record();
        }
      });
    }

    Node(Etcd etcd) {
      this(etcd, "node-" + closing.size(), LiveConfig.builder(Shop.class));
    }

    FleetMember join(Map<String, String> labels, Duration ttl) {
      return closeLater(FleetMember.join(source, config).labels(labels).leaseTtl(ttl).start());
    }

    private synchronized void record() {
      long v = version();
      if (applied.isEmpty() || applied.get(applied.size() - 1) != v) {
        applied.add(v);
      }
    }

    long version() {
      return FleetMember.managedVersion(config.snapshot()).orElse(0);
    }
  }

  private static byte[] yaml(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  /** Publishes, retrying while etcd is away (a publication cut off mid-way is repeated, and is then unchanged). */
  private long publishThroughOutages(Fleet fleet, String text) {
    return await().atMost(WAIT).pollInterval(Duration.ofMillis(50)).ignoreExceptionsInstanceOf(Fleet.Unreachable.class)
        .until(() -> fleet.publish(yaml(text), "yaml", "fault test", "tester").version(), v -> v > 0);
  }

  @Test
  void etcdKilledAndRestartedDuringAStreamOfPublishes_everyNodeEndsOnTheLast_inOrder_andKeepsWatching() throws Exception {
    Fleet fleet = new Fleet(connect(etcdServer.endpoint()), app);
    fleet.publish(yaml("greeting: v0\n"), "yaml", "first", "tester");
    List<Node> nodes = List.of(new Node(connect(etcdServer.endpoint())), new Node(connect(etcdServer.endpoint())),
        new Node(connect(etcdServer.endpoint())));
    long last = 0;
    for (int i = 1; i <= 40; i++) {
      if (i == 20) {
        etcdServer.kill();
        // While etcd is gone every node keeps serving what it had.
        for (Node n : nodes) {
          assertThat(n.config.get().greeting()).startsWith("v");
        }
        etcdServer.restart();
      }
      last = publishThroughOutages(fleet, "greeting: v" + i + "\n");
    }
    long head = last;
    for (Node n : nodes) {
      await().atMost(WAIT).until(() -> n.version() == head);
      assertThat(n.config.get().greeting()).isEqualTo("v40");
      assertThat(n.applied).as("versions applied, in order").isSorted().doesNotHaveDuplicates();
    }
    // Still watching: one more version reaches every node.
    long after = fleet.publish(yaml("greeting: after\n"), "yaml", "after", "tester").version();
    for (Node n : nodes) {
      await().atMost(WAIT).until(() -> n.version() == after);
      assertThat(n.config.status().degraded()).isFalse();
    }
  }

  @Test
  void etcdStoppedLongerThanTheLease_membersExpire_andRegisterAgainWithNewLeases() throws Exception {
    Etcd admin = connect(etcdServer.endpoint());
    Fleet fleet = new Fleet(admin, app);
    fleet.publish(yaml("greeting: one\n"), "yaml", "first", "tester");
    List<FleetMember> members = new ArrayList<>();
    for (String id : List.of("a", "b")) {
      Node node = new Node(connect(etcdServer.endpoint()), id, LiveConfig.builder(Shop.class));
      members.add(node.join(Map.of("zone", "z-" + id), Duration.ofSeconds(2)));
    }
    await().atMost(WAIT).until(() -> fleet.status().members().size() == 2);
    Map<String, Long> leasesBefore = leases(admin);

    etcdServer.pauseFor(Duration.ofSeconds(5)); // more than twice the 2 s lease

    await().atMost(WAIT).until(() -> {
      Map<String, Long> now = leases(admin);
      return now.size() == 2 && now.get("a").longValue() != leasesBefore.get("a").longValue()
          && now.get("b").longValue() != leasesBefore.get("b").longValue();
    });
    assertThat(fleet.status().members()).extracting(Fleet.Member::node).containsExactly("a", "b");
    assertThat(fleet.status().members()).allSatisfy(m -> assertThat(m.version()).hasValue(1));
    assertThat(members).allSatisfy(m -> assertThat(m.registered()).isTrue());
    // Nodes follow as before.
    fleet.publish(yaml("greeting: two\n"), "yaml", "second", "tester");
    await().atMost(WAIT).until(() -> fleet.status().members().stream().allMatch(m -> m.version().orElse(0) == 2));
  }

  /** The lease each member record is under, by node. */
  private Map<String, Long> leases(Etcd etcd) throws Exception {
    Map<String, Long> out = new HashMap<>();
    etcd.client().getKVClient().get(Layout.bytes(Layout.members(app)), GetOption.builder().isPrefix(true).build())
        .get(5, TimeUnit.SECONDS).getKvs().forEach(kv -> out.put(Layout.text(kv.getKey()).substring(
            Layout.members(app).length()), kv.getLease()));
    return out;
  }

  @Test
  void compactionPastACutOffNodesRevision_theNodeReadsEverythingAgain_andCatchesUp() throws Exception {
    Etcd admin = connect(etcdServer.endpoint());
    Fleet fleet = new Fleet(admin, app);
    fleet.publish(yaml("greeting: v1\n"), "yaml", "first", "tester");
    try (TcpProxy link = new TcpProxy(etcdServer.endpoint())) {
      Node node = new Node(connect(link.endpoint()));
      assertThat(node.version()).isEqualTo(1);
      link.cut();
      for (int i = 2; i <= 6; i++) {
        fleet.publish(yaml("greeting: v" + i + "\n"), "yaml", "while cut off", "tester");
      }
      long revision = admin.client().getKVClient().get(Layout.bytes(Layout.head(app))).get(5, TimeUnit.SECONDS)
          .getHeader().getRevision();
      admin.client().getKVClient().compact(revision).get(5, TimeUnit.SECONDS);
      link.restore();
      await().atMost(WAIT).until(() -> node.version() == 6);
      assertThat(node.config.get().greeting()).isEqualTo("v6");
      assertThat(node.applied).isSorted().doesNotHaveDuplicates();
      long next = fleet.publish(yaml("greeting: v7\n"), "yaml", "after", "tester").version();
      await().atMost(WAIT).until(() -> node.version() == next);
    }
  }

  @Test
  void aNodeRestartedWhileEtcdIsDown_startsFromItsCacheDegraded_thenConvergesWhenEtcdReturns() throws Exception {
    Fleet fleet = new Fleet(connect(etcdServer.endpoint()), app);
    fleet.publish(yaml("greeting: one\n"), "yaml", "first", "tester");
    fleet.publish(yaml("greeting: two\n"), "yaml", "second", "tester");
    Path cache = dir.resolve("shop.cache");
    Etcd etcd = connect(etcdServer.endpoint());
    try (LiveConfig<Shop> first = LiveConfig.builder(Shop.class).source(EtcdSources.managed(etcd, app))
        .lastGoodCache(cache).reloadOnSighup(false).build()) {
      assertThat(first.get().greeting()).isEqualTo("two");
    }
    etcdServer.kill();

    Node restarted = new Node(etcd, "restarted", LiveConfig.builder(Shop.class).lastGoodCache(cache));
    assertThat(restarted.config.get().greeting()).isEqualTo("two");
    assertThat(restarted.config.status().degraded()).isTrue();
    assertThat(restarted.config.status().degradedReasons()).anySatisfy(r -> assertThat(r)
        .contains("last-good cache").contains("etcd is unreachable at " + etcdServer.endpoint()));

    etcdServer.restart();
    await().atMost(WAIT).until(() -> restarted.version() == 2 && !restarted.config.status().degraded());
    fleet.publish(yaml("greeting: three\n"), "yaml", "third", "tester");
    await().atMost(WAIT).until(() -> restarted.config.get().greeting().equals("three"));
  }

  @Test
  void aVersionOneNodesValidatorRejects_thatNodeKeepsItsLastGood_andItsRecordSaysWhy_theOthersApply() throws Exception {
    Fleet fleet = new Fleet(connect(etcdServer.endpoint()), app);
    fleet.publish(yaml("greeting: small\npool: 10\n"), "yaml", "first", "tester");
    Etcd strictConnection = connect(etcdServer.endpoint());
    Node strict = new Node(strictConnection, "strict", LiveConfig.builder(Shop.class).validator((s, problems) -> {
      if (s.pool() > 50) {
        problems.add("pool", "at most 50 on this node, was " + s.pool());
      }
    }));
    Etcd lenientConnection = connect(etcdServer.endpoint());
    Node lenient = new Node(lenientConnection, "lenient", LiveConfig.builder(Shop.class));
    strict.join(Map.of(), Duration.ofSeconds(10));
    lenient.join(Map.of(), Duration.ofSeconds(10));

    long big = fleet.publish(yaml("greeting: big\npool: 80\n"), "yaml", "bigger pool", "tester").version();
    await().atMost(WAIT).until(() -> lenient.version() == big);
    await().atMost(WAIT).until(() -> fleet.status().members().stream()
        .anyMatch(m -> m.node().equals("strict") && m.lastRejection().isPresent()));
    assertThat(strict.config.get()).isEqualTo(new Shop("small", 10));
    Fleet.Member record = fleet.status().members().stream().filter(m -> m.node().equals("strict")).findFirst()
        .orElseThrow();
    assertThat(record.version()).hasValue(1);
    Fleet.Rejection rejection = record.lastRejection().orElseThrow();
    assertThat(rejection.version()).hasValue(big);
    assertThat(rejection.stage()).isEqualTo("validate");
    assertThat(rejection.problems()).singleElement().asString()
        .matches("etcd:/relive/" + app + "/versions/2@\\d+:2:7: pool: at most 50 on this node, was 80");
    JsonNode raw = Layout.parse(strictConnection.client().getKVClient().get(Layout.bytes(Layout.member(app, "strict")))
        .get(5, TimeUnit.SECONDS).getKvs().get(0).getValue()).orElseThrow();
    assertThat(raw.path("health").asText()).isEqualTo("ok");
    assertThat(fleet.status().members().stream().filter(m -> m.node().equals("lenient")).findFirst().orElseThrow()
        .lastRejection()).isEmpty();

    // Rolling back to version 1 publishes its content as version 3: the lenient node applies it, and the
    // strict node, which serves that very content already, is on the head too.
    long back = fleet.rollback(1, "tester").version();
    await().atMost(WAIT).until(() -> fleet.status().members().stream().allMatch(m -> m.version().orElse(0) == back));
    assertThat(strict.config.get()).isEqualTo(new Shop("small", 10));
  }
}
