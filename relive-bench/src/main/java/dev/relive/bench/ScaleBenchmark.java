package dev.relive.bench;

import dev.relive.config.LiveConfig;
import dev.relive.config.ReloadEvent;
import java.util.Map;
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
 * Part 4: one reload in which one key changed, in configurations of 100, 10,000 and 100,000 keys: read
 * (digest), parse (properties), merge, hash, bind to a record holding a {@code Map}, diff, swap. Run with
 * {@code -prof gc} for the allocation per reload.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class ScaleBenchmark {
  /** The configuration: every key under {@code entries}. */
  public record Big(Map<String, String> entries) {}

  @Param({"100", "10000", "100000"})
  public int keys;

  private MemoryDocument source;
  private LiveConfig<Big> config;
  private byte[] a;
  private byte[] b;
  private boolean flip;

  @Setup
  public void setUp() {
    a = MemoryDocument.properties(keys, keys / 2, "a");
    b = MemoryDocument.properties(keys, keys / 2, "b");
    source = new MemoryDocument("properties", a);
    config = LiveConfig.builder(Big.class).source(source).executor(Runnable::run).reloadOnSighup(false).historySize(2).build();
  }

  @TearDown
  public void tearDown() {
    config.close();
  }

  @Benchmark
  public ReloadEvent reloadWithOneChangedKey() {
    flip = !flip;
    source.set(flip ? b : a);
    ReloadEvent event = config.reload();
    if (!(event instanceof ReloadEvent.Applied applied) || applied.changedPaths().size() != 1) {
      throw new IllegalStateException("expected one changed key, got " + event);
    }
    return event;
  }
}
