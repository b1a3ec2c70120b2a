package dev.relive.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.relive.config.internal.Threads;
import dev.relive.config.internal.watch.Signals;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** OPEN, CLOSING, CLOSED: what close, pin and a refusing executor do to runs in flight and to shared threads. */
class LifecycleTest {
  record Cfg(String name) {}

  @TempDir
  Path dir;

  private final InMemorySource memory = new InMemorySource("test");

  @Test
  void aRefusingExecutor_runsTheReloadOnTheCallingThread_andNothingIsStranded() {
    AtomicInteger refused = new AtomicInteger();
    Executor full = task -> {
      refused.incrementAndGet();
      throw new RejectedExecutionException("queue full");
    };
    memory.set(Map.of("name", "one"));
    try (LiveConfig<Cfg> config = LiveConfig.builder(Cfg.class).source(memory).executor(full)
        .reloadOnSighup(false).build()) {
      for (String name : List.of("two", "three", "four")) {
        memory.set(Map.of("name", name));
        assertThat(config.reload()).isInstanceOf(ReloadEvent.Applied.class);
        assertThat(config.get().name()).isEqualTo(name);
      }
      assertThat(config.reloadAsync("async")).isCompleted();
      assertThat(refused.get()).isEqualTo(4);
    }
  }

  @Test
  void close_waitsForTheRunInFlight_whichThenDoesNotSwap_callNoListener_norWriteTheCache() throws Exception {
    Path cache = dir.resolve("cache.json");
    CountDownLatch preparing = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    List<String> calls = new CopyOnWriteArrayList<>();
    memory.set(Map.of("name", "one"));
    LiveConfig<Cfg> config = LiveConfig.builder(Cfg.class).source(memory).lastGoodCache(cache)
        .reloadOnSighup(false).build();
    String cached = Files.readString(cache);
    config.onChange(change -> calls.add("listener"));
    config.participate((current, candidate) -> {
      preparing.countDown();
      release.await(10, TimeUnit.SECONDS);
      return new Participant.Prepared() {
        @Override
        public void commit() {
          calls.add("commit");
        }

        @Override
        public void abort() {
          calls.add("abort");
        }
      };
    });
    memory.set(Map.of("name", "two"));
    CompletableFuture<ReloadEvent> inFlight = config.reloadAsync("test");
    assertThat(preparing.await(10, TimeUnit.SECONDS)).isTrue();
    CompletableFuture<Void> closing = CompletableFuture.runAsync(config::close);
    await().pollDelay(Duration.ofMillis(50)).atMost(Duration.ofSeconds(1)).until(() -> !closing.isDone());
    release.countDown();
    closing.get(10, TimeUnit.SECONDS);
    assertThat(inFlight).isCompleted();
    assertThat(inFlight.join()).isInstanceOfSatisfying(ReloadEvent.Skipped.class,
        s -> assertThat(s.reason()).isEqualTo("closed"));
    assertThat(config.get().name()).isEqualTo("one");
    assertThat(calls).containsExactly("abort");
    assertThat(Files.readString(cache)).isEqualTo(cached);
    assertThat(config.reload()).isInstanceOf(ReloadEvent.Skipped.class);
  }

  @Test
  void pin_duringARun_stopsItsSwap() throws Exception {
    CountDownLatch preparing = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    memory.set(Map.of("name", "one"));
    try (LiveConfig<Cfg> config = LiveConfig.builder(Cfg.class).source(memory).reloadOnSighup(false).build()) {
      config.participate((current, candidate) -> {
        preparing.countDown();
        release.await(10, TimeUnit.SECONDS);
        return null;
      });
      memory.set(Map.of("name", "two"));
      CompletableFuture<ReloadEvent> inFlight = config.reloadAsync("test");
      assertThat(preparing.await(10, TimeUnit.SECONDS)).isTrue();
      config.pin();
      release.countDown();
      assertThat(inFlight.get(10, TimeUnit.SECONDS)).isInstanceOfSatisfying(ReloadEvent.Skipped.class,
          s -> assertThat(s.reason()).isEqualTo("pinned"));
      assertThat(config.get().name()).isEqualTo("one");
      assertThat(config.unpin().get(10, TimeUnit.SECONDS)).isInstanceOf(ReloadEvent.Applied.class);
      assertThat(config.get().name()).isEqualTo("two");
    }
  }

  @Test
  void close_fromAListener_doesNotDeadlock() throws Exception {
    memory.set(Map.of("name", "one"));
    LiveConfig<Cfg> config = LiveConfig.builder(Cfg.class).source(memory).reloadOnSighup(false).build();
    config.onChange(change -> config.close());
    memory.set(Map.of("name", "two"));
    assertThat(config.reloadAsync("test").get(10, TimeUnit.SECONDS)).isInstanceOf(ReloadEvent.Applied.class);
    assertThat(config.reload()).isInstanceOf(ReloadEvent.Skipped.class);
  }

  @Test
  void closingTheLastConfig_releasesTheSharedThreads_theWatcher_andTheSighupHandler() {
    int leasesBefore = Threads.leases();
    Path file = Fixtures.write(dir.resolve("app.yaml"), "name: one\n");
    LiveConfig<Cfg> first = LiveConfig.builder(Cfg.class).source(ConfigSources.file(file)).watchFiles(true).build();
    LiveConfig<Cfg> second = LiveConfig.builder(Cfg.class).source(ConfigSources.file(file)).watchFiles(true).build();
    assertThat(Signals.active()).isTrue();
    assertThat(Threads.leases()).isGreaterThan(leasesBefore);
    first.close();
    assertThat(Signals.active()).isTrue();
    second.close();
    second.close();
    assertThat(Threads.leases()).isEqualTo(leasesBefore);
    if (leasesBefore == 0) {
      assertThat(Signals.active()).isFalse();
      await().atMost(Duration.ofSeconds(10)).until(() -> Thread.getAllStackTraces().keySet().stream()
          .noneMatch(t -> t.getName().startsWith("relive-") && t.isAlive()));
    }
  }
}
