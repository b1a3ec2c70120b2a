package dev.relive.admin;

import dev.relive.config.ConfigStatus;
import dev.relive.config.LiveConfig;
import dev.relive.config.ReloadEvent;
import dev.relive.config.WatchMode;
import dev.relive.config.WatchedFile;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.TimeGauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * Micrometer metrics for live configs, tagged {@code config=<name>}. In Prometheus form:
 * <ul>
 *   <li>{@code relive_reloads_total{result=applied|unchanged|rejected|rolled_back|skipped}} — pipeline runs;</li>
 *   <li>{@code relive_reload_duration_seconds} — how long runs take, by result;</li>
 *   <li>{@code relive_rejections_total{reason=sources|bind|validate|prepare}} — rejected candidates by step;</li>
 *   <li>{@code relive_config_version} — the serving version;</li>
 *   <li>{@code relive_config_last_success_seconds} — when the serving version was applied (epoch seconds);</li>
 *   <li>{@code relive_config_degraded}, {@code relive_config_pinned} — 1 or 0;</li>
 *   <li>{@code relive_listener_duration_seconds} — time in listeners per applied version;</li>
 *   <li>{@code relive_listener_failures_total} — listener, commit and subscriber calls that threw;</li>
 *   <li>{@code relive_watch_mode{file,mode=events|poll}} — 1 for the mode each file is watched in.</li>
 * </ul>
 */
public final class ReliveMetrics implements MeterBinder {
  private static final String[] RESULTS = {"applied", "unchanged", "rejected", "rolled_back", "skipped", "aborted"};

  private final Map<String, LiveConfig<?>> configs;

  /** Metrics for these configs, by name. */
  public ReliveMetrics(Map<String, ? extends LiveConfig<?>> configs) {
    this.configs = new LinkedHashMap<>(Objects.requireNonNull(configs, "configs"));
  }

  /** Metrics for one config, under its own name. */
  public static ReliveMetrics of(LiveConfig<?> config) {
    return new ReliveMetrics(Map.of(config.name(), config));
  }

  @Override
  public void bindTo(MeterRegistry registry) {
    configs.forEach((name, config) -> bind(registry, name, config));
  }

  private static void bind(MeterRegistry registry, String name, LiveConfig<?> config) {
    Tags tags = Tags.of("config", name);
    Map<String, Counter> reloads = new LinkedHashMap<>();
    Map<String, Timer> durations = new LinkedHashMap<>();
    for (String result : RESULTS) {
      reloads.put(result, Counter.builder("relive.reloads").description("Reload pipeline runs by result")
          .tags(tags).tag("result", result).register(registry));
      durations.put(result, Timer.builder("relive.reload.duration").description("Reload pipeline run time")
          .tags(tags).tag("result", result).register(registry));
    }
    Map<ReloadEvent.Stage, Counter> rejections = new LinkedHashMap<>();
    for (ReloadEvent.Stage stage : ReloadEvent.Stage.values()) {
      rejections.put(stage, Counter.builder("relive.rejections").description("Rejected candidates by the step that refused them")
          .tags(tags).tag("reason", stage.name().toLowerCase(Locale.ROOT)).register(registry));
    }
    Timer listeners = Timer.builder("relive.listener.duration").description("Time spent in listeners per applied version")
        .tags(tags).register(registry);
    Gauge.builder("relive.config.version", config, c -> c.snapshot().version()).description("Serving version")
        .tags(tags).register(registry);
    TimeGauge.builder("relive.config.last.success", config, TimeUnit.MILLISECONDS,
        c -> c.snapshot().time().toEpochMilli()).description("When the serving version was applied")
        .tags(tags).register(registry);
    Gauge.builder("relive.config.degraded", config, c -> c.status().degraded() ? 1 : 0)
        .description("1 while serving the last-good cache because the sources are broken").tags(tags).register(registry);
    Gauge.builder("relive.config.pinned", config, c -> c.status().pinned() ? 1 : 0).description("1 while pinned")
        .tags(tags).register(registry);
    FunctionCounter.builder("relive.listener.failures", config, c -> c.status().listenerFailures())
        .description("Listener, commit and subscriber calls that threw").tags(tags).register(registry);
    for (WatchedFile file : config.status().watchedFiles()) {
      for (WatchMode mode : new WatchMode[] {WatchMode.EVENTS, WatchMode.POLL}) {
        Gauge.builder("relive.watch.mode", config, c -> modeOf(c, file) == mode ? 1 : 0)
            .description("1 for the way each file is watched").tags(tags).tag("file", file.path().toString())
            .tag("mode", mode == WatchMode.EVENTS ? "events" : "poll").register(registry);
      }
    }
    // What happened before binding (the first version, a rejection at start-up) counts too, so that these
    // counters and status().applied()/rejected() agree.
    ConfigStatus before = config.status();
    Objects.requireNonNull(reloads.get("applied")).increment((double) before.applied());
    Objects.requireNonNull(reloads.get("rejected")).increment((double) before.rejected());
    config.subscribe(event -> {
      String result = event.kind();
      Objects.requireNonNull(reloads.get(result), result).increment();
      Objects.requireNonNull(durations.get(result), result).record(event.duration());
      if (event instanceof ReloadEvent.Rejected r) {
        Objects.requireNonNull(rejections.get(r.stage())).increment();
      } else if (event instanceof ReloadEvent.Applied a) {
        listeners.record(a.listenerTime());
      } else if (event instanceof ReloadEvent.RolledBack r) {
        listeners.record(r.listenerTime());
      }
    });
  }

  private static WatchMode modeOf(LiveConfig<?> config, WatchedFile file) {
    return config.status().watchedFiles().stream().filter(f -> f.path().equals(file.path())).findFirst()
        .map(WatchedFile::mode).orElse(WatchMode.AUTO);
  }

}
