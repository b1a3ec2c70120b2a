package dev.relive.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.relive.config.LiveConfig;
import dev.relive.config.ReloadEvent;
import dev.relive.testsupport.EtcdServer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Fleet-wide two-phase rollouts against a real etcd, with in-process nodes: all-or-nothing across the
 * fleet, canaries first, rollback on health, coordinators and nodes dying at the worst moments.
 */
class RolloutTest {
  private static final Duration WAIT = Duration.ofSeconds(30);

  @RegisterExtension
  static final EtcdServer ETCD = new EtcdServer();

  record Shop(String greeting, int pool) {}

  private String app;
  private final io.micrometer.core.instrument.simple.SimpleMeterRegistry registry =
      new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
  private FleetMetrics metrics;
  private final List<AutoCloseable> closing = new ArrayList<>();
  private final List<Node> nodes = new ArrayList<>();

  @BeforeEach
  void name(TestInfo info) {
    app = "r" + Math.abs(info.getTestMethod().orElseThrow().getName().hashCode());
    metrics = new FleetMetrics(app);
    metrics.bindTo(registry);
  }

  @AfterEach
  void close() throws Exception {
    for (int i = closing.size() - 1; i >= 0; i--) {
      try {
        closing.get(i).close();
      } catch (RuntimeException e) {
        // a node a test killed already
      }
    }
  }

  private <T extends AutoCloseable> T closeLater(T c) {
    closing.add(c);
    return c;
  }

  private Etcd connect() {
    return closeLater(Etcd.builder().endpoints(ETCD.endpoint()).timeout(Duration.ofSeconds(2)).build());
  }

  /** An in-process node: its own connection, config and member record; remembers every greeting it served. */
  final class Node {
    final String id;
    final Etcd etcd;
    final LiveConfig<Shop> config;
    final FleetMember member;
    final List<String> served = new CopyOnWriteArrayList<>();
    final AtomicReference<String> unhealthy = new AtomicReference<>();
    /** The node turns unhealthy while it serves this greeting. */
    final AtomicReference<String> sickOn = new AtomicReference<>();
    final AtomicReference<String> refuse = new AtomicReference<>();
    final AtomicReference<Runnable> onPrepare = new AtomicReference<>(() -> {});
    volatile boolean killed;

    Node(String id, Map<String, String> labels) {
      this.id = id;
      this.etcd = connect();
      EtcdSource source = EtcdSources.managed(etcd, app, id);
      this.config = closeLater(LiveConfig.builder(Shop.class).source(source).reloadOnSighup(false)
          .validator((s, problems) -> {
            String bad = refuse.get();
            if (bad != null && s.greeting().equals(bad)) {
              problems.add("greeting", "node " + id + " refuses '" + bad + "'");
            }
          }).build());
      served.add(config.get().greeting());
      config.subscribe(e -> {
        if (e instanceof ReloadEvent.Applied || e instanceof ReloadEvent.RolledBack) {
          served.add(config.get().greeting());
        }
      });
      config.participate((current, candidate) -> {
        onPrepare.get().run();
        return null;
      });
      this.member = closeLater(FleetMember.join(source, config).labels(labels).leaseTtl(Duration.ofSeconds(2))
          .health(() -> Optional.ofNullable(unhealthy.get())
              .or(() -> greeting().equals(sickOn.get()) ? Optional.of("sick on " + sickOn.get()) : Optional.empty()))
          .healthInterval(Duration.ofMillis(20)).events(metrics).start());
      nodes.add(this);
    }

    String greeting() {
      return config.get().greeting();
    }

    /** As a SIGKILL: its connection drops, nothing is cleaned up; its lease runs out (here: is revoked). */
    void kill() throws Exception {
      killed = true;
      long lease = memberLease(id);
      if (lease != 0) {
        admin().client().getLeaseClient().revoke(lease).get(5, TimeUnit.SECONDS);
      }
      etcd.close(); // before the member: it cannot say goodbye
      member.close();
      config.close();
    }
  }

  private Etcd admin;

  private Etcd admin() {
    if (admin == null) {
      admin = connect();
    }
    return admin;
  }

  private long memberLease(String node) throws Exception {
    var kvs = admin().client().getKVClient().get(Layout.bytes(Layout.member(app, node))).get(5, TimeUnit.SECONDS)
        .getKvs();
    return kvs.isEmpty() ? 0 : kvs.get(0).getLease();
  }

  private Fleet fleet() {
    return new Fleet(admin(), app);
  }

  private static byte[] doc(String greeting) {
    return ("greeting: " + greeting + "\npool: 5\n").getBytes(StandardCharsets.UTF_8);
  }

