package dev.relive.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Readers never see a torn version: threads released by one latch read while a writer applies versions in
 * which {@code a == b}; invariants are checked after.
 */
class ConcurrencyTest {
  record Pair(long a, long b, String text) {}

  private static final int READERS = 3;
  private static final int VERSIONS = 1_000;
  private static final long MIN_READS = 1_000_000;

  @Test
  void readersNeverSeeATornVersion_andVersionsOnlyGoUp() throws Exception {
    InMemorySource source = new InMemorySource("pairs").set(Map.of("a", 0, "b", 0, "text", "0-0"));
    try (LiveConfig<Pair> config = LiveConfig.builder(Pair.class).source(source).build()) {
      CountDownLatch start = new CountDownLatch(1);
      AtomicBoolean writerDone = new AtomicBoolean();
      AtomicLong reads = new AtomicLong();
      AtomicLong torn = new AtomicLong();
      AtomicLong backwards = new AtomicLong();
      List<Thread> readers = new ArrayList<>();
      for (int r = 0; r < READERS; r++) {
        Thread t = new Thread(() -> {
          await(start);
          long lastVersion = 0;
          long lastA = 0;
          long n = 0;
          while (!writerDone.get() || reads.get() + n < MIN_READS) {
            Pair p = config.get();
            if (p.a() != p.b() || !p.text().equals(p.a() + "-" + p.b())) {
              torn.incrementAndGet();
            }
            ConfigSnapshot<Pair> s = config.snapshot();
            if (s.version() < lastVersion || p.a() < lastA || s.value().a() != s.value().b()) {
              backwards.incrementAndGet();
            }
            lastVersion = s.version();
            lastA = p.a();
            n++;
          }
          reads.addAndGet(n);
        });
        t.start();
        readers.add(t);
      }
      start.countDown();
      int applied = 0;
      for (int i = 1; i <= VERSIONS; i++) {
        source.set(Map.of("a", i, "b", i, "text", i + "-" + i));
        if (config.reload() instanceof ReloadEvent.Applied) {
          applied++;
        }
      }
      writerDone.set(true);
      for (Thread t : readers) {
        t.join();
      }
      assertThat(applied).isEqualTo(VERSIONS);
      assertThat(reads.get()).isGreaterThanOrEqualTo(MIN_READS);
      assertThat(torn.get()).isZero();
      assertThat(backwards.get()).isZero();
      assertThat(config.get()).isEqualTo(new Pair(VERSIONS, VERSIONS, VERSIONS + "-" + VERSIONS));
      assertThat(config.snapshot().version()).isEqualTo(VERSIONS + 1L);
    }
  }

  @Test
  void concurrentTriggers_runOneAtATime_andEndOnTheLatestContent() throws Exception {
    InMemorySource source = new InMemorySource("n").set(Map.of("a", 0, "b", 0, "text", "0-0"));
    try (LiveConfig<Pair> config = LiveConfig.builder(Pair.class).source(source).build()) {
      AtomicInteger inFlight = new AtomicInteger();
      AtomicInteger maxInFlight = new AtomicInteger();
      config.participate((old, neu) -> {
        maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
        Thread.onSpinWait();
        inFlight.decrementAndGet();
        return new Participant.Prepared() {
          @Override
          public void commit() {}

          @Override
          public void abort() {}
        };
      });
      CountDownLatch start = new CountDownLatch(1);
      List<CompletableFuture<ReloadEvent>> futures = new java.util.concurrent.CopyOnWriteArrayList<>();
      List<Thread> threads = new ArrayList<>();
      AtomicInteger counter = new AtomicInteger();
      for (int t = 0; t < 4; t++) {
        Thread thread = new Thread(() -> {
          await(start);
          for (int i = 0; i < 200; i++) {
            synchronized (source) {
              int v = counter.incrementAndGet();
              source.set(Map.of("a", v, "b", v, "text", v + "-" + v));
            }
            futures.add(config.reloadAsync("thread"));
          }
        });
        thread.start();
        threads.add(thread);
      }
      start.countDown();
      for (Thread t : threads) {
        t.join();
      }
      CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).join();
      config.reload();
      assertThat(maxInFlight.get()).isEqualTo(1);
      assertThat(config.get().a()).isEqualTo(800);
      assertThat(config.snapshot().version()).isLessThanOrEqualTo(801);
    }
  }

  private static void await(CountDownLatch latch) {
    try {
      latch.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
