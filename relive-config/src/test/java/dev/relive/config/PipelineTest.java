package dev.relive.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Versions, unchanged content, layering, history, rollback, pinning, coalescing, listeners and the cache. */
class PipelineTest {
  record Db(String url, int pool) {}

  record Cfg(String name, Db db, @Default("1") int replicas) {}

  @TempDir
  Path dir;

  private final InMemorySource memory = new InMemorySource("test");

  private LiveConfig<Cfg> start(Map<String, ?> values) {
    memory.set(values);
    return LiveConfig.builder(Cfg.class).source(memory).executor(Runnable::run).build();
  }

  private static Map<String, Object> cfg(String name, String url, int pool) {
    return Map.of("name", name, "db.url", url, "db.pool", pool);
  }

  @Test
  void versionsAreMonotonic_andSameContentIsUnchanged() {
    try (LiveConfig<Cfg> config = start(cfg("a", "u1", 1))) {
      ConfigSnapshot<Cfg> first = config.snapshot();
      assertThat(first.version()).isEqualTo(1);
      assertThat(first.cause()).isEqualTo("initial");
      assertThat(config.reload()).isInstanceOf(ReloadEvent.Unchanged.class);
      memory.set(cfg("a", "u1", 1));
      assertThat(config.reload()).isInstanceOf(ReloadEvent.Unchanged.class);
      assertThat(config.snapshot()).isSameAs(first);
      memory.set(cfg("a", "u2", 1));
      ReloadEvent.Applied applied = (ReloadEvent.Applied) config.reload();
      assertThat(applied.version()).isEqualTo(2);
      assertThat(applied.previousVersion()).isEqualTo(1);
      assertThat(applied.changedPaths()).containsExactly("db.url");
      assertThat(applied.hash()).isEqualTo(config.snapshot().hash()).isNotEqualTo(first.hash());
      assertThat(config.get().db().url()).isEqualTo("u2");
      assertThat(config.snapshot().origin("db.url").toString()).isEqualTo("memory:test:db.url");
    }
  }

  @Test
  void reformattingAFile_isUnchanged_butRemovingAKeyRemovesIt() throws Exception {
    Path file = Fixtures.write(dir.resolve("c.yaml"), "name: a\ndb: {url: u, pool: 2}\nreplicas: 3\n");
    try (LiveConfig<Cfg> config = LiveConfig.builder(Cfg.class).source(ConfigSources.file(file)).executor(Runnable::run).build()) {
      Fixtures.write(file, "# same content, new layout\nreplicas: 3\ndb:\n  pool: 2\n  url: u\nname: a\n");
      assertThat(config.reload()).isInstanceOf(ReloadEvent.Unchanged.class);
      Fixtures.write(file, "name: a\ndb: {url: u, pool: 2}\n");
      assertThat(config.reload()).isInstanceOfSatisfying(ReloadEvent.Applied.class,
          a -> assertThat(a.changedPaths()).containsExactly("replicas"));
      assertThat(config.get().replicas()).isEqualTo(1);
      assertThat(config.snapshot().tree().find("replicas")).isEmpty();
    }
  }

  @Test
  void laterSourcesWin_keyByKey_andMissingOptionalFilesAreEmptyLayers() {
    Path base = Fixtures.write(dir.resolve("base.yaml"), "name: base\ndb: {url: base-url, pool: 5}\n");
    Path prod = dir.resolve("prod.yaml");
    System.setProperty("relivetest.db.pool", "9");
    try (LiveConfig<Cfg> config = LiveConfig.builder(Cfg.class)
        .source(ConfigSources.file(base))
        .source(ConfigSources.optionalFile(prod))
        .source(ConfigSources.env("APP", Map.of("APP_DB_URL", "env-url", "OTHER_DB_URL", "x")))
        .source(ConfigSources.systemProperties("relivetest"))
        .executor(Runnable::run).build()) {
      assertThat(config.get()).isEqualTo(new Cfg("base", new Db("env-url", 9), 1));
      assertThat(config.snapshot().origin("db.url").toString()).isEqualTo("env:APP_DB_URL");
      assertThat(config.snapshot().origin("db.pool").toString()).isEqualTo("sysprop:relivetest.db.pool");
      assertThat(config.snapshot().stamps()).extracting(SourceStamp::present).containsExactly(true, false, true, true);
      Fixtures.write(prod, "name: prod\n");
      assertThat(config.reload()).isInstanceOfSatisfying(ReloadEvent.Applied.class,
          a -> assertThat(a.changedPaths()).containsExactly("name"));
      assertThat(config.get().name()).isEqualTo("prod");
      assertThat(config.snapshot().origin("name").toString()).isEqualTo(prod + ":1:7");
    } finally {
      System.clearProperty("relivetest.db.pool");
    }
  }

