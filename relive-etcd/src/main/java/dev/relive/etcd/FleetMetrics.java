package dev.relive.etcd;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Rollout metrics on Micrometer, tagged {@code app}. Give it to {@link FleetMember.Builder#events} and
 * {@link Coordinator.Builder#events(FleetEvents)}, and bind it to the registry. In Prometheus form:
 * <ul>
 *   <li>{@code relive_fleet_votes_total{result=ok|nack}}, {@code relive_fleet_prepare_seconds} — a node's votes,
 *       and how long it took to stage the candidate;</li>
 *   <li>{@code relive_fleet_decisions_total{decision=commit|abort}} — what a node did with what it staged;</li>
 *   <li>{@code relive_rollouts_total{result=done|aborted|rolled_back, cause}} — a coordinator's rollouts, with why
 *       they did not finish ({@code nack}, {@code timeout}, {@code lost}, {@code unhealthy}, {@code operator},
 *       {@code coordinator}, {@code no-target});</li>
 *   <li>{@code relive_rollout_prepare_seconds}, {@code relive_rollout_commit_seconds} — per committed step.</li>
 * </ul>
 * Needs micrometer-core on the class path (an optional dependency of relive-etcd).
 */
public final class FleetMetrics implements FleetEvents, MeterBinder {
  private final String app;
  private volatile @Nullable MeterRegistry registry;

  /** Metrics for {@code app}. */
  public FleetMetrics(String app) {
    this.app = Objects.requireNonNull(app, "app");
  }

  @Override
  public void bindTo(MeterRegistry meterRegistry) {
    this.registry = meterRegistry;
    for (String result : new String[] {"ok", "nack"}) {
      Counter.builder("relive.fleet.votes").tag("app", app).tag("result", result).register(meterRegistry);
    }
  }

  @Override
  public void voted(String rollout, boolean ok, Duration prepare) {
    MeterRegistry r = registry;
    if (r != null) {
      r.counter("relive.fleet.votes", "app", app, "result", ok ? "ok" : "nack").increment();
      Timer.builder("relive.fleet.prepare").tag("app", app).register(r).record(prepare);
    }
  }

  @Override
  public void decided(String rollout, boolean committed) {
    MeterRegistry r = registry;
    if (r != null) {
      r.counter("relive.fleet.decisions", "app", app, "decision", committed ? "commit" : "abort").increment();
    }
  }

  @Override
  public void stepCommitted(String rollout, int step, Duration prepare, Duration commit) {
    MeterRegistry r = registry;
    if (r != null) {
      Timer.builder("relive.rollout.prepare").tag("app", app).register(r).record(prepare);
      Timer.builder("relive.rollout.commit").tag("app", app).register(r).record(commit);
    }
  }

  @Override
  public void ended(String rollout, String state, String cause, Duration total) {
    MeterRegistry r = registry;
    if (r != null) {
      r.counter("relive.rollouts", "app", app, "result", state.toLowerCase(Locale.ROOT), "cause", cause).increment();
    }
  }
}
