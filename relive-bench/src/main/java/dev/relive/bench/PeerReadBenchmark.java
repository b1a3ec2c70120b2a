package dev.relive.bench;

import dev.relive.bench.peers.Peer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Part 1: the read a service does on every request, for Relive and each peer, over the same properties
 * file. Run once with {@code -t 1} and once with {@code -t 2}, with {@code -prof gc} for B/op.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class PeerReadBenchmark {
  @Param({"relive", "archaius", "commons", "helidon", "helidon-supplier", "owner-sync", "owner-async", "avaje", "spring",
      "smallrye", "lightbend"})
  public String peer;

  private Path dir;
  private Peer config;

  @Setup
  public void setUp() throws Exception {
    dir = Files.createTempDirectory("relive-peer");
    config = Peer.create(peer, dir);
    if (!"hello".equals(config.read())) {
      throw new IllegalStateException(peer + " read " + config.read());
    }
  }

  @TearDown
  public void tearDown() throws Exception {
    config.close();
    dev.relive.testsupport.K8sVolume.deleteTree(dir);
  }

  @Benchmark
  public String read() {
    return config.read();
  }
}
