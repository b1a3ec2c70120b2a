package dev.relive.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.relive.config.spi.SourceData;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * The health gate on one machine: a version after which the application turns unhealthy is rolled back by
 * the engine and not applied again until the content changes. And staging with a source's content given.
 */
class HealthGateTest {
  private static final Duration WAIT = Duration.ofSeconds(10);

  record Cfg(String name, int pool) {}

  private final InMemorySource memory = new InMemorySource("memory");
  private final AtomicReference<String> unhealthy = new AtomicReference<>();
  private final List<ReloadEvent> events = new CopyOnWriteArrayList<>();

  private LiveConfig<Cfg> start(Duration bake) {
    memory.set(Map.of("name", "one", "pool", 1));
    LiveConfig<Cfg> config = LiveConfig.builder(Cfg.class).source(memory).reloadOnSighup(false)
        .healthGate(() -> Optional.ofNullable(unhealthy.get()), bake).build();
    config.subscribe(events::add);
    return config;
  }

  @Test
  void unhealthyWithinTheBake_rollsBack_saysWhy_andTheSameContentIsNotAppliedAgain() {
    try (LiveConfig<Cfg> config = start(Duration.ofSeconds(30))) {
      memory.set(Map.of("name", "two", "pool", 2));
      assertThat(config.reload()).isInstanceOf(ReloadEvent.Applied.class);
      assertThat(config.get().name()).isEqualTo("two");

      unhealthy.set("error rate 40%");
      await().atMost(WAIT).until(() -> config.get().name().equals("one"));
      ReloadEvent.RolledBack back = (ReloadEvent.RolledBack) events.stream()
          .filter(e -> e instanceof ReloadEvent.RolledBack).findFirst().orElseThrow();
      assertThat(back.restoredVersion()).isEqualTo(1);
      assertThat(back.cause()).isEqualTo("health gate: error rate 40%");
      assertThat(config.status().degraded()).isTrue();
      assertThat(config.status().degradedReasons())
          .contains("version 2 was rolled back by the health gate: error rate 40%");

      unhealthy.set(null);
      assertThat(config.reload()).isInstanceOf(ReloadEvent.Unchanged.class); // the same bad content stays out
      assertThat(config.get().name()).isEqualTo("one");

      memory.set(Map.of("name", "three", "pool", 3));
      assertThat(config.reload()).isInstanceOf(ReloadEvent.Applied.class);
      assertThat(config.get().name()).isEqualTo("three");
      assertThat(config.status().degraded()).isFalse();
    }
  }

  @Test
  void aThrowingHealthCheckCountsAsUnhealthy_andTheFirstVersionIsNeverGated() {
    memory.set(Map.of("name", "one", "pool", 1));
    try (LiveConfig<Cfg> config = LiveConfig.builder(Cfg.class).source(memory).reloadOnSighup(false)
        .healthGate(() -> {
          throw new IllegalStateException("pool exhausted");
        }, Duration.ofSeconds(30)).build()) {
      assertThat(config.get().name()).isEqualTo("one"); // nothing to roll back to
      memory.set(Map.of("name", "two", "pool", 2));
      config.reload();
      await().atMost(WAIT).until(() -> config.get().name().equals("one"));
      assertThat(config.status().degradedReasons()).anySatisfy(r -> assertThat(r).contains("pool exhausted"));
    }
  }

  @Test
  void stageWithASourcesContentGiven_stagesThatContent_andAbortLeavesTheSourceAsItWas() {
    memory.set(Map.of("name", "one", "pool", 1));
    InMemorySource other = new InMemorySource("other");
    try (LiveConfig<Cfg> config = LiveConfig.builder(Cfg.class).source(memory).reloadOnSighup(false).build()) {
      SourceData.Document candidate = new SourceData.Document("name: staged\npool: 9\n".getBytes(StandardCharsets.UTF_8),
          "yaml", "candidate", "etcd:/relive/shop/versions/9@42");
      StagedChange<Cfg> staged = config.stage("rollout 1", Duration.ofSeconds(10), Map.of(memory, candidate));
      assertThat(staged.value()).hasValue(new Cfg("staged", 9));
      staged.abort();
      assertThat(config.get()).isEqualTo(new Cfg("one", 1));
      assertThat(config.reload()).isInstanceOf(ReloadEvent.Unchanged.class); // the source itself never changed

      StagedChange<Cfg> again = config.stage("rollout 2", Duration.ofSeconds(10), Map.of(memory, candidate));
      again.commit();
      assertThat(config.get()).isEqualTo(new Cfg("staged", 9));

      SourceData.Document broken = new SourceData.Document("pool: [9\n".getBytes(StandardCharsets.UTF_8), "yaml",
          "broken", "etcd:/relive/shop/versions/10@43");
      StagedChange<Cfg> refused = config.stage("rollout 3", Duration.ofSeconds(10), Map.of(memory, broken));
      assertThat(refused.prepared()).isFalse();
      assertThat(refused.problems()).first().asString().startsWith("etcd:/relive/shop/versions/10@43:2:1: ");

      assertThatThrownBy(() -> config.stage("x", Duration.ofSeconds(1), Map.of(other, candidate)))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("other is not a source of this config");
    }
  }
}
