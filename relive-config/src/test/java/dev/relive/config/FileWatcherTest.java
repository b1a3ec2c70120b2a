package dev.relive.config;

import dev.relive.config.internal.watch.FileWatcher;
import dev.relive.config.internal.watch.MountPoints;


import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileSystems;
import dev.relive.testsupport.K8sVolume;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Overflow rescans, watch-service recovery, anchors, mount points and filesystem types. */
class FileWatcherTest {
  record Cfg(String greeting) {}

  @TempDir
  Path dir;

  private static WatchService newService() {
    try {
      return FileSystems.getDefault().newWatchService();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private LiveConfig<Cfg> start(FileWatcher watcher, Path file) {
    return LiveConfig.builder(Cfg.class).source(ConfigSources.file(file)).watchFiles(true).watchMode(WatchMode.EVENTS)
        .quietPeriod(Duration.ofMillis(20)).safetyInterval(Duration.ofHours(1)).reloadOnSighup(false)
        .watcher(watcher).build();
  }

  @Test
  void overflow_rescansEveryWatchedFile_withTheFinalContent() throws Exception {
    FileWatcher watcher = new FileWatcher(FileWatcherTest::newService, Clock.systemUTC(), false);
    Path file = Fixtures.write(dir.resolve("app.yaml"), "greeting: before\n");
    Path other = Fixtures.write(Files.createDirectory(dir.resolve("other")).resolve("o.yaml"), "greeting: o1\n");
    try (LiveConfig<Cfg> config = start(watcher, file); LiveConfig<Cfg> second = start(watcher, other)) {
      Fixtures.write(file, "greeting: after\n");
      Fixtures.write(other, "greeting: o2\n");
      // The events are lost, as they are when the kernel queue overflows: only an OVERFLOW is delivered.
      WatchKey key = watcher.service().poll(10, TimeUnit.SECONDS);
      assertThat(key).isNotNull();
      key.pollEvents();
      watcher.handle(key, List.of(overflow()), key.reset());
      await().atMost(Duration.ofSeconds(10)).until(() -> config.get().greeting().equals("after")
          && second.get().greeting().equals("o2"));
    }
  }

  @Test
  void aFailedWatchService_isRebuilt_andWatchingGoesOn() throws Exception {
    FileWatcher watcher = new FileWatcher(FileWatcherTest::newService, Clock.systemUTC());
    Path file = Fixtures.write(dir.resolve("app.yaml"), "greeting: one\n");
    try (LiveConfig<Cfg> config = start(watcher, file)) {
      WatchService failed = watcher.service();
      failed.close();
      await().atMost(Duration.ofSeconds(10)).until(() -> watcher.service() != failed);
      Fixtures.write(file, "greeting: two\n");
      await().atMost(Duration.ofSeconds(10)).until(() -> config.get().greeting().equals("two"));
    }
  }

  @Test
  void anchors_followTheKubernetesLayout_andMissingDirectoriesAnchorAtTheirAncestor() throws IOException {
    K8sVolume.write(dir, Map.of("app.yaml", "greeting: hi\n"));
    Path real = dir.toRealPath();
    String stamp = Files.readSymbolicLink(dir.resolve("..data")).toString();
    assertThat(FileWatcher.anchorsOf(dir.resolve("app.yaml"))).containsExactly(
        new FileWatcher.Anchor(real, "app.yaml"), new FileWatcher.Anchor(real, "..data"),
        new FileWatcher.Anchor(real.resolve(stamp), "app.yaml"), new FileWatcher.Anchor(real, stamp, false));
    assertThat(FileWatcher.anchorsOf(dir.resolve("not/yet/there.yaml")))
        .containsExactly(new FileWatcher.Anchor(real, "not"));
  }

  @Test
  void mountPoints_areFoundInMountinfo_withEscapedNames() {
    List<String> mountinfo = List.of(
        "22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw",
        "412 399 8:1 /srv/config.yaml /etc/my\\040app/config.yaml rw,relatime - ext4 /dev/sda1 rw");
    assertThat(MountPoints.parse(mountinfo)).contains("/etc/my app/config.yaml", "/");
    assertThat(MountPoints.isMountPoint(Path.of("/etc/my app/config.yaml"), mountinfo)).isTrue();
    Path plain = Fixtures.write(dir.resolve("plain.yaml"), "a: 1\n");
    assertThat(MountPoints.isMountPoint(plain, mountinfo)).isFalse();
  }

  @Test
  void networkAndVirtualFilesystems_arePolled() {
    assertThat(List.of("nfs", "nfs4", "cifs", "smb3", "fuse.sshfs", "fuseblk", "9p", "virtiofs", "vboxsf"))
        .allMatch(FileWatcher::isPolledStore);
    assertThat(List.of("ext4", "xfs", "btrfs", "tmpfs", "overlay", "zfs")).noneMatch(FileWatcher::isPolledStore);
  }

  @Test
  void status_saysHowEachFileIsWatched_andWhenItLastChanged() {
    Path file = Fixtures.write(dir.resolve("app.yaml"), "greeting: one\n");
    try (LiveConfig<Cfg> config = LiveConfig.builder(Cfg.class).source(ConfigSources.file(file)).watchFiles(true)
        .quietPeriod(Duration.ofMillis(20)).reloadOnSighup(false).build()) {
      WatchedFile watched = config.status().watchedFiles().get(0);
      assertThat(watched.path()).isEqualTo(file);
      assertThat(watched.mode()).isEqualTo(WatchMode.EVENTS);
      assertThat(watched.lastChange()).isEmpty();
      assertThat(watched.warning()).isEmpty();
      Fixtures.write(file, "greeting: two\n");
      await().atMost(Duration.ofSeconds(10)).until(() -> config.status().watchedFiles().get(0).lastChange().isPresent()
          && config.get().greeting().equals("two"));
    }
  }

  private static WatchEvent<Object> overflow() {
    return new WatchEvent<>() {
      @Override
      @SuppressWarnings("unchecked")
      public Kind<Object> kind() {
        return (Kind<Object>) (Kind<?>) StandardWatchEventKinds.OVERFLOW;
      }

      @Override
      public int count() {
        return 1;
      }

      @Override
      public Object context() {
        return null;
      }
    };
  }
}
