package dev.relive.bench;

import dev.relive.config.LiveConfig;
import dev.relive.config.ReloadEvent;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Part 4, dispatch: one changed key among 100,000 keys with 100,000 registered listeners, one per key. The
 * time is {@code Applied.listenerTime()}: finding the affected listeners and calling them. Rows: no
 * listeners; path listeners ({@code onChange("entries.k42", ...)}); and selectors Relive cannot locate
 * ({@code onChange(c -> c.entries().get("k42"), ...)}), which it must evaluate and compare on every change.
 *
 * <pre>java -cp relive-bench/target/benchmarks.jar dev.relive.bench.DispatchScale [keys] [reloads]</pre>
 */
public final class DispatchScale {
  private DispatchScale() {}

  private static byte[] document(String[] values) {
    StringBuilder out = new StringBuilder(values.length * 24);
    for (int i = 0; i < values.length; i++) {
      out.append("entries.k").append(i).append('=').append(values[i]).append('\n');
    }
    return out.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
  }

  public static void main(String[] args) {
    int keys = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
    int reloads = args.length > 1 ? Integer.parseInt(args[1]) : 200;
    System.out.printf("%d keys, %d listeners, %d reloads with one changed key each (after %d warm-up reloads)%n%n",
        keys, keys, reloads, reloads);
    System.out.println("| listeners | p50 ms | p99 ms | max ms | calls per reload |");
    System.out.println("|---|---:|---:|---:|---:|");
    for (String kind : new String[] {"none", "path", "selector"}) {
      MemoryDocument source = new MemoryDocument("properties", MemoryDocument.properties(keys, 0, "start"));
      try (LiveConfig<ScaleBenchmark.Big> config = LiveConfig.builder(ScaleBenchmark.Big.class).source(source)
          .executor(Runnable::run).reloadOnSighup(false).historySize(2).build()) {
        AtomicLong calls = new AtomicLong();
        for (int i = 0; i < keys; i++) {
          String key = "k" + i;
          if (kind.equals("path")) {
            config.onChange("entries." + key, c -> calls.incrementAndGet());
          } else if (kind.equals("selector")) {
            config.onChange(c -> c.entries().get(key), (o, n) -> calls.incrementAndGet());
          }
        }
        String[] values = new String[keys];
        for (int i = 0; i < keys; i++) {
          values[i] = i == 0 ? "start" : "value-" + i;
        }
        int total = reloads * 2;
        long[] times = new long[reloads];
        for (int i = 0; i < total; i++) {
          values[(int) ((i * 7919L) % keys)] = "v" + i;
          source.set(document(values));
          ReloadEvent.Applied applied = (ReloadEvent.Applied) config.reload();
          if (i >= reloads) {
            times[i - reloads] = applied.listenerTime().toNanos();
          }
        }
        Arrays.sort(times);
        System.out.printf("| %s | %.3f | %.3f | %.3f | %.1f |%n", kind.equals("none") ? "none"
            : kind.equals("path") ? keys + " path listeners" : keys + " computed selectors",
            times[reloads / 2] / 1e6, times[(int) Math.ceil(reloads * 0.99) - 1] / 1e6, times[reloads - 1] / 1e6,
            (double) calls.get() / total);
      }
    }
  }
}
