package dev.relive.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.relive.config.internal.watch.FileWatcher;
import dev.relive.config.spi.ConfigSource;
import dev.relive.config.spi.SourceData;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Watching never silently stops: directory swaps by symlink and by rename, busy writers, a failing watcher
 * thread, a failed registration, the start-up gap and a rollback racing a write. The safety reload is set to
 * an hour in each, so only the mechanism under test can make the change seen.
 */
class WatchRecoveryTest {
  record Cfg(String greeting) {}

  @TempDir
  Path dir;

  private LiveConfig.Builder<Cfg> watching(Path file) {
    return LiveConfig.builder(Cfg.class).source(ConfigSources.file(file)).watchFiles(true)
        .watchMode(WatchMode.EVENTS).quietPeriod(Duration.ofMillis(30)).safetyInterval(Duration.ofHours(1))
        .reloadOnSighup(false);
  }

  @ParameterizedTest
  @EnumSource(value = WatchMode.class, names = {"EVENTS", "POLL"})
  void aSymlinkedDirectorySwappedWithLnSfn_isSeen(WatchMode mode) throws Exception {
    Path one = Files.createDirectories(dir.resolve("releases/1"));
    Path two = Files.createDirectories(dir.resolve("releases/2"));
    Fixtures.write(one.resolve("app.yaml"), "greeting: one\n");
    Fixtures.write(two.resolve("app.yaml"), "greeting: two\n");
    Path current = Files.createSymbolicLink(dir.resolve("current"), Path.of("releases/1"));
    try (LiveConfig<Cfg> config = watching(current.resolve("app.yaml")).watchMode(mode)
        .pollInterval(Duration.ofMillis(50)).build()) {
      lnSfn("releases/2", current);
      await().atMost(Duration.ofSeconds(10)).until(() -> config.get().greeting().equals("two"));
      // and ordinary edits of the new release are seen too
      Fixtures.write(two.resolve("app.yaml"), "greeting: two-edited\n");
      await().atMost(Duration.ofSeconds(10)).until(() -> config.get().greeting().equals("two-edited"));
      lnSfn("releases/1", current);
      await().atMost(Duration.ofSeconds(10)).until(() -> config.get().greeting().equals("one"));
    }
  }

  @ParameterizedTest
  @EnumSource(value = WatchMode.class, names = {"EVENTS", "POLL"})
  void aConfigDirectoryReplacedByRename_isSeen_andSoAreLaterEdits(WatchMode mode) throws Exception {
    Path conf = Files.createDirectories(dir.resolve("conf"));
    Fixtures.write(conf.resolve("app.yaml"), "greeting: one\n");
    try (LiveConfig<Cfg> config = watching(conf.resolve("app.yaml")).watchMode(mode)
        .pollInterval(Duration.ofMillis(50)).build()) {
      Path next = Files.createDirectories(dir.resolve("conf.new"));
      Fixtures.write(next.resolve("app.yaml"), "greeting: two\n");
      Files.move(conf, dir.resolve("conf.old"), StandardCopyOption.ATOMIC_MOVE);
      Files.move(next, conf, StandardCopyOption.ATOMIC_MOVE);
      await().atMost(Duration.ofSeconds(10)).until(() -> config.get().greeting().equals("two"));
      // The old directory still exists under another name; edits to it must not count, edits to conf must.
      Fixtures.write(dir.resolve("conf.old/app.yaml"), "greeting: stale\n");
      Fixtures.write(conf.resolve("app.yaml"), "greeting: three\n");
      await().atMost(Duration.ofSeconds(10)).until(() -> config.get().greeting().equals("three"));
    }
  }

  @Test
  void aWatchedDirectoryReplacedWithoutAnyEvent_isRegisteredAgainAtTheSafetyTick_andStatusSaysSo() throws Exception {
    // No thread takes events here: only the safety tick can notice that conf is another directory now.
    FileWatcher watcher = new FileWatcher(WatchRecoveryTest::newService, Clock.systemUTC(), false);
    Path conf = Files.createDirectories(dir.resolve("conf"));
    Fixtures.write(conf.resolve("app.yaml"), "greeting: one\n");
    try (LiveConfig<Cfg> config = watching(conf.resolve("app.yaml")).watcher(watcher)
        .safetyInterval(Duration.ofMillis(50)).build()) {
      Path next = Files.createDirectories(dir.resolve("conf.new"));
      Fixtures.write(next.resolve("app.yaml"), "greeting: two\n");
      Files.move(conf, dir.resolve("conf.old"), StandardCopyOption.ATOMIC_MOVE);
      Files.move(next, conf, StandardCopyOption.ATOMIC_MOVE);
      await().atMost(Duration.ofSeconds(10)).until(() -> config.get().greeting().equals("two")
          && !config.status().watchedFiles().get(0).notes().isEmpty());
      assertThat(config.status().watchedFiles().get(0).notes()).singleElement().asString()
          .endsWith("registered " + conf.toRealPath() + " again: the directory was replaced");
    }
  }

