package dev.relive.bench;

import dev.relive.config.ConfigSnapshot;
import dev.relive.config.ConfigSources;
import dev.relive.config.InMemorySource;
import dev.relive.config.LiveConfig;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The read path: {@code get()} plus a field access (through a field, and through a {@code static final}
 * constant), and {@code snapshot()}, against two floors: a plain volatile read of the same record, and the same
 * read through a handle object, which any API that hands out a handle pays. Run: {@code java -jar relive-bench/target/benchmarks.jar ReadPath -prof gc}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(2)
public class ReadPathBenchmark {
  /** A configuration shaped like a real one. */
  public record Db(String url, int poolSize) {}

  public record App(String greeting, int port, Db db) {}

  /** How services usually hold it: a constant the JIT folds, so get() is the volatile load and the field. */
  private static final LiveConfig<App> CONSTANT = build();

  private LiveConfig<App> config;
  private volatile App plain;
  private Holder holder;

  /** The floor for any handle-based API: a reference to an object with a volatile field holding the record. */
  static final class Holder {
    volatile App app;
  }

  private static LiveConfig<App> build() {
    InMemorySource source = ConfigSources.inMemory("bench")
        .set(Map.of("greeting", "hello", "port", 8080, "db.url", "jdbc:x", "db.poolSize", 10));
    return LiveConfig.builder(App.class).source(source).reloadOnSighup(false).build();
  }

  @Setup
  public void setUp() {
    config = build();
    plain = config.get();
    holder = new Holder();
    holder.app = config.get();
  }

  @TearDown
  public void tearDown() {
    config.close();
  }

  @Benchmark
  public int get() {
    return config.get().port();
  }

  @Benchmark
  public ConfigSnapshot<App> snapshot() {
    return config.snapshot();
  }

  @Benchmark
  public int getFromConstant() {
    return CONSTANT.get().port();
  }

  @Benchmark
  public int plainVolatileRead() {
    return plain.port();
  }

  @Benchmark
  public int handleVolatileRead() {
    return holder.app.port();
  }
}
