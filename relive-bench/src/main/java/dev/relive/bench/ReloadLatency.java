package dev.relive.bench;

import dev.relive.config.ConfigSources;
import dev.relive.config.LiveConfig;
import dev.relive.config.WatchMode;
import dev.relive.testsupport.K8sVolume;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Reload latency harness (not a test): time from a file change to the listener seeing the new value, over
 * many changes, for a rename over the file, a Kubernetes volume swap, a symlinked directory swapped with
 * {@code ln -sfn} and a directory replaced by rename, with events and with polling. The safety reload is off
 * (an hour), so only the watcher's events or polls can see a change.
 *
 * <pre>java -cp relive-bench/target/benchmarks.jar dev.relive.bench.ReloadLatency [changes] [quietMillis]</pre>
 */
public final class ReloadLatency {
  /** The configuration whose value each change bumps. */
  public record Counter(int n) {}

  private interface Writer {
    void write(Path dir, int n) throws IOException;

    /** The file the config reads, as the user names it. */
    default Path file(Path dir) {
      return dir.resolve("app.yaml");
    }
  }

  private ReloadLatency() {}

  public static void main(String[] args) throws Exception {
    int changes = args.length > 0 ? Integer.parseInt(args[0]) : 200;
    Duration quiet = Duration.ofMillis(args.length > 1 ? Long.parseLong(args[1]) : 100);
    System.out.printf("%d changes per row, quiet period %d ms, poll interval 100 ms%n%n", changes, quiet.toMillis());
    System.out.println("| writer | mode | p50 ms | p99 ms | max ms | p50 − quiet ms | p99 − quiet ms |");
    System.out.println("|---|---|---:|---:|---:|---:|---:|");
    Writer renameOver = (dir, n) -> {
      Path tmp = Files.writeString(dir.resolve(".app.yaml.tmp"), "n: " + n + "\n");
      Files.move(tmp, dir.resolve("app.yaml"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    };
    Writer k8s = (dir, n) -> K8sVolume.write(dir, Map.of("app.yaml", "n: " + n + "\n"));
    // Capistrano-style: releases/N/app.yaml, then current -> releases/N swapped atomically (ln -sfn).
    Writer symlinkedDir = new Writer() {
      @Override
      public void write(Path dir, int n) throws IOException {
        Path release = Files.createDirectories(dir.resolve("releases/" + n));
        Files.writeString(release.resolve("app.yaml"), "n: " + n + "\n");
        Path tmp = dir.resolve(".current.tmp");
        Files.deleteIfExists(tmp);
        Files.createSymbolicLink(tmp, Path.of("releases/" + n));
        Files.move(tmp, dir.resolve("current"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      }

      @Override
      public Path file(Path dir) {
        return dir.resolve("current/app.yaml");
      }
    };
    // The whole directory replaced by rename: conf.new prepared, conf moved aside, conf.new moved to conf.
    Writer renamedDir = new Writer() {
      @Override
      public void write(Path dir, int n) throws IOException {
        Path next = Files.createDirectories(dir.resolve("conf.new"));
        Files.writeString(next.resolve("app.yaml"), "n: " + n + "\n");
        if (Files.exists(dir.resolve("conf"))) {
          Files.move(dir.resolve("conf"), dir.resolve("conf.old-" + n), StandardCopyOption.ATOMIC_MOVE);
        }
        Files.move(next, dir.resolve("conf"), StandardCopyOption.ATOMIC_MOVE);
      }

      @Override
      public Path file(Path dir) {
        return dir.resolve("conf/app.yaml");
      }
    };
    for (WatchMode mode : new WatchMode[] {WatchMode.EVENTS, WatchMode.POLL}) {
      run("rename over", renameOver, mode, changes, quiet);
      run("Kubernetes swap", k8s, mode, changes, quiet);
      run("ln -sfn of the directory", symlinkedDir, mode, changes, quiet);
      run("mv conf.new conf", renamedDir, mode, changes, quiet);
    }
  }

  private static void run(String name, Writer writer, WatchMode mode, int changes, Duration quiet) throws Exception {
    Path dir = Files.createTempDirectory("relive-latency");
    writer.write(dir, 0);
    BlockingQueue<long[]> seen = new LinkedBlockingQueue<>();
    long[] latencies = new long[changes];
    try (LiveConfig<Counter> config = LiveConfig.builder(Counter.class).source(ConfigSources.file(writer.file(dir)))
        .watchFiles(true).watchMode(mode).quietPeriod(quiet).pollInterval(Duration.ofMillis(100))
        .safetyInterval(Duration.ofHours(1)).reloadOnSighup(false).build()) {
      config.onChange(change -> seen.add(new long[] {change.current().value().n(), System.nanoTime()}));
      for (int i = 1; i <= changes; i++) {
        long start = System.nanoTime();
        writer.write(dir, i);
        long[] event;
        do {
          event = seen.poll(30, TimeUnit.SECONDS);
          if (event == null) {
            throw new IllegalStateException(name + ": change " + i + " was not seen within 30 s");
          }
        } while (event[0] != i);
        latencies[i - 1] = event[1] - start;
      }
    } finally {
      K8sVolume.deleteTree(dir);
    }
    Arrays.sort(latencies);
    double q = quiet.toNanos() / 1e6;
    double p50 = percentile(latencies, 0.50);
    double p99 = percentile(latencies, 0.99);
    System.out.printf("| %s | %s | %.1f | %.1f | %.1f | %.1f | %.1f |%n", name, mode.name().toLowerCase(), p50, p99,
        latencies[latencies.length - 1] / 1e6, p50 - q, p99 - q);
  }

  private static double percentile(long[] sorted, double p) {
    int index = (int) Math.ceil(p * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, index))] / 1e6;
  }
}