  @Test
  void aWriterThatNeverPauses_stillReloadsWithinTheMaximumWait() throws Exception {
    Path file = Fixtures.write(dir.resolve("busy.yaml"), "greeting: 0\n");
    AtomicBoolean writing = new AtomicBoolean(true);
    try (LiveConfig<Cfg> config = watching(file).quietPeriod(Duration.ofMillis(100)).maxWait(Duration.ofMillis(300))
        .build()) {
      Thread writer = new Thread(() -> {
        for (int i = 1; writing.get(); i++) {
          Fixtures.write(file, "greeting: " + i + "\n");
          try {
            Thread.sleep(20);
          } catch (InterruptedException e) {
            return;
          }
        }
      });
      writer.start();
      try {
        // The writer pauses 20 ms at most, never the 100 ms quiet period: only the maximum wait reloads.
        await().atMost(Duration.ofSeconds(10)).until(() -> !config.get().greeting().equals("0"));
        await().atMost(Duration.ofSeconds(10)).until(() -> config.snapshot().version() >= 3);
        assertThat(writer.isAlive()).isTrue();
      } finally {
        writing.set(false);
        writer.join(10_000);
      }
    }
  }

  @Test
  void anErrorInTheWatcherLoop_doesNotStopWatching() throws Exception {
    AtomicInteger failures = new AtomicInteger(1);
    Supplier<WatchService> services = () -> new FailingService(newService(), () -> {
      if (failures.getAndDecrement() > 0) {
        throw new AssertionError("injected");
      }
    });
    FileWatcher watcher = new FileWatcher(services, Clock.systemUTC(), true, WatchRecoveryTest::register);
    Path file = Fixtures.write(dir.resolve("app.yaml"), "greeting: one\n");
    try (LiveConfig<Cfg> config = watching(file).watcher(watcher).build()) {
      // The first events make take() throw: the loop rebuilds its service, rescans, and goes on.
      Fixtures.write(file, "greeting: two\n");
      await().atMost(Duration.ofSeconds(10)).until(() -> config.get().greeting().equals("two"));
      assertThat(failures.get()).isNotPositive();
      Fixtures.write(file, "greeting: three\n");
      await().atMost(Duration.ofSeconds(10)).until(() -> config.get().greeting().equals("three"));
      assertThat(config.status().degraded()).isFalse();
    }
  }

  @Test
  void aWatcherThreadKilledByAVmError_isReported_andEveryFileIsPolled() throws Exception {
    AtomicBoolean die = new AtomicBoolean(false);
    Supplier<WatchService> services = () -> new FailingService(newService(), () -> {
      if (die.get()) {
        throw new InternalError("injected");
      }
    });
    FileWatcher watcher = new FileWatcher(services, Clock.systemUTC(), true, WatchRecoveryTest::register);
    Path file = Fixtures.write(dir.resolve("app.yaml"), "greeting: one\n");
    Thread.UncaughtExceptionHandler previous = Thread.getDefaultUncaughtExceptionHandler();
    Thread.setDefaultUncaughtExceptionHandler((t, e) -> { });
    try (LiveConfig<Cfg> config = watching(file).watcher(watcher).pollInterval(Duration.ofMillis(50)).build()) {
      die.set(true);
      Fixtures.write(file, "greeting: wake the thread\n");
      // Awaitility fails on uncaught errors of other threads; the watcher thread's death is the point here.
      await().dontCatchUncaughtExceptions().atMost(Duration.ofSeconds(10)).until(() -> config.status().degraded());
      assertThat(config.status().degradedReasons()).singleElement().asString()
          .contains("the file watcher thread stopped");
      assertThat(config.status().watchedFiles().get(0).mode()).isEqualTo(WatchMode.POLL);
      Fixtures.write(file, "greeting: polled\n");
      await().dontCatchUncaughtExceptions().atMost(Duration.ofSeconds(10))
          .until(() -> config.get().greeting().equals("polled"));
    } finally {
      Thread.setDefaultUncaughtExceptionHandler(previous);
    }
  }

