package dev.relive.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.relive.config.ConfigException;
import dev.relive.config.ConfigSources;
import dev.relive.config.Default;
import dev.relive.config.LiveConfig;
import dev.relive.config.ReloadEvent;
import dev.relive.testsupport.EtcdServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Nodes follow etcd in the three layouts, layered with files and the environment, and never lose a version. */
class EtcdFollowTest {
  private static final Duration WAIT = Duration.ofSeconds(20);

  @RegisterExtension
  static final EtcdServer ETCD = new EtcdServer();

  record Db(String url, @Default("10") int pool) {}

  record Shop(String greeting, Db db) {}

  @TempDir
  Path dir;

  private Etcd etcd;
  private String app;
  private final List<AutoCloseable> closing = new ArrayList<>();

  @BeforeEach
  void connect(org.junit.jupiter.api.TestInfo info) {
    etcd = Etcd.builder().endpoints(ETCD.endpoint()).build();
    app = "shop-" + info.getTestMethod().orElseThrow().getName().hashCode();
  }

  @AfterEach
  void close() throws Exception {
    for (int i = closing.size() - 1; i >= 0; i--) {
      closing.get(i).close();
    }
    etcd.close();
  }

  private <T extends AutoCloseable> T closeLater(T c) {
    closing.add(c);
    return c;
  }

  private long publish(String yaml) {
    return new Fleet(etcd, app).publish(yaml.getBytes(StandardCharsets.UTF_8), "yaml", "test", "tester").version();
  }

  private LiveConfig<Shop> node(Etcd connection) {
    return closeLater(LiveConfig.builder(Shop.class).source(EtcdSources.managed(connection, app))
        .reloadOnSighup(false).build());
  }

  @Test
  void managed_followsEveryPublishedVersion_withTheKeyAndRevisionAsOrigin() {
    assertThat(publish("greeting: one\ndb:\n  url: jdbc:one\n")).isEqualTo(1);
    LiveConfig<Shop> config = node(etcd);
    assertThat(config.get().greeting()).isEqualTo("one");
    assertThat(publish("greeting: two\ndb:\n  url: jdbc:two\n  pool: 20\n")).isEqualTo(2);
    await().atMost(WAIT).until(() -> config.get().greeting().equals("two"));
    assertThat(config.get().db().pool()).isEqualTo(20);
    assertThat(config.snapshot().origin("db.pool").toString()).matches("etcd:/relive/" + app + "/versions/2@\\d+:4:9");
    assertThat(FleetMember.managedVersion(config.snapshot())).hasValue(2);
    // The same content again is no new version.
    assertThat(new Fleet(etcd, app).publish("greeting: two\ndb:\n  url: jdbc:two\n  pool: 20\n"
        .getBytes(StandardCharsets.UTF_8), "yaml", "again", "tester").unchanged()).isTrue();
  }

  @Test
  void oneKey_andPrefixAsTree_follow_andLayerWithFilesAndTheEnvironment() throws Exception {
    ETCD.etcdctl("put", "/" + app + "/doc", "{\"greeting\": \"from key\", \"db\": {\"url\": \"jdbc:key\"}}");
    ETCD.etcdctl("put", "/" + app + "/tree/greeting", "from prefix");
    ETCD.etcdctl("put", "/" + app + "/tree/db/url", "jdbc:prefix");
    ETCD.etcdctl("put", "/" + app + "/tree/db/pool", "7");
    LiveConfig<Shop> oneKey = closeLater(LiveConfig.builder(Shop.class)
        .source(EtcdSources.key(etcd, "/" + app + "/doc", "json")).reloadOnSighup(false).build());
    assertThat(oneKey.get()).isEqualTo(new Shop("from key", new Db("jdbc:key", 10)));
    Path file = Files.writeString(dir.resolve("base.yaml"), "greeting: from file\ndb:\n  url: jdbc:file\n  pool: 3\n");
    LiveConfig<Shop> layered = closeLater(LiveConfig.builder(Shop.class).source(ConfigSources.file(file))
        .source(EtcdSources.prefix(etcd, "/" + app + "/tree")).source(ConfigSources.env("SHOP", Map.of("SHOP_DB_POOL", "99")))
        .reloadOnSighup(false).build());
    assertThat(layered.get()).isEqualTo(new Shop("from prefix", new Db("jdbc:prefix", 99)));
    assertThat(layered.snapshot().origin("db.url").toString()).matches("etcd:/" + app + "/tree/db/url@\\d+");

    ETCD.etcdctl("put", "/" + app + "/doc", "{\"greeting\": \"key again\", \"db\": {\"url\": \"jdbc:key\"}}");
    ETCD.etcdctl("del", "/" + app + "/tree/greeting");
    await().atMost(WAIT).until(() -> oneKey.get().greeting().equals("key again")
        && layered.get().greeting().equals("from file"));
  }

