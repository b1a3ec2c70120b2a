package dev.relive.bench;

import dev.relive.config.LiveConfig;
import dev.relive.etcd.Coordinator;
import dev.relive.etcd.Etcd;
import dev.relive.etcd.EtcdSource;
import dev.relive.etcd.EtcdSources;
import dev.relive.etcd.Fleet;
import dev.relive.etcd.FleetMember;
import dev.relive.testsupport.EtcdServer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.HdrHistogram.Histogram;

/**
 * Two-phase rollout harness (not a test), against a real etcd it starts: N nodes in this JVM, each with its
 * own etcd connection, a {@code LiveConfig} on the managed layer and a {@link FleetMember} taking part in
 * rollouts. Measures, in the same run and interleaved: a whole one-step rollout (from {@code rollout()} to
 * every node serving the version), {@code fleet rollback} to the version before (the same two phases), and a
 * plain {@code publish} until every node applied it (no phases: the price of the phases is the difference).
 *
 * <pre>java -cp relive-bench/target/benchmarks.jar dev.relive.bench.RolloutLatency [nodes] [rounds]</pre>
 */
public final class RolloutLatency {
  private RolloutLatency() {}

  /** The document: a counter and some body. */
  public record Shop(int n, String greeting, int pool) {}

  private static byte[] document(int n) {
    return ("n: " + n + "\ngreeting: hello\npool: 20\n").getBytes(StandardCharsets.UTF_8);
  }

  public static void main(String[] args) throws Exception {
    int nodes = args.length > 0 ? Integer.parseInt(args[0]) : 100;
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 30;
    try (EtcdServer server = new EtcdServer()) {
      server.start();
      run(server, nodes, rounds);
    }
    System.exit(0);
  }

  private static void run(EtcdServer server, int nodes, int rounds) throws Exception {
    String app = "bench";
    List<AutoCloseable> closing = new ArrayList<>();
    Etcd admin = Etcd.builder().endpoints(server.endpoint()).build();
    closing.add(admin);
    Fleet fleet = new Fleet(admin, app);
    fleet.publish(document(0), "yaml", "start", "bench");
    List<LiveConfig<Shop>> configs = new ArrayList<>();
    for (int i = 0; i < nodes; i++) {
      Etcd etcd = Etcd.builder().endpoints(server.endpoint()).build();
      closing.add(etcd);
      EtcdSource source = EtcdSources.managed(etcd, app, "node-" + i);
      LiveConfig<Shop> config = LiveConfig.builder(Shop.class).source(source).reloadOnSighup(false).build();
      closing.add(config);
      closing.add(FleetMember.join(source, config).start());
      configs.add(config);
    }
    await(() -> fleet.status().members().size() == nodes, "every member registered");
    System.out.printf("%d nodes, each with its own etcd connection and member, on etcd %s; %d rounds%n%n", nodes,
        server.endpoint(), rounds);
    Coordinator coordinator = Coordinator.builder(admin, app).pollInterval(Duration.ofMillis(5)).build();
    Histogram rollout = new Histogram(3);
    Histogram rollback = new Histogram(3);
    Histogram publish = new Histogram(3);
    int n = 0;
    for (int round = -3; round < rounds; round++) { // three rounds to warm up
      boolean record = round >= 0;
      // a rollout of new content
      int content = ++n;
      long start = System.nanoTime();
      Coordinator.Result r = coordinator.rollout(document(content), "yaml", "bench", "bench");
      allServe(configs, content);
      long served = System.nanoTime();
      require(r.promoted(), r);
      // fleet rollback to the version before, through the same phases
      long before = r.version() - 1;
      long rbStart = System.nanoTime();
      Coordinator.Result back = coordinator.rollbackTo(before, "bench");
      int restored = fleet.version(before).map(v -> Integer.parseInt(v.document().lines().findFirst().orElseThrow()
          .substring(3))).orElseThrow();
      allServe(configs, restored);
      long rbServed = System.nanoTime();
      require(back.promoted(), back);
      // plain publish
      int plain = ++n;
      long pStart = System.nanoTime();
      fleet.publish(document(plain), "yaml", "bench", "bench");
      allServe(configs, plain);
      long pServed = System.nanoTime();
      if (record) {
        rollout.recordValue(TimeUnit.NANOSECONDS.toMicros(served - start));
        rollback.recordValue(TimeUnit.NANOSECONDS.toMicros(rbServed - rbStart));
        publish.recordValue(TimeUnit.NANOSECONDS.toMicros(pServed - pStart));
      }
    }
    System.out.println("| | p50 ms | p90 ms | p99 ms | max ms |");
    System.out.println("|---|---:|---:|---:|---:|");
    row("two-phase rollout, one step: start → every node serves it", rollout);
    row("fleet rollback to the version before (two phases) → every node serves it", rollback);
    row("plain publish → every node applied it (no phases)", publish);
    for (int i = closing.size() - 1; i >= 0; i--) {
      closing.get(i).close();
    }
  }

  private static void allServe(List<LiveConfig<Shop>> configs, int n) throws InterruptedException {
    await(() -> configs.stream().allMatch(c -> c.get().n() == n), "every node on " + n);
  }

  private static void require(boolean ok, Coordinator.Result r) {
    if (!ok) {
      throw new IllegalStateException("rollout ended " + r.state() + ": " + r.reason());
    }
  }

  private interface Condition {
    boolean holds() throws Exception;
  }

  private static void await(Condition c, String what) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    LongSupplier now = System::nanoTime;
    while (true) {
      try {
        if (c.holds()) {
          return;
        }
      } catch (Exception e) {
        // not yet
      }
      if (now.getAsLong() > deadline) {
        throw new IllegalStateException("timed out waiting for " + what);
      }
      Thread.sleep(1);
    }
  }

  private static void row(String name, Histogram h) {
    System.out.printf("| %s | %.1f | %.1f | %.1f | %.1f |%n", name, h.getValueAtPercentile(50) / 1000.0,
        h.getValueAtPercentile(90) / 1000.0, h.getValueAtPercentile(99) / 1000.0, h.getMaxValue() / 1000.0);
  }
}
