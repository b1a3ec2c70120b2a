package dev.relive.bench;

import dev.relive.config.LiveConfig;
import dev.relive.config.ReloadEvent;
import dev.relive.etcd.Etcd;
import dev.relive.etcd.EtcdSources;
import dev.relive.etcd.Fleet;
import dev.relive.testsupport.EtcdServer;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.options.WatchOption;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * Fleet latency harness (not a test), against a real etcd this harness starts on free loopback ports:
 *
 * <ol>
 *   <li>publish → applied on N nodes, each with its own etcd connection (all in this JVM): the time from the
 *       start of {@code Fleet.publish} to each node's listener seeing the version, side by side with N bare
 *       jetcd watches of the head key on the same etcd in the same run (the floor: etcd's own cost);
 *   <li>convergence after etcd comes back: etcd is killed, stays away a while, is started again, and a
 *       version is published at once; the time from etcd answering to every node having applied it.
 * </ol>
 *
 * <pre>java -cp relive-bench/target/benchmarks.jar dev.relive.bench.FleetLatency [nodes] [versions] [outageSeconds]</pre>
 */
public final class FleetLatency {
  private FleetLatency() {}

  /** The document of every version: a counter and some body, as a real config has. */
  public record Shop(int n, String greeting, int pool, List<String> hosts) {}

  private static byte[] document(int n) {
    return ("n: " + n + "\ngreeting: hello\npool: 20\nhosts:\n  - a.example\n  - b.example\n  - c.example\n")
        .getBytes(StandardCharsets.UTF_8);
  }

  public static void main(String[] args) throws Exception {
    int nodes = args.length > 0 ? Integer.parseInt(args[0]) : 100;
    int versions = args.length > 1 ? Integer.parseInt(args[1]) : 50;
    int outage = args.length > 2 ? Integer.parseInt(args[2]) : 5;
    try (EtcdServer server = new EtcdServer()) {
      server.start();
      run(server, nodes, versions, outage);
    }
    System.exit(0); // jetcd's Vert.x threads of the closed clients wind down by themselves; do not wait
  }

  private static void run(EtcdServer server, int nodes, int versions, int outage) throws Exception {
    String app = "bench";
    List<AutoCloseable> closing = new ArrayList<>();
    Etcd publisherConnection = Etcd.builder().endpoints(server.endpoint()).build();
    closing.add(publisherConnection);
    Fleet fleet = new Fleet(publisherConnection, app);
    fleet.publish(document(0), "yaml", "start", "bench");

    // version -> when each node applied it (nanoTime), and when each bare watch saw it
    ConcurrentHashMap<Integer, List<Long>> applied = new ConcurrentHashMap<>();
    ConcurrentHashMap<Integer, List<Long>> bare = new ConcurrentHashMap<>();
    List<LiveConfig<Shop>> configs = new ArrayList<>();
    for (int i = 0; i < nodes; i++) {
      Etcd connection = Etcd.builder().endpoints(server.endpoint()).build();
      closing.add(connection);
      LiveConfig<Shop> config = LiveConfig.builder(Shop.class).source(EtcdSources.managed(connection, app))
          .reloadOnSighup(false).build();
      closing.add(config);
      config.subscribe(e -> {
        if (e instanceof ReloadEvent.Applied) {
          applied.computeIfAbsent(config.get().n(), k -> java.util.Collections.synchronizedList(new ArrayList<>()))
              .add(System.nanoTime());
        }
      });
      configs.add(config);
      Client client = Client.builder().endpoints(server.endpoint()).build();
      closing.add(client);
      Watch.Watcher w = client.getWatchClient().watch(ByteSequence.from("/relive/" + app + "/head", StandardCharsets.UTF_8),
          WatchOption.DEFAULT, Watch.listener(response -> {
            long now = System.nanoTime();
            response.getEvents().forEach(ev -> bare.computeIfAbsent(
                Integer.parseInt(ev.getKeyValue().getValue().toString(StandardCharsets.UTF_8)) - 1,
                k -> java.util.Collections.synchronizedList(new ArrayList<>())).add(now));
          }));
      closing.add(w);
    }
    System.out.printf("%d nodes and %d bare watches, each with its own connection, on etcd %s%n", nodes, nodes,
        server.endpoint());

    Histogram relive = new Histogram(3);
    Histogram floor = new Histogram(3);
    int warmup = 10; // published and awaited like the others, not recorded: both sides warm up their JIT
    for (int n = 1; n <= warmup + versions; n++) {
      long start = System.nanoTime();
      fleet.publish(document(n), "yaml", "bench", "bench");
      int version = n;
      awaitAll(() -> size(applied, version) == nodes && size(bare, version) == nodes, Duration.ofSeconds(30),
          "version " + n + " on every node");
      if (n > warmup) {
        applied.get(version).forEach(t -> relive.recordValue(TimeUnit.NANOSECONDS.toMicros(t - start)));
        bare.get(version).forEach(t -> floor.recordValue(TimeUnit.NANOSECONDS.toMicros(t - start)));
      }
    }
    System.out.printf("%n%d versions published one after another (after %d to warm up); publish start -> seen, "
        + "per node%n%n", versions, warmup);
    System.out.println("| | p50 ms | p90 ms | p99 ms | max ms |");
    System.out.println("|---|---:|---:|---:|---:|");
    row("Relive node: applied (read, parse, bind, validate, swap, listener)", relive);
    row("bare jetcd watch of the head key (the floor)", floor);
    System.out.printf("%nRelive p99 / floor p99 = %.2f%n", (double) relive.getValueAtPercentile(99)
        / Math.max(1, floor.getValueAtPercentile(99)));

    // Convergence after an outage.
    server.kill();
    Thread.sleep(outage * 1000L); // the outage itself, the scenario's length
    server.restart();
    long back = System.nanoTime();
    int next = warmup + versions + 1;
    while (true) { // the publisher's own connection may need a moment too
      try {
        fleet.publish(document(next), "yaml", "after the outage", "bench");
        break;
      } catch (Fleet.Unreachable e) {
        Thread.sleep(10);
      }
    }
    awaitAll(() -> size(applied, next) == nodes, Duration.ofSeconds(60), "the version after the outage");
    long last = applied.get(next).stream().mapToLong(Long::longValue).max().orElseThrow();
    awaitAll(() -> configs.stream().noneMatch(c -> c.status().degraded()), Duration.ofSeconds(60), "health");
    long healthy = System.nanoTime();
    System.out.printf("%netcd away %d s, then back: every node applied the next version %d ms after etcd answered "
        + "(all reported healthy %d ms after)%n", outage, TimeUnit.NANOSECONDS.toMillis(last - back),
        TimeUnit.NANOSECONDS.toMillis(healthy - back));

    for (int i = closing.size() - 1; i >= 0; i--) {
      closing.get(i).close();
    }
  }

  private static int size(ConcurrentHashMap<Integer, List<Long>> seen, int version) {
    List<Long> l = seen.get(version);
    return l == null ? 0 : l.size();
  }

  private static void awaitAll(java.util.function.BooleanSupplier done, Duration timeout, String what)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!done.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
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
