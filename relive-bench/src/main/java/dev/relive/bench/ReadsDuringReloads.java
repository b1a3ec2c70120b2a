package dev.relive.bench;

import dev.relive.bench.peers.Peer;
import dev.relive.testsupport.K8sVolume;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;

/**
 * Part 2: read latency while a writer applies versions, against the same reads when idle. One reader thread
 * times every read with {@code System.nanoTime()} into an HdrHistogram (so each sample includes the timer's
 * own cost, the same idle and busy); a writer thread applies 1,000 versions per second through each library's
 * reload path. Only peers that can reload take part.
 *
 * <pre>java -cp relive-bench/target/benchmarks.jar dev.relive.bench.ReadsDuringReloads [seconds] [peers...]</pre>
 */
public final class ReadsDuringReloads {
  private static final int VERSIONS_PER_SECOND = 1000;

  private ReadsDuringReloads() {}

  public static void main(String[] args) throws Exception {
    int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
    List<String> peers = args.length > 1 ? List.of(args).subList(1, args.length) : Peer.ALL;
    System.out.printf("one reader, one writer at %d versions/s, %d s per phase after 2 s of warm-up%n%n",
        VERSIONS_PER_SECOND, seconds);
    System.out.println("| library | idle p50 ns | idle p99 ns | idle p99.9 ns | busy p50 ns | busy p99 ns | busy p99.9 ns"
        + " | busy/idle p99.9 | versions/s applied | values seen |");
    System.out.println("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for (String name : peers) {
      Path dir = Files.createTempDirectory("relive-rdr");
      try (Peer peer = Peer.create(name, dir)) {
        if (!peer.reloadable()) {
          continue;
        }
        measure(peer, 2, false);
        Result idle = measure(peer, seconds, false);
        Result busy = measure(peer, seconds, true);
        System.out.printf("| %s | %d | %d | %d | %d | %d | %d | %.2f× | %d | %d |%n", name,
            idle.histogram.getValueAtPercentile(50), idle.histogram.getValueAtPercentile(99),
            idle.histogram.getValueAtPercentile(99.9), busy.histogram.getValueAtPercentile(50),
            busy.histogram.getValueAtPercentile(99), busy.histogram.getValueAtPercentile(99.9),
            (double) busy.histogram.getValueAtPercentile(99.9) / idle.histogram.getValueAtPercentile(99.9),
            busy.versions / seconds, busy.distinctValues);
      } finally {
        K8sVolume.deleteTree(dir);
      }
    }
  }

  private record Result(Histogram histogram, long versions, int distinctValues) {}

  private static Result measure(Peer peer, int seconds, boolean withWriter) throws Exception {
    AtomicBoolean stop = new AtomicBoolean();
    AtomicLong versions = new AtomicLong();
    Thread writer = new Thread(() -> {
      long interval = TimeUnit.SECONDS.toNanos(1) / VERSIONS_PER_SECOND;
      long next = System.nanoTime();
      int i = 0;
      while (!stop.get()) {
        try {
          peer.update("v" + (++i));
          versions.incrementAndGet();
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
        next += interval;
        long wait = next - System.nanoTime();
        if (wait > 0) {
          LockSupport.parkNanos(wait);
        }
      }
    }, "writer");
    Histogram histogram = new Histogram(TimeUnit.SECONDS.toNanos(10), 3);
    Set<String> seen = new HashSet<>();
    if (withWriter) {
      writer.start();
    }
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    String last = null;
    long sink = 0;
    while (System.nanoTime() < end) {
      for (int i = 0; i < 1000; i++) {
        long t0 = System.nanoTime();
        String value = peer.read();
        long t1 = System.nanoTime();
        histogram.recordValue(Math.max(1, t1 - t0));
        sink += value.length();
        if (value != last && seen.size() < 1_000_000) {
          seen.add(value);
          last = value;
        }
      }
    }
    stop.set(true);
    if (withWriter) {
      writer.join();
    }
    if (sink == 42) {
      System.out.print("");
    }
    return new Result(histogram, versions.get(), seen.size());
  }
}