  @Test
  void aFileThatFellBackToPolling_returnsToEvents_whenRegistrationWorksAgain() throws Exception {
    AtomicInteger refusals = new AtomicInteger(2);
    FileWatcher watcher = new FileWatcher(WatchRecoveryTest::newService, Clock.systemUTC(), true, (d, service) -> {
      if (refusals.getAndDecrement() > 0) {
        throw new IOException("User limit of inotify watches reached");
      }
      return register(d, service);
    });
    Path file = Fixtures.write(dir.resolve("app.yaml"), "greeting: one\n");
    try (LiveConfig<Cfg> config = watching(file).watcher(watcher).pollInterval(Duration.ofMillis(50)).build()) {
      assertThat(config.status().watchedFiles().get(0).mode()).isEqualTo(WatchMode.POLL);
      assertThat(config.status().degraded()).isTrue();
      // The mode flips before the note is written (a status is not one atomic snapshot of both): wait for both.
      await().atMost(Duration.ofSeconds(10)).until(() -> config.status().watchedFiles().get(0).mode() == WatchMode.EVENTS
          && config.status().watchedFiles().get(0).notes().stream().anyMatch(n -> n.contains("back on events")));
      assertThat(config.status().degraded()).isFalse();
      assertThat(config.status().watchedFiles().get(0).notes()).anySatisfy(n -> assertThat(n).contains("fell back"))
          .anySatisfy(n -> assertThat(n).contains("back on events"));
      Fixtures.write(file, "greeting: two\n");
      await().atMost(Duration.ofSeconds(10)).until(() -> config.get().greeting().equals("two"));
    }
  }

  @Test
  void aWriteBetweenTheFirstReadAndTheWatchRegistration_isPickedUp_throughTheQuietPeriod() {
    Path file = Fixtures.write(dir.resolve("app.yaml"), "greeting: one\n");
    ConfigSource real = ConfigSources.file(file);
    AtomicBoolean first = new AtomicBoolean(true);
    List<String> causes = new CopyOnWriteArrayList<>();
    ConfigSource writesAfterFirstRead = new ConfigSource() {
      @Override
      public String name() {
        return real.name();
      }

      @Override
      public SourceData read() throws IOException {
        SourceData data = real.read();
        if (first.getAndSet(false)) {
          Fixtures.write(file, "greeting: written in the gap\n");
        }
        return data;
      }

      @Override
      public List<Path> watchedFiles() {
        return real.watchedFiles();
      }
    };
    try (LiveConfig<Cfg> config = LiveConfig.builder(Cfg.class).source(writesAfterFirstRead).watchFiles(true)
        .watchMode(WatchMode.EVENTS).quietPeriod(Duration.ofMillis(30)).safetyInterval(Duration.ofHours(1))
        .reloadOnSighup(false).subscriber(e -> causes.add(e.kind() + " " + e.cause())).build()) {
      assertThat(config.get().greeting()).isEqualTo("one");
      await().atMost(Duration.ofSeconds(10)).until(() -> config.get().greeting().equals("written in the gap"));
      assertThat(causes).startsWith("applied initial", "applied file " + file);
    }
  }

  @Test
  void aRollbackThatRacesAWrite_doesNotLoseTheWrite() {
    Path file = Fixtures.write(dir.resolve("app.yaml"), "greeting: a\n");
    try (LiveConfig<Cfg> config = LiveConfig.builder(Cfg.class).source(ConfigSources.file(file))
        .reloadOnSighup(false).build()) {
      Fixtures.write(file, "greeting: b\n");
      assertThat(config.reload()).isInstanceOf(ReloadEvent.Applied.class);
      Fixtures.write(file, "greeting: c\n");
      // the write of c lands, then a rollback runs before any reload read it
      assertThat(config.rollback(1)).isInstanceOf(ReloadEvent.RolledBack.class);
      assertThat(config.get().greeting()).isEqualTo("a");
      assertThat(config.reload()).isInstanceOf(ReloadEvent.Applied.class);
      assertThat(config.get().greeting()).isEqualTo("c");
      // while a rollback of content the sources still hold stays until they change
      assertThat(config.rollback(2)).isInstanceOf(ReloadEvent.RolledBack.class);
      assertThat(config.reload()).isInstanceOf(ReloadEvent.Unchanged.class);
      assertThat(config.get().greeting()).isEqualTo("b");
    }
  }

  private static void lnSfn(String target, Path link) throws IOException {
    Path tmp = link.resolveSibling("." + link.getFileName() + ".tmp");
    Files.createSymbolicLink(tmp, Path.of(target));
    Files.move(tmp, link, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }

  private static WatchService newService() {
    try {
      return FileSystems.getDefault().newWatchService();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static WatchKey register(Path d, WatchService service) throws IOException {
    WatchService real = service instanceof FailingService f ? f.delegate : service;
    return d.register(real, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_DELETE,
        StandardWatchEventKinds.ENTRY_MODIFY);
  }

  /** A watch service whose take() runs a fault first. */
  private static final class FailingService implements WatchService {
    final WatchService delegate;
    final Runnable fault;

    FailingService(WatchService delegate, Runnable fault) {
      this.delegate = delegate;
      this.fault = fault;
    }

    @Override
    public void close() throws IOException {
      delegate.close();
    }

    @Override
    public WatchKey poll() {
      return delegate.poll();
    }

    @Override
    public WatchKey poll(long timeout, TimeUnit unit) throws InterruptedException {
      return delegate.poll(timeout, unit);
    }

    @Override
    public WatchKey take() throws InterruptedException {
      WatchKey key = delegate.take();
      fault.run();
      return key;
    }
  }
}
