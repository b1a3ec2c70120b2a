package dev.relive.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The two-phase apply: stage holds a prepared candidate; commit swaps it in; abort leaves all as it was. */
class StageCommitTest {
  record Cfg(String name, int pool) {}

  private final InMemorySource memory = new InMemorySource("test");
  private final List<String> calls = new CopyOnWriteArrayList<>();

  private LiveConfig<Cfg> start() {
    memory.set(Map.of("name", "one", "pool", 1));
    LiveConfig<Cfg> config = LiveConfig.builder(Cfg.class).source(memory).reloadOnSighup(false).build();
    config.participate((current, candidate) -> {
      calls.add("prepare " + candidate.name());
      return new Participant.Prepared() {
        @Override
        public void commit() {
          calls.add("commit " + candidate.name());
        }

        @Override
        public void abort() {
          calls.add("abort " + candidate.name());
        }
      };
    });
    config.onChange(change -> calls.add("listener " + change.current().value().name()));
    return config;
  }

  @Test
  void abort_leavesTheServingVersionAndParticipantsUntouched() {
    try (LiveConfig<Cfg> config = start()) {
      ConfigSnapshot<Cfg> before = config.snapshot();
      memory.set(Map.of("name", "two", "pool", 2));
      StagedChange<Cfg> staged = config.stage("test");
      assertThat(staged.prepared()).isTrue();
      assertThat(staged.version()).isEqualTo(2);
      assertThat(staged.changedPaths()).containsExactlyInAnyOrder("name", "pool");
      assertThat(staged.value()).contains(new Cfg("two", 2));
      assertThat(config.get().name()).isEqualTo("one");
      assertThat(config.status().staged()).isTrue();
      assertThat(calls).containsExactly("prepare two");

      ReloadEvent aborted = staged.abort();
      assertThat(aborted).isInstanceOf(ReloadEvent.Aborted.class);
      assertThat(config.snapshot()).isSameAs(before);
      assertThat(config.history()).containsExactly(before);
      assertThat(calls).containsExactly("prepare two", "abort two");
      assertThat(config.status().staged()).isFalse();
      assertThat(staged.commit()).isSameAs(aborted);
      assertThat(staged.outcome()).containsSame(aborted);
    }
  }

  @Test
  void commit_afterTheSourcesChanged_commitsWhatWasStaged_thenTheChangeFollows() {
    try (LiveConfig<Cfg> config = start()) {
      memory.set(Map.of("name", "two", "pool", 2));
      StagedChange<Cfg> staged = config.stage("test");
      memory.set(Map.of("name", "three", "pool", 3));
      CompletableFuture<ReloadEvent> queued = config.reloadAsync("meanwhile");
      assertThat(queued).isNotDone();
      ReloadEvent committed = staged.commit();
      assertThat(committed).isInstanceOfSatisfying(ReloadEvent.Applied.class, a -> assertThat(a.version()).isEqualTo(2));
      assertThat(queued.join()).isInstanceOfSatisfying(ReloadEvent.Applied.class,
          a -> assertThat(a.version()).isEqualTo(3));
      assertThat(config.get().name()).isEqualTo("three");
      assertThat(config.history()).extracting(h -> h.value().name()).containsExactly("three", "two", "one");
      assertThat(calls).containsExactly("prepare two", "commit two", "listener two", "prepare three", "commit three",
          "listener three");
    }
  }

  @Test
  void aSecondStage_whileOneIsHeld_failsClearly() {
    try (LiveConfig<Cfg> config = start()) {
      memory.set(Map.of("name", "two", "pool", 2));
      try (StagedChange<Cfg> staged = config.stage("first")) {
        assertThatThrownBy(() -> config.stage("second")).isInstanceOf(IllegalStateException.class)
            .hasMessageContaining("a staged change is already held (version 2)");
        assertThat(staged.prepared()).isTrue();
      }
      assertThat(config.get().name()).isEqualTo("one");
      assertThat(config.stage("third").commit()).isInstanceOf(ReloadEvent.Applied.class);
      assertThat(config.get().name()).isEqualTo("two");
    }
  }

  @Test
  void aCandidateThatCannotBeStaged_saysWhy_andHoldsNothing() {
    try (LiveConfig<Cfg> config = start()) {
      StagedChange<Cfg> unchanged = config.stage("same");
      assertThat(unchanged.prepared()).isFalse();
      assertThat(unchanged.outcome()).containsInstanceOf(ReloadEvent.Unchanged.class);
      memory.set(Map.of("name", "two", "pool", "many"));
      StagedChange<Cfg> rejected = config.stage("bad");
      assertThat(rejected.prepared()).isFalse();
      assertThat(rejected.problems()).extracting(Problem::toString)
          .containsExactly("memory:test:pool: pool: must be a whole number, was 'many'");
      assertThat(rejected.commit()).isInstanceOf(ReloadEvent.Rejected.class);
      assertThat(config.status().staged()).isFalse();
      assertThat(config.reload()).isInstanceOf(ReloadEvent.Rejected.class);
    }
  }

  @Test
  void aHeldCandidate_isAbortedAtItsTimeout_andReloadsGoOn() {
    try (LiveConfig<Cfg> config = start()) {
      memory.set(Map.of("name", "two", "pool", 2));
      StagedChange<Cfg> staged = config.stage("slow", Duration.ofMillis(50));
      await().atMost(10, TimeUnit.SECONDS).until(() -> staged.outcome().isPresent());
      assertThat(staged.outcome()).get().isInstanceOfSatisfying(ReloadEvent.Aborted.class,
          a -> assertThat(a.reason()).isEqualTo("not committed within PT0.05S"));
      assertThat(calls).containsExactly("prepare two", "abort two");
      assertThat(config.reload()).isInstanceOf(ReloadEvent.Applied.class);
    }
  }

  @Test
  void close_abortsAHeldCandidate() {
    LiveConfig<Cfg> config = start();
    memory.set(Map.of("name", "two", "pool", 2));
    StagedChange<Cfg> staged = config.stage("held");
    config.close();
    assertThat(staged.outcome()).get().isInstanceOf(ReloadEvent.Aborted.class);
    assertThat(calls).containsExactly("prepare two", "abort two");
    assertThat(config.get().name()).isEqualTo("one");
    assertThat(staged.commit()).isInstanceOf(ReloadEvent.Aborted.class);
  }

  @Test
  void pin_afterStaging_makesTheCommitASkip_andAbortsTheParticipants() {
    try (LiveConfig<Cfg> config = start()) {
      memory.set(Map.of("name", "two", "pool", 2));
      StagedChange<Cfg> staged = config.stage("held");
      config.pin();
      assertThat(staged.commit()).isInstanceOfSatisfying(ReloadEvent.Skipped.class,
          s -> assertThat(s.reason()).isEqualTo("pinned"));
      assertThat(calls).containsExactly("prepare two", "abort two");
      assertThat(config.get().name()).isEqualTo("one");
    }
  }
}
