package dev.relive.bench;

import dev.relive.bench.peers.BenchConfig;
import dev.relive.bench.peers.Peer;
import dev.relive.config.ConfigSources;
import dev.relive.config.LiveConfig;
import dev.relive.testsupport.K8sVolume;
import io.helidon.config.Config;
import io.helidon.config.FileSystemWatcher;
import io.helidon.config.PollingStrategies;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.apache.commons.configuration2.PropertiesConfiguration;
import org.apache.commons.configuration2.builder.ReloadingFileBasedConfigurationBuilder;
import org.apache.commons.configuration2.builder.fluent.Parameters;
import org.apache.commons.configuration2.ex.ConfigurationException;
import org.apache.commons.configuration2.reloading.PeriodicReloadingTrigger;

/**
 * Part 3: a file change (a new file renamed over the old one) until readers see the new value, for Relive and
 * for the peers that watch files themselves, each with default and with fastest settings. A reader polls
 * the library's read in a loop; the clock starts just before the rename. Each library gets two seconds after
 * start-up before the first change (Helidon's watcher, for one, starts asynchronously and misses a change
 * made sooner, after which this harness would wait for ever).
 *
 * <pre>java -cp relive-bench/target/benchmarks.jar dev.relive.bench.PeerReloadLatency [changes-for-fast-rows]</pre>
 */
public final class PeerReloadLatency {
  /** A started library: how to read the value, and how to stop it. */
  private record Started(Supplier<String> read, AutoCloseable stop) {}

  private interface Setup {
    Started start(Path file) throws Exception;
  }

  private static String only = "";

  private PeerReloadLatency() {}

  public static void main(String[] args) throws Exception {
    int fast = args.length > 0 ? Integer.parseInt(args[0]) : 50;
    only = args.length > 1 ? args[1] : "";
    System.out.println("| library | settings | changes | p50 ms | p99 ms | max ms |");
    System.out.println("|---|---|---:|---:|---:|---:|");
    row("Relive", "default: events, 100 ms quiet period", fast, file -> {
      LiveConfig<BenchConfig> c = LiveConfig.builder(BenchConfig.class).source(ConfigSources.file(file))
          .watchFiles(true).reloadOnSighup(false).build();
      return new Started(() -> c.get().app().greeting(), c);
    });
    row("Relive", "fastest: events, quiet period 0", fast, file -> {
      LiveConfig<BenchConfig> c = LiveConfig.builder(BenchConfig.class).source(ConfigSources.file(file))
          .watchFiles(true).quietPeriod(Duration.ZERO).reloadOnSighup(false).build();
      return new Started(() -> c.get().app().greeting(), c);
    });
    row("Helidon", "default: FileSystemWatcher", fast, file -> helidon(Config.builder()
        .sources(io.helidon.config.ConfigSources.file(file).changeWatcher(FileSystemWatcher.create()))));
    row("Helidon", "fastest: polling every 1 ms", fast, file -> helidon(Config.builder()
        .sources(io.helidon.config.ConfigSources.file(file).pollingStrategy(PollingStrategies.regular(Duration.ofMillis(1)).build()))));
    row("Commons Configuration", "user guide: trigger every 1 min, detector delay 5 s", 3, file -> commons(file, 60_000, null));
    row("Commons Configuration", "fastest: trigger every 1 ms, detector delay 0", fast, file -> commons(file, 1, 0L));
    row("avaje-config", "default: config.watch.enabled (first check after 60 s, then every 10 s)", 3, PeerReloadLatency::avaje);
    row("avaje-config", "fastest: delay 0, period 1 s (whole seconds)", 10, PeerReloadLatency::avaje);
  }

  private static Started helidon(Config.Builder builder) {
    Config config = builder.disableEnvironmentVariablesSource().disableSystemPropertiesSource().build();
    return new Started(config.get("app.greeting").asString().supplier(), () -> { });
  }

  private static Started commons(Path file, long periodMillis, Long detectorDelay) {
    Parameters params = new Parameters();
    var fileParams = params.fileBased().setFile(file.toFile());
    if (detectorDelay != null) {
      fileParams.setReloadingRefreshDelay(detectorDelay);
    }
    ReloadingFileBasedConfigurationBuilder<PropertiesConfiguration> builder =
        new ReloadingFileBasedConfigurationBuilder<>(PropertiesConfiguration.class).configure(fileParams);
    PeriodicReloadingTrigger trigger = new PeriodicReloadingTrigger(builder.getReloadingController(), null, periodMillis,
        TimeUnit.MILLISECONDS);
    trigger.start();
    return new Started(() -> {
      try {
        return builder.getConfiguration().getString("app.greeting");
      } catch (ConfigurationException e) {
        throw new IllegalStateException(e);
      }
    }, trigger::shutdown);
  }

  private static Started avaje(Path file) throws Exception {
    // avaje-config keeps one global configuration, so it is measured in a fresh class loader each time.
    System.setProperty("props.file", file.toAbsolutePath().toString());
    ClassLoader isolated = new java.net.URLClassLoader(new java.net.URL[] {
        io.avaje.config.Config.class.getProtectionDomain().getCodeSource().getLocation()}, null);
    Class<?> config = Class.forName("io.avaje.config.Config", true, isolated);
    var get = config.getMethod("get", String.class);
    return new Started(() -> {
      try {
        return (String) get.invoke(null, "app.greeting");
      } catch (ReflectiveOperationException e) {
        throw new IllegalStateException(e);
      }
    }, () -> { });
  }

  private static void row(String library, String settings, int changes, Setup setup) throws Exception {
    if (!(library + " " + settings).contains(only)) {
      return;
    }
    Path dir = Files.createTempDirectory("relive-lat");
    Path file = dir.resolve("app.properties");
    boolean avaje = library.startsWith("avaje");
    String suffix = avaje ? "config.watch.enabled=true\n"
        + (settings.startsWith("fastest") ? "config.watch.delay=0\nconfig.watch.period=1\n" : "") : "";
    Peer.write(file, Peer.properties("v0") + suffix);
    Started started = setup.start(file);
    Supplier<String> read = started.read();
    // Some libraries start watching asynchronously: give every one two seconds before the first change.
    Thread.sleep(2000);
    long[] latencies = new long[changes];
    for (int i = 1; i <= changes; i++) {
      String expected = "v" + i;
      // Let file timestamps move on, for the detectors that compare modification times in milliseconds.
      long settle = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(5);
      while (System.nanoTime() < settle) {
        Thread.onSpinWait();
      }
      long start = System.nanoTime();
      Peer.write(file, Peer.properties(expected) + suffix);
      while (!expected.equals(read.get())) {
        if (System.nanoTime() - start > TimeUnit.MINUTES.toNanos(3)) {
          throw new IllegalStateException(library + " (" + settings + ") did not see change " + i);
        }
        Thread.onSpinWait();
      }
      latencies[i - 1] = System.nanoTime() - start;
    }
    started.stop().close();
    Arrays.sort(latencies);
    System.out.printf("| %s | %s | %d | %.1f | %.1f | %.1f |%n", library, settings, changes,
        percentile(latencies, 0.5), percentile(latencies, 0.99), latencies[latencies.length - 1] / 1e6);
    K8sVolume.deleteTree(dir);
  }

  private static double percentile(long[] sorted, double p) {
    int index = (int) Math.ceil(p * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, index))] / 1e6;
  }
}