  @Test
  void classpathSource_readsResources_andAMissingRequiredOneFailsStartUp() {
    try (LiveConfig<ConfigTree> config = LiveConfig.builder(ConfigTree.class)
        .source(ConfigSources.classpath("equiv/app.yaml")).source(ConfigSources.optionalClasspath("nope.yaml")).build()) {
      assertThat(config.get().getString("db.url")).contains("jdbc:postgresql://db:5432/shop");
      assertThat(config.snapshot().origin("db.url").toString()).isEqualTo("classpath:equiv/app.yaml:4:8");
    }
    assertThatThrownBy(() -> LiveConfig.builder(ConfigTree.class).source(ConfigSources.classpath("nope.yaml")).build())
        .isInstanceOf(ConfigException.class).hasMessage("classpath:nope.yaml: required resource does not exist");
  }

  @Test
  void startUp_withBrokenSources_andNoCache_listsEveryProblem() {
    Path a = Fixtures.write(dir.resolve("a.yaml"), "name: [\n");
    Path b = Fixtures.write(dir.resolve("b.json"), "{\"x\": 1, \"x\": 2}");
    assertThatThrownBy(() -> LiveConfig.builder(Cfg.class).source(ConfigSources.file(a)).source(ConfigSources.file(b)).build())
        .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems()).hasSize(2)
            .anySatisfy(p -> assertThat(p.origin().source()).isEqualTo(a.toString()))
            .anySatisfy(p -> assertThat(p.origin().toString()).isEqualTo(b + ":1:10")));
  }

  @Test
  void history_isBounded_andRollbackRunsThePipeline_andHoldsUntilTheSourcesChange() {
    try (LiveConfig<Cfg> config = LiveConfig.builder(Cfg.class).source(memory.set(cfg("a", "u1", 1)))
        .historySize(3).executor(Runnable::run).build()) {
      for (int i = 2; i <= 5; i++) {
        memory.set(cfg("a", "u" + i, 1));
        config.reload();
      }
      assertThat(config.history()).extracting(ConfigSnapshot::version).containsExactly(5L, 4L, 3L);
      assertThatThrownBy(() -> config.rollback(1)).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("version 1 is not in the history").hasMessageContaining("3..5");

      List<String> seen = new CopyOnWriteArrayList<>();
      config.onChange(change -> seen.add(change.current().value().db().url()));
      ReloadEvent.RolledBack rolledBack = (ReloadEvent.RolledBack) config.rollback(3);
      assertThat(rolledBack.version()).isEqualTo(6);
      assertThat(rolledBack.restoredVersion()).isEqualTo(3);
      assertThat(rolledBack.changedPaths()).containsExactly("db.url");
      assertThat(config.get().db().url()).isEqualTo("u3");
      assertThat(seen).containsExactly("u3");
      // The sources still hold u5; a reload does not undo the rollback until they change.
      assertThat(config.reload()).isInstanceOf(ReloadEvent.Unchanged.class);
      assertThat(config.get().db().url()).isEqualTo("u3");
      memory.set(cfg("a", "u7", 1));
      assertThat(config.reload()).isInstanceOf(ReloadEvent.Applied.class);
      assertThat(config.get().db().url()).isEqualTo("u7");
    }
  }

  @Test
  void rollbackThroughAFailingParticipant_isRejected_andTheCurrentVersionServes() {
    try (LiveConfig<Cfg> config = start(cfg("a", "u1", 1))) {
      memory.set(cfg("a", "u2", 1));
      config.reload();
      config.participate(Cfg::db, (old, neu) -> {
        throw new IllegalStateException("cannot connect to " + neu.db().url());
      });
      ReloadEvent.Rejected rejected = (ReloadEvent.Rejected) config.rollback(1);
      assertThat(rejected.stage()).isEqualTo(ReloadEvent.Stage.PREPARE);
      assertThat(rejected.problems().get(0).message()).contains("cannot connect to u1");
      assertThat(rejected.problems().get(0).path()).isEqualTo("db");
      assertThat(config.get().db().url()).isEqualTo("u2");
    }
  }

  @Test
  void pin_freezesTheConfig_andUnpinCatchesUp() {
    try (LiveConfig<Cfg> config = start(cfg("a", "u1", 1))) {
      config.pin();
      memory.set(cfg("a", "u2", 1));
      assertThat(config.reload()).isInstanceOfSatisfying(ReloadEvent.Skipped.class, s -> assertThat(s.reason()).isEqualTo("pinned"));
      assertThat(config.rollback(1)).isInstanceOf(ReloadEvent.Skipped.class);
      assertThat(config.status().pinned()).isTrue();
      assertThat(config.get().db().url()).isEqualTo("u1");
      assertThat(config.unpin().join()).isInstanceOf(ReloadEvent.Applied.class);
      assertThat(config.get().db().url()).isEqualTo("u2");
      assertThat(config.status().pinned()).isFalse();
    }
  }

  @Test
  void selectorListeners_fireOnlyWhenTheirPartChanged_inRegistrationOrder() {
    try (LiveConfig<Cfg> config = start(cfg("a", "u1", 1))) {
      List<String> calls = new ArrayList<>();
      config.onChange(c -> calls.add("all"));
      config.onChange(Cfg::db, (o, n) -> calls.add("db " + o.url() + "->" + n.url()));
      config.onChange(Cfg::name, (o, n) -> calls.add("name " + o + "->" + n));
      config.onChange(c -> c.db().pool() * 2, (o, n) -> calls.add("pool*2 " + o + "->" + n));
      Registration removed = config.onChange(Cfg::db, (o, n) -> calls.add("removed"));
      removed.close();

      memory.set(cfg("b", "u1", 1));
      config.reload();
      assertThat(calls).containsExactly("all", "name a->b");
      calls.clear();
      memory.set(cfg("b", "u2", 2));
      config.reload();
      assertThat(calls).containsExactly("all", "db u1->u2", "pool*2 2->4");
    }
  }

  @Test
  void pathListeners_fireForTheirPathOrAnythingUnderIt() {
    try (LiveConfig<Cfg> config = start(cfg("a", "u1", 1))) {
      List<String> calls = new ArrayList<>();
      config.onChange("db", c -> calls.add("db"));
      config.onChange("db.url", c -> calls.add("db.url"));
      config.onChange("name", c -> calls.add("name"));
      memory.set(cfg("a", "u2", 1));
      config.reload();
      assertThat(calls).containsExactly("db", "db.url");
      calls.clear();
      memory.set(cfg("a", "u2", 3));
      config.reload();
      assertThat(calls).containsExactly("db");
      assertThatThrownBy(() -> config.onChange("db..url", c -> { })).isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Test
  void dryRun_reportsProblemsOrChanges_andAppliesNothing() {
    try (LiveConfig<Cfg> config = start(cfg("a", "u1", 1))) {
      DryRun bad = config.dryRun("name: a\ndb: {url: u, pool: lots}\n".getBytes(java.nio.charset.StandardCharsets.UTF_8), "yaml");
      assertThat(bad.valid()).isFalse();
      assertThat(bad.problems()).extracting(Problem::toString).containsExactly("candidate.yaml:2:20: db.pool: must be a whole number, was 'lots'");
      DryRun good = config.dryRun("{\"name\": \"b\", \"db\": {\"url\": \"u1\", \"pool\": 1}}".getBytes(java.nio.charset.StandardCharsets.UTF_8), "json");
      assertThat(good.valid()).isTrue();
      assertThat(good.changes()).extracting(ConfigTree.ValueChange::path).containsExactly("name");
      assertThat(config.snapshot().version()).isEqualTo(1);
      assertThat(config.dryRun(new byte[] {1}, "ini").problems().get(0).message()).contains("unknown format 'ini'");
    }
  }

  @Test
  void participants_prepareBeforeTheSwap_andCommitAfterIt() {
    try (LiveConfig<Cfg> config = start(cfg("a", "u1", 1))) {
      List<String> calls = new ArrayList<>();
      config.participate(Cfg::db, (old, neu) -> {
        calls.add("prepare pool for " + neu.db().url() + " while serving " + config.get().db().url());
        return new Participant.Prepared() {
          @Override
          public void commit() {
            calls.add("commit, serving " + config.get().db().url());
          }

          @Override
          public void abort() {
            calls.add("abort");
          }
        };
      });
      memory.set(cfg("b", "u1", 1));
      config.reload();
      assertThat(calls).isEmpty();
      memory.set(cfg("b", "u2", 1));
      config.reload();
      assertThat(calls).containsExactly("prepare pool for u2 while serving u1", "commit, serving u2");
    }
  }

  @Test
  void listenerOnAnExecutor_runsThere() {
    List<Runnable> queued = new ArrayList<>();
    Executor manual = queued::add;
    try (LiveConfig<Cfg> config = start(cfg("a", "u1", 1))) {
      List<String> calls = new ArrayList<>();
      config.onChange(c -> calls.add(c.current().value().name()), manual);
      memory.set(cfg("b", "u1", 1));
      config.reload();
      assertThat(calls).isEmpty();
      queued.forEach(Runnable::run);
      assertThat(calls).containsExactly("b");
    }
  }

  @Test
  void slowListeners_areCounted_withAnInjectedTicker() {
    AtomicLong nanos = new AtomicLong();
    memory.set(cfg("a", "u1", 1));
    try (LiveConfig<Cfg> config = LiveConfig.builder(Cfg.class).source(memory).executor(Runnable::run)
        .ticker(nanos::get).slowListenerThreshold(java.time.Duration.ofMillis(100)).build()) {
      config.onChange(c -> nanos.addAndGet(150_000_000L));
      config.onChange(c -> nanos.addAndGet(1_000_000L));
      memory.set(cfg("b", "u1", 1));
      config.reload();
      assertThat(config.status().slowListeners()).isEqualTo(1);
    }
  }

  @Test
  void triggersWhileAReloadIsQueued_coalesceIntoOneRun() {
    List<Runnable> queued = new ArrayList<>();
    memory.set(cfg("a", "u1", 1));
    LiveConfig<Cfg> config = LiveConfig.builder(Cfg.class).source(memory).executor(queued::add).build();
    List<ReloadEvent> events = new ArrayList<>();
    config.subscribe(events::add);
    memory.set(cfg("a", "u2", 1));
    CompletableFuture<ReloadEvent> first = config.reloadAsync("one");
    CompletableFuture<ReloadEvent> second = config.reloadAsync("two");
    CompletableFuture<ReloadEvent> third = config.reloadAsync("three");
    assertThat(second).isSameAs(first);
    assertThat(third).isSameAs(first);
    assertThat(queued).hasSize(1);
    queued.remove(0).run();
    assertThat(first.join()).isInstanceOf(ReloadEvent.Applied.class);
    assertThat(events).hasSize(1);
    assertThat(config.snapshot().version()).isEqualTo(2);
    config.close();
  }

  @Test
  void reloadFromAListenerOfTheSameConfig_failsFast_insteadOfDeadlocking() {
    try (LiveConfig<Cfg> config = start(cfg("a", "u1", 1))) {
      List<Throwable> failures = new ArrayList<>();
      config.onChange(c -> {
        try {
          config.reload();
        } catch (IllegalStateException e) {
          failures.add(e);
        }
      });
      memory.set(cfg("b", "u1", 1));
      config.reloadAsync("test");
      assertThat(failures).singleElement().satisfies(e -> assertThat(e).hasMessageContaining("reloadAsync"));
    }
  }

  @Test
  void lastGoodCache_isWrittenAtomically_andServesWhenSourcesAreBrokenAtStartUp() throws Exception {
    Path file = Fixtures.write(dir.resolve("c.yaml"), "name: good\ndb: {url: u, pool: 3}\n");
    Path cache = dir.resolve("state/last-good.json");
    try (LiveConfig<Cfg> config = LiveConfig.builder(Cfg.class).source(ConfigSources.file(file)).lastGoodCache(cache)
        .executor(Runnable::run).build()) {
      assertThat(cache).exists();
      assertThat(Files.getPosixFilePermissions(cache)).extracting(Object::toString)
          .containsExactlyInAnyOrder("OWNER_READ", "OWNER_WRITE");
      assertThat(config.status().degraded()).isFalse();
    }
    Fixtures.write(file, "name: [broken\n");
    try (LiveConfig<Cfg> config = LiveConfig.builder(Cfg.class).source(ConfigSources.file(file)).lastGoodCache(cache)
        .executor(Runnable::run).build()) {
      assertThat(config.get()).isEqualTo(new Cfg("good", new Db("u", 3), 1));
      ConfigStatus status = config.status();
      assertThat(status.degraded()).isTrue();
      assertThat(status.lastRejection()).hasValueSatisfying(r -> assertThat(r.problems().get(0).origin().source())
          .isEqualTo(file.toString()));
      assertThat(config.snapshot().cause()).startsWith("last-good cache");
      // Fixing the sources, even with the same content, clears the degraded state.
      Fixtures.write(file, "name: good\ndb: {url: u, pool: 3}\n");
      assertThat(config.reload()).isInstanceOf(ReloadEvent.Applied.class);
      assertThat(config.status().degraded()).isFalse();
    }
    assertThat(Files.list(cache.getParent())).extracting(p -> p.getFileName().toString()).containsExactly("last-good.json");
  }

  @Test
  void status_reportsTheLastResult_andCounts() {
    try (LiveConfig<Cfg> config = start(cfg("a", "u1", 1))) {
      memory.set(Map.of("name", "a"));
      config.reload();
      memory.set(cfg("a", "u2", 1));
      config.reload();
      ConfigStatus status = config.status();
      assertThat(status.name()).isEqualTo("Cfg");
      assertThat(status.servingVersion()).isEqualTo(2);
      assertThat(status.applied()).isEqualTo(2);
      assertThat(status.rejected()).isEqualTo(1);
      assertThat(status.lastResult()).containsInstanceOf(ReloadEvent.Applied.class);
      assertThat(status.lastRejection()).hasValueSatisfying(r -> assertThat(r.problems()).extracting(Problem::path)
          .containsExactly("db.url", "db.pool"));
    }
  }

  @Test
  void builder_failsFast_onUnsupportedTypesAndBadArguments() {
    record Bad(Object thing) {}
    assertThatThrownBy(() -> LiveConfig.builder(Bad.class)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("thing: cannot bind to java.lang.Object");
    assertThatThrownBy(() -> LiveConfig.builder(String.class)).hasMessageContaining("must be a record");
    assertThatThrownBy(() -> LiveConfig.builder(Cfg.class).build()).hasMessageContaining("at least one source");
    assertThatThrownBy(() -> LiveConfig.builder(Cfg.class).historySize(0)).hasMessage("historySize must be >= 1, was 0");
  }
}