  private Coordinator.Builder coordinator() {
    return Coordinator.builder(admin(), app).events(metrics).prepareTimeout(Duration.ofSeconds(3))
        .pollInterval(Duration.ofMillis(10))
        .leaseTtl(Duration.ofSeconds(2)).campaignTimeout(Duration.ofSeconds(20));
  }

  /** Three nodes on version 1 ("one"), two in eu-1. */
  private List<Node> fleetOfThree() {
    fleet().publish(doc("one"), "yaml", "first", "test");
    List<Node> three = List.of(new Node("a", Map.of("zone", "eu-1")), new Node("b", Map.of("zone", "eu-1")),
        new Node("c", Map.of("zone", "eu-2")));
    await().atMost(WAIT).until(() -> fleet().status().members().size() == 3);
    return three;
  }

  private void awaitAllServe(String greeting) {
    for (Node n : nodes) {
      if (!n.killed) {
        await().atMost(WAIT).until(() -> n.greeting().equals(greeting));
      }
    }
  }

  @Test
  void everyNodeVotesOk_oneTransactionCommits_andTheHeadMoves() {
    List<Node> three = fleetOfThree();
    List<JsonNode> states = new CopyOnWriteArrayList<>();
    Coordinator.Result r = coordinator().events(states::add).build().rollout(doc("two"), "yaml", "more", "test");
    assertThat(r.state()).isEqualTo("DONE");
    assertThat(fleet().head()).hasValue(r.version());
    assertThat(states).extracting(s -> s.path("state").asText()).containsExactly("PREPARING", "COMMITTED", "DONE");
    assertThat(states.get(1).path("votes").size()).isEqualTo(3);
    three.forEach(n -> await().atMost(WAIT).until(() -> n.greeting().equals("two")));
    three.forEach(n -> assertThat(n.served).containsExactly("one", "two"));
    assertThat(registry.get("relive.fleet.votes").tag("result", "ok").counter().count()).isEqualTo(3);
    await().atMost(WAIT).until(() -> registry.find("relive.fleet.decisions").tag("decision", "commit").counter() != null
        && registry.get("relive.fleet.decisions").tag("decision", "commit").counter().count() == 3);
    assertThat(registry.get("relive.rollouts").tag("result", "done").counter().count()).isEqualTo(1);
    assertThat(registry.get("relive.rollout.commit").timer().count()).isEqualTo(1);
    // Plain publish works again once the rollout is over.
    assertThat(fleet().publish(doc("three"), "yaml", "plain", "test").unchanged()).isFalse();
  }

  @Test
  void oneNodesValidatorRefuses_theRolloutAborts_withItsProblems_andNoNodeEverServesTheCandidate() throws Exception {
    List<Node> three = fleetOfThree();
    three.get(2).refuse.set("two");
    Coordinator.Result r = coordinator().build().rollout(doc("two"), "yaml", "more", "test");
    assertThat(r.state()).isEqualTo("ABORTED");
    assertThat(r.reason()).contains("c refused it").contains("node c refuses 'two'")
        .contains("etcd:/relive/" + app + "/versions/2@");
    assertThat(fleet().head()).hasValue(1);
    assertThat(registry.get("relive.rollouts").tags("result", "aborted", "cause", "nack").counter().count()).isEqualTo(1);
    assertThat(registry.get("relive.fleet.votes").tag("result", "nack").counter().count()).isEqualTo(1);
    // The others had staged it; they abort, and nothing served ever changed.
    for (Node n : three) {
      await().atMost(WAIT).until(() -> !n.config.status().staged());
      assertThat(n.served).containsExactly("one");
    }
  }

  @Test
  void aCanaryTurningUnhealthyDuringTheBake_isRolledBack_andTheRestNeverSawTheCandidate() {
    List<Node> three = fleetOfThree();
    Node canary = three.get(0);
    canary.config.subscribe(e -> {
      if (e instanceof ReloadEvent.Applied && canary.greeting().equals("bad")) {
        canary.unhealthy.set("error rate 40%");
      }
    });
    Coordinator.Result r = coordinator().steps(List.of("a", "100%")).bake(Duration.ofSeconds(5)).build()
        .rollout(doc("bad"), "yaml", "risky", "test");
    assertThat(r.state()).isEqualTo("ROLLED_BACK");
    assertThat(r.reason()).isEqualTo("a is unhealthy: error rate 40%");
    await().atMost(WAIT).until(() -> canary.greeting().equals("one"));
    assertThat(canary.served).containsExactly("one", "bad", "one");
    assertThat(three.get(1).served).containsExactly("one");
    assertThat(three.get(2).served).containsExactly("one");
    assertThat(fleet().head()).hasValue(1);
  }

