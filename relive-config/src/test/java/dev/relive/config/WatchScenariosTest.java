package dev.relive.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import dev.relive.testsupport.K8sVolume;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * How real writers update files, on a real filesystem, with events and with polling. The safety rescan is
 * set to an hour so that it cannot hide a missed change.
 */
class WatchScenariosTest {
  record Cfg(String greeting, Optional<Integer> retries, Optional<String> mode, Optional<String> color) {}

  private static final Duration WAIT = Duration.ofSeconds(15);

  @TempDir
  Path dir;

  private final List<ReloadEvent> events = new CopyOnWriteArrayList<>();
  private LiveConfig<Cfg> config;

  @AfterEach
  void close() {
    if (config != null) {
      config.close();
    }
  }

  private LiveConfig<Cfg> start(WatchMode mode, Duration quiet, Path... files) {
    LiveConfig.Builder<Cfg> builder = LiveConfig.builder(Cfg.class);
    builder.source(ConfigSources.file(files[0]));
    for (int i = 1; i < files.length; i++) {
      builder.source(ConfigSources.optionalFile(files[i]));
    }
    config = builder.watchFiles(true).watchMode(mode).quietPeriod(quiet).pollInterval(Duration.ofMillis(20))
        .safetyInterval(Duration.ofHours(1)).reloadOnSighup(false).build();
    config.subscribe(events::add);
    return config;
  }

  private LiveConfig<Cfg> start(WatchMode mode, Path... files) {
    return start(mode, Duration.ofMillis(60), files);
  }

  private void awaitGreeting(String greeting) {
    await().atMost(WAIT).until(() -> config.get().greeting().equals(greeting));
  }

  private List<ReloadEvent.Rejected> rejections() {
    return events.stream().filter(e -> e instanceof ReloadEvent.Rejected).map(e -> (ReloadEvent.Rejected) e).toList();
  }

  private long applied() {
    return events.stream().filter(e -> e instanceof ReloadEvent.Applied).count();
  }

  @ParameterizedTest
  @EnumSource(value = WatchMode.class, names = {"EVENTS", "POLL"})
  void kubernetesVolumeSwap_withKeysAndFilesAddedAndRemoved(WatchMode mode) {
    K8sVolume.write(dir, Map.of("app.yaml", "greeting: hi\nretries: 3\n", "extra.yaml", "color: red\n"));
    start(mode, dir.resolve("app.yaml"), dir.resolve("extra.yaml"), dir.resolve("feature.yaml"));
    assertThat(config.get()).isEqualTo(new Cfg("hi", Optional.of(3), Optional.empty(), Optional.of("red")));

    K8sVolume.write(dir, Map.of("app.yaml", "greeting: hello\nmode: fast\n", "feature.yaml", "color: blue\n"));
    await().atMost(WAIT).until(() -> config.get().equals(
        new Cfg("hello", Optional.empty(), Optional.of("fast"), Optional.of("blue"))));
    K8sVolume.write(dir, Map.of("app.yaml", "greeting: again\nmode: fast\n"));
    await().atMost(WAIT).until(() -> config.get().equals(
        new Cfg("again", Optional.empty(), Optional.of("fast"), Optional.empty())));
    assertThat(rejections()).isEmpty();
    assertThat(config.status().watchedFiles()).extracting(WatchedFile::mode).containsOnly(mode);
    assertThat(config.status().watchedFiles().get(0).lastChange()).isPresent();
  }

  @ParameterizedTest
  @EnumSource(value = WatchMode.class, names = {"EVENTS", "POLL"})
  void vimStyleSave_renameToBackupAndWriteANewFile(WatchMode mode) throws IOException {
    Path file = Fixtures.write(dir.resolve("app.yaml"), "greeting: one\n");
    start(mode, file);
    Path backup = dir.resolve("app.yaml~");
    Files.writeString(dir.resolve("4913"), "");
    Files.delete(dir.resolve("4913"));
    Files.move(file, backup);
    Files.writeString(file, "greeting: two\n", StandardOpenOption.CREATE_NEW);
    Files.delete(backup);
    awaitGreeting("two");
    assertThat(rejections()).isEmpty();
  }

  @ParameterizedTest
  @EnumSource(value = WatchMode.class, names = {"EVENTS", "POLL"})
  void sedInPlace_writesATempFileAndRenamesItOver(WatchMode mode) throws IOException {
    Path file = Fixtures.write(dir.resolve("app.yaml"), "greeting: one\n");
    start(mode, file);
    Path tmp = dir.resolve("sedAb12Cd");
    Files.writeString(tmp, "greeting: two\n");
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    awaitGreeting("two");
    assertThat(rejections()).isEmpty();
  }

  @ParameterizedTest
  @EnumSource(value = WatchMode.class, names = {"EVENTS", "POLL"})
  void truncateThenWriteInChunks_isNeverAppliedHalfWritten(WatchMode mode) throws IOException {
    Path file = Fixtures.write(dir.resolve("app.yaml"), "greeting: start\n");
    start(mode, Duration.ofMillis(300), file);
    String content = "greeting: the whole sentence arrives in pieces\nretries: 12\nmode: careful\n";
    try (OutputStream out = Files.newOutputStream(file, StandardOpenOption.TRUNCATE_EXISTING)) {
      for (int i = 0; i < content.length(); i += 8) {
        out.write(content.substring(i, Math.min(content.length(), i + 8)).getBytes(StandardCharsets.UTF_8));
        out.flush();
        // A slow writer: pauses far shorter than the quiet period between chunks.
        LockSupport.parkNanos(Duration.ofMillis(15).toNanos());
      }
    }
    awaitGreeting("the whole sentence arrives in pieces");
    assertThat(config.get().retries()).contains(12);
    assertThat(rejections()).isEmpty();
    assertThat(applied()).isEqualTo(1);
  }