  @Test
  void aBurstOfVersions_isCoalesced_appliedInOrder_andEndsOnTheLast() {
    publish("greeting: v0\ndb:\n  url: u\n");
    LiveConfig<Shop> config = node(etcd);
    List<Long> applied = new CopyOnWriteArrayList<>();
    config.subscribe(e -> {
      if (e instanceof ReloadEvent.Applied) {
        applied.add(FleetMember.managedVersion(config.snapshot()).orElse(-1));
      }
    });
    long last = 0;
    for (int i = 1; i <= 50; i++) {
      last = publish("greeting: v" + i + "\ndb:\n  url: u\n");
    }
    long head = last;
    await().atMost(WAIT).until(() -> FleetMember.managedVersion(config.snapshot()).orElse(0) == head);
    assertThat(config.get().greeting()).isEqualTo("v50");
    assertThat(applied).isSorted().doesNotHaveDuplicates();
    assertThat(applied.size()).isLessThanOrEqualTo(50);
  }

  @Test
  void concurrentPublishers_loseNoVersion() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<Long>> results = new ArrayList<>();
      for (int i = 0; i < 40; i++) {
        int n = i;
        results.add(pool.submit(() -> publish("greeting: p" + n + "\ndb:\n  url: u\n")));
      }
      List<Long> versions = new ArrayList<>();
      for (Future<Long> f : results) {
        versions.add(f.get());
      }
      assertThat(versions).doesNotHaveDuplicates().hasSize(40);
      Fleet fleet = new Fleet(etcd, app);
      assertThat(fleet.head()).hasValue(40);
      assertThat(fleet.history()).extracting(Fleet.Version::version).containsExactlyElementsOf(
          java.util.stream.LongStream.rangeClosed(1, 40).boxed().toList());
      assertThat(fleet.history()).extracting(Fleet.Version::parent).containsExactlyElementsOf(
          java.util.stream.LongStream.range(0, 40).boxed().toList());
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void aCorruptPayloadWrittenByHand_isRejectedWithTheKeyAsOrigin_andTheLastGoodKeepsServing() throws Exception {
    publish("greeting: good\ndb:\n  url: u\n");
    LiveConfig<Shop> config = node(etcd);
    List<ReloadEvent> events = new CopyOnWriteArrayList<>();
    config.subscribe(events::add);
    ETCD.etcdctl("put", "/relive/" + app + "/versions/2", "{not json");
    ETCD.etcdctl("put", "/relive/" + app + "/head", "2");
    await().atMost(WAIT).until(() -> events.stream().anyMatch(e -> e instanceof ReloadEvent.Rejected));
    ReloadEvent.Rejected r = (ReloadEvent.Rejected) events.stream().filter(e -> e instanceof ReloadEvent.Rejected)
        .findFirst().orElseThrow();
    assertThat(r.problems()).singleElement().satisfies(p -> assertThat(p.toString())
        .matches("etcd:/relive/" + app + "/versions/2@\\d+:1:1: not a Relive version record.*"));
    assertThat(config.get().greeting()).isEqualTo("good");
    // A document that does not parse: its own line and column, under the key.
    ETCD.etcdctl("put", "/relive/" + app + "/versions/3", "{\"version\":3,\"format\":\"yaml\",\"document\":\"greeting: [x\\n\"}");
    ETCD.etcdctl("put", "/relive/" + app + "/head", "3");
    await().atMost(WAIT).until(() -> config.status().lastRejection().map(x -> x.problems().get(0).origin().source())
        .orElse("").startsWith("etcd:/relive/" + app + "/versions/3@"));
    assertThat(config.get().greeting()).isEqualTo("good");
  }

  @Test
  void withoutACacheAndWithEtcdUnreachable_startUpFailsNamingTheEndpoints() {
    try (Etcd nowhere = Etcd.builder().endpoints("127.0.0.1:1").timeout(Duration.ofMillis(500)).build()) {
      assertThatThrownBy(() -> LiveConfig.builder(Shop.class).source(EtcdSources.managed(nowhere, app))
          .reloadOnSighup(false).build()).isInstanceOf(ConfigException.class)
          .hasMessageContaining("etcd:/relive/" + app + "/head: cannot read: etcd is unreachable at http://127.0.0.1:1");
    }
  }
}