  @Test
  void aHealthyCanaryStep_isPromotedToEveryone() {
    List<Node> three = fleetOfThree();
    List<JsonNode> states = new CopyOnWriteArrayList<>();
    Coordinator.Result r = coordinator().steps(List.of("zone=eu-1", "100%")).bake(Duration.ofMillis(300))
        .events(states::add).build().rollout(doc("good"), "yaml", "fine", "test");
    assertThat(r.state()).isEqualTo("DONE");
    assertThat(states.get(0).path("targets")).extracting(JsonNode::asText).containsExactlyInAnyOrder("a", "b");
    assertThat(states.get(2).path("targets")).extracting(JsonNode::asText).containsExactly("c");
    awaitAllServe("good");
    three.forEach(n -> assertThat(n.served).containsExactly("one", "good"));
  }

  @Test
  void aNodeKilledDuringPrepare_abortsTheRollout() {
    List<Node> three = fleetOfThree();
    Node victim = three.get(1);
    victim.onPrepare.set(() -> {
      try {
        victim.etcd.close(); // the process dies inside prepare: no vote will come
      } catch (RuntimeException e) {
        // already closed
      }
    });
    Coordinator.Result r = coordinator().prepareTimeout(Duration.ofSeconds(2)).build()
        .rollout(doc("two"), "yaml", "more", "test");
    assertThat(r.state()).isEqualTo("ABORTED");
    assertThat(r.reason()).containsAnyOf("no vote from b", "target b was lost");
    for (Node n : List.of(three.get(0), three.get(2))) {
      await().atMost(WAIT).until(() -> !n.config.status().staged());
      assertThat(n.served).containsExactly("one");
    }
  }