  @ParameterizedTest
  @EnumSource(value = WatchMode.class, names = {"EVENTS", "POLL"})
  void copyOver_truncatesAndWritesInPlace(WatchMode mode) throws IOException {
    Path file = Fixtures.write(dir.resolve("app.yaml"), "greeting: one\n");
    Path source = Files.writeString(dir.resolve("new-version.txt"), "greeting: copied\n");
    start(mode, file);
    Files.write(file, Files.readAllBytes(source), StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE);
    awaitGreeting("copied");
    assertThat(rejections()).isEmpty();
  }

  @ParameterizedTest
  @EnumSource(value = WatchMode.class, names = {"EVENTS", "POLL"})
  void deletedFile_keepsServing_isReported_andIsPickedUpWhenItReturns(WatchMode mode) throws IOException {
    Path file = Fixtures.write(dir.resolve("app.yaml"), "greeting: one\n");
    start(mode, file);
    Files.delete(file);
    await().atMost(WAIT).until(() -> !rejections().isEmpty());
    assertThat(rejections().get(0).problems()).extracting(Problem::message).containsExactly("required file does not exist");
    assertThat(config.get().greeting()).isEqualTo("one");
    Files.writeString(file, "greeting: back\n");
    awaitGreeting("back");
  }

  @ParameterizedTest
  @EnumSource(value = WatchMode.class, names = {"EVENTS", "POLL"})
  void deletedDirectory_keepsServing_andIsPickedUpWhenRecreated(WatchMode mode) throws IOException {
    Path conf = Files.createDirectories(dir.resolve("etc/app"));
    Path file = Fixtures.write(conf.resolve("app.yaml"), "greeting: one\n");
    start(mode, file);
    K8sVolume.deleteTree(dir.resolve("etc"));
    await().atMost(WAIT).until(() -> !rejections().isEmpty());
    assertThat(config.get().greeting()).isEqualTo("one");
    Files.createDirectories(conf);
    Files.writeString(file, "greeting: rebuilt\n");
    awaitGreeting("rebuilt");
    Fixtures.write(file, "greeting: and edited\n");
    awaitGreeting("and edited");
  }

  @ParameterizedTest
  @EnumSource(value = WatchMode.class, names = {"EVENTS", "POLL"})
  void burstOfAThousandWrites_givesFewVersions_andTheFinalContent(WatchMode mode) throws IOException {
    Path file = Fixtures.write(dir.resolve("app.yaml"), "greeting: v0\n");
    start(mode, file);
    for (int i = 1; i <= 1000; i++) {
      Files.writeString(file, "greeting: v" + i + "\n");
    }
    awaitGreeting("v1000");
    assertThat(applied()).isBetween(1L, 10L);
    assertThat(rejections()).isEmpty();
  }

  @ParameterizedTest
  @EnumSource(value = WatchMode.class, names = {"EVENTS", "POLL"})
  void identicalRewrite_makesNoVersion(WatchMode mode) {
    Path file = Fixtures.write(dir.resolve("app.yaml"), "greeting: same\n");
    start(mode, file);
    Fixtures.write(file, "greeting: same\n");
    Fixtures.write(file, "greeting: same\n");
    if (mode == WatchMode.EVENTS) {
      await().atMost(WAIT).until(() -> events.stream().anyMatch(e -> e instanceof ReloadEvent.Unchanged));
    }
    Fixtures.write(file, "greeting: different\n");
    awaitGreeting("different");
    assertThat(config.snapshot().version()).isEqualTo(2);
    assertThat(applied()).isEqualTo(1);
  }

  @ParameterizedTest
  @EnumSource(value = WatchMode.class, names = {"EVENTS", "POLL"})
  void symlinkedConfig_repointed_andItsTargetInAnotherDirectoryEdited(WatchMode mode) throws IOException {
    Path elsewhere = Files.createDirectories(dir.resolve("releases"));
    Fixtures.write(elsewhere.resolve("a.yaml"), "greeting: a\n");
    Fixtures.write(elsewhere.resolve("b.yaml"), "greeting: b\n");
    Path conf = Files.createDirectories(dir.resolve("conf"));
    Path link = Files.createSymbolicLink(conf.resolve("app.yaml"), elsewhere.resolve("a.yaml"));
    start(mode, link);
    assertThat(config.get().greeting()).isEqualTo("a");
    Fixtures.write(elsewhere.resolve("a.yaml"), "greeting: a edited\n");
    awaitGreeting("a edited");
    Path tmp = Files.createSymbolicLink(conf.resolve(".app.yaml.tmp"), elsewhere.resolve("b.yaml"));
    Files.move(tmp, link, StandardCopyOption.ATOMIC_MOVE);
    awaitGreeting("b");
    Fixtures.write(elsewhere.resolve("b.yaml"), "greeting: b edited\n");
    awaitGreeting("b edited");
    assertThat(rejections()).isEmpty();
  }
}