  @Test
  void aNodeKilledAfterTheCommit_theOthersServeTheCandidate_andTheDeadNodeIsListed() {
    List<Node> three = fleetOfThree();
    Coordinator c = coordinator().build();
    c.faults(point -> {
      if (point.equals("after-commit")) {
        try {
          three.get(2).kill();
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      }
    });
    Coordinator.Result r = c.rollout(doc("two"), "yaml", "more", "test");
    assertThat(r.state()).isEqualTo("DONE");
    assertThat(r.record().path("lost")).extracting(JsonNode::asText).containsExactly("c");
    for (Node n : List.of(three.get(0), three.get(1))) {
      await().atMost(WAIT).until(() -> n.greeting().equals("two"));
    }
  }

  @Test
  void theCoordinatorKilledBetweenPrepareAndCommit_theNextOneAborts() throws Exception {
    List<Node> three = fleetOfThree();
    Coordinator first = coordinator().build();
    first.faults(point -> {
      if (point.equals("before-commit")) {
        throw new Coordinator.Crash(point);
      }
    });
    assertThatThrownBy(() -> first.rollout(doc("two"), "yaml", "more", "test")).isInstanceOf(Coordinator.Crash.class);
    for (Node n : three) {
      await().atMost(WAIT).until(() -> n.config.status().staged()); // everyone holds the candidate
    }
    admin().client().getLeaseClient().revoke(first.lease()).get(5, TimeUnit.SECONDS); // its lease runs out
    Coordinator.Result r = coordinator().build().resume();
    assertThat(r.state()).isEqualTo("ABORTED");
    assertThat(r.reason()).contains("the coordinator was lost while step 1 was preparing");
    for (Node n : three) {
      await().atMost(WAIT).until(() -> !n.config.status().staged());
      assertThat(n.served).containsExactly("one");
    }
    assertThat(fleet().head()).hasValue(1);
  }

  @Test
  void theCoordinatorKilledAfterTheCommit_nodesCommitAllTheSame_andTheNextOneFinishes() throws Exception {
    List<Node> three = fleetOfThree();
    Coordinator first = coordinator().build();
    first.faults(point -> {
      if (point.equals("after-commit")) {
        throw new Coordinator.Crash(point);
      }
    });
    assertThatThrownBy(() -> first.rollout(doc("two"), "yaml", "more", "test")).isInstanceOf(Coordinator.Crash.class);
    awaitAllServe("two"); // committed: the nodes act on the decision without the coordinator
    // A new coordinator waits for the dead one's lease, then finishes: the head moves.
    Coordinator.Result r = coordinator().build().resume();
    assertThat(r.state()).isEqualTo("DONE");
    assertThat(fleet().head()).hasValue(2);
    three.forEach(n -> assertThat(n.served).containsExactly("one", "two"));
  }

  @Test
  void aSecondRolloutWhileOneRuns_isRefused_andPlainPublishToo() throws Exception {
    fleetOfThree();
    Coordinator first = coordinator().build();
    first.faults(point -> {
      if (point.equals("after-commit")) {
        throw new Coordinator.Crash(point);
      }
    });
    assertThatThrownBy(() -> first.rollout(doc("two"), "yaml", "more", "test")).isInstanceOf(Coordinator.Crash.class);
    admin().client().getLeaseClient().revoke(first.lease()).get(5, TimeUnit.SECONDS);
    assertThatThrownBy(() -> coordinator().build().rollout(doc("three"), "yaml", "more", "test"))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("is running; resume it");
    assertThatThrownBy(() -> fleet().publish(doc("three"), "yaml", "plain", "test"))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("is running");
    assertThat(coordinator().build().abort()).isPresent();
    JsonNode last = fleet().pointers(admin().client()).rollout();
    assertThat(last.path("state").asText()).isEqualTo("ROLLED_BACK");
    assertThat(last.path("reason").asText()).isEqualTo("aborted by an operator");
    awaitAllServe("one");
  }

  @Test
  void etcdRestartedDuringARollout_itEndsCommittedOrAborted_neverSplit() {
    List<Node> three = fleetOfThree();
    Coordinator c = coordinator().build();
    c.faults(point -> {
      if (point.equals("prepare-written")) {
        try {
          ETCD.kill();
          ETCD.restart();
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      }
    });
    Coordinator.Result r = c.rollout(doc("two"), "yaml", "more", "test");
    assertThat(r.state()).isIn("DONE", "ABORTED");
    String expected = r.state().equals("DONE") ? "two" : "one";
    awaitAllServe(expected);
    for (Node n : three) {
      await().atMost(WAIT).until(() -> !n.config.status().staged());
      assertThat(n.greeting()).isEqualTo(expected);
    }
  }

  /**
   * At least 1,000 rollouts (-Drelive.rollouts=N) with faults injected at random points: nodes refusing,
   * voting too late, crashing and coming back; coordinators crashing and another resuming; canaries turning
   * sick during the bake; etcd restarting. After each: every live node serves what the final state allows
   * (the candidate after DONE, the old head after ABORTED or ROLLED_BACK); after ABORTED no node ever served
   * the candidate; after ROLLED_BACK none but the committed did. Prints the seed on failure.
   */
  @Test
  void randomizedRolloutsWithFaults_noNodeEverServesWhatTheOutcomeForbids() throws Exception {
    long seed = Long.getLong("relive.seed", System.nanoTime());
    int rounds = Integer.getInteger("relive.rollouts", 1000);
    java.util.Random random = new java.util.Random(seed);
    fleet().publish(doc("v0"), "yaml", "first", "test");
    List<Node> live = new ArrayList<>();
    for (String id : List.of("n1", "n2", "n3", "n4")) {
      live.add(new Node(id, Map.of("zone", id.equals("n1") || id.equals("n2") ? "eu-1" : "eu-2")));
    }
    await().atMost(WAIT).until(() -> fleet().status().members().size() == 4);
    String head = "v0";
    Map<String, Integer> outcomes = new java.util.TreeMap<>();
    Map<String, Integer> faultCounts = new java.util.TreeMap<>();
    List<String> points = List.of("prepare-written", "before-commit", "after-commit", "baking");
    List<List<String>> plans = List.of(List.of("100%"), List.of("1", "100%"), List.of("zone=eu-1", "100%"),
        List.of("n3", "50%", "100%"));
    for (int i = 1; i <= rounds; i++) {
      try {
        head = oneRandomRollout(i, seed, random, live, head, outcomes, faultCounts, points, plans);
      } catch (Exception | AssertionError e) {
        throw new AssertionError("randomized rollouts failed at rollout " + i + "; rerun with -Drelive.seed=" + seed
            + " -Drelive.rollouts=" + i, e);
      }
    }
    System.out.printf("randomized rollouts: seed %d, %d rollouts, outcomes %s, faults %s%n", seed, rounds, outcomes,
        faultCounts);
  }

  /** One rollout with a random fault; returns the head's greeting after it. */
  private String oneRandomRollout(int i, long seed, java.util.Random random, List<Node> live, String headBefore,
      Map<String, Integer> outcomes, Map<String, Integer> faultCounts, List<String> points, List<List<String>> plans)
      throws Exception {
    String head = headBefore;
    {
      String candidate = "v" + i;
      String context = "seed " + seed + ", rollout " + i;
      Map<String, Integer> marks = new java.util.HashMap<>();
      live.forEach(n -> marks.put(n.id, n.served.size()));
      double dice = random.nextDouble();
      String fault = dice < 0.12 ? "nack" : dice < 0.17 ? "slow-vote" : dice < 0.29 ? "coordinator-crash"
          : dice < 0.33 ? "node-crash" : dice < 0.34 ? "etcd-restart" : dice < 0.42 ? "sick-canary" : "none";
      faultCounts.merge(fault, 1, Integer::sum);
      Node victim = live.get(random.nextInt(live.size()));
      String point = points.get(random.nextInt(points.size()));
      List<String> plan = plans.get(random.nextInt(plans.size()));
      boolean baking = fault.equals("sick-canary") || random.nextInt(4) == 0;
      Coordinator.Builder b = coordinator().prepareTimeout(Duration.ofMillis(500)).pollInterval(Duration.ofMillis(5))
          .leaseTtl(Duration.ofSeconds(1)).steps(plan).bake(baking ? Duration.ofMillis(150) : Duration.ZERO);
      Coordinator c = b.build();
      List<String> crashedAt = new ArrayList<>();
      switch (fault) {
        case "nack" -> victim.refuse.set(candidate);
        case "slow-vote" -> victim.onPrepare.set(() -> pause(800));
        case "sick-canary" -> victim.sickOn.set(candidate);
        case "coordinator-crash" -> c.faults(p -> {
          if (p.equals(point) && crashedAt.isEmpty()) {
            crashedAt.add(p);
            throw new Coordinator.Crash(p);
          }
        });
        case "node-crash" -> c.faults(p -> {
          if (p.equals(point) && crashedAt.isEmpty()) {
            crashedAt.add(p);
            try {
              victim.kill();
            } catch (Exception e) {
              throw new IllegalStateException(e);
            }
          }
        });
        case "etcd-restart" -> c.faults(p -> {
          if (p.equals(point) && crashedAt.isEmpty()) {
            crashedAt.add(p);
            try {
              ETCD.kill();
              ETCD.restart();
            } catch (Exception e) {
              throw new IllegalStateException(e);
            }
          }
        });
        default -> { }
      }
      Coordinator.Result r;
      long began = System.nanoTime();
      try {
        r = c.rollout(doc(candidate), "yaml", "random", "test");
      } catch (Coordinator.Crash e) {
        admin().client().getLeaseClient().revoke(c.lease()).get(5, TimeUnit.SECONDS);
        r = coordinator().prepareTimeout(Duration.ofMillis(500)).pollInterval(Duration.ofMillis(5)).build().resume();
      }
      victim.refuse.set(null);
      victim.onPrepare.set(() -> {});
      victim.sickOn.set(null);
      outcomes.merge(r.state(), 1, Integer::sum);
      if (System.getProperty("relive.debug") != null) {
        System.out.printf("%d %s %s %s %s -> %s %s (%d ms)%n", i, fault, point, plan, victim.id, r.state(), r.reason(),
            (System.nanoTime() - began) / 1_000_000);
      }
      if (victim.killed) {
        live.remove(victim);
      }
      String expected = r.state().equals("DONE") ? candidate : head;
      Set<String> committed = new java.util.HashSet<>(Rollouts.strings(r.record().path("committed")));
      String state = r.state();
      for (Node n : live) {
        String at = context + " (" + fault + " at " + point + ", plan " + plan + ", " + state + ": " + r.reason()
            + "), node " + n.id;
        await("convergence of " + at).atMost(WAIT).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(5)).until(() -> n.greeting().equals(expected)
            && !n.config.status().staged());
        List<String> since = n.served.subList(marks.get(n.id), n.served.size());
        if (state.equals("ABORTED")) {
          assertThat(since).as("after ABORTED nobody served the candidate: " + at).doesNotContain(candidate);
        } else if (state.equals("ROLLED_BACK") && !committed.contains(n.id)) {
          assertThat(since).as("after ROLLED_BACK only committed nodes served it: " + at).doesNotContain(candidate);
        }
      }
      if (victim.killed) {
        Node back = new Node(victim.id, Map.of("zone", victim.id.equals("n1") || victim.id.equals("n2") ? "eu-1" : "eu-2"));
        live.add(back);
        await().atMost(WAIT).until(() -> back.member.registered() && back.greeting().equals(expected));
      }
      if (state.equals("DONE")) {
        head = candidate;
      }
      if (state.equals("DONE")) {
        assertThat(fleet().head()).as(context).hasValue(r.version());
      }
    }
    return head;
  }

  private static void pause(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
