package dev.relive.config;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One watcher thread for the whole process. It watches the directories that hold configuration files, not
 * the files, because editors, {@code sed -i} and Kubernetes replace files by rename. An event that names a
 * watched file, or Kubernetes' {@code ..data} swap, or an overflow, schedules a reload after a quiet period
 * that coalesces bursts; other files in the same directory are ignored. Reloads compare digests of what they
 * read, so an event that changed nothing produces no version.
 */
final class FileWatcher {
  private static final Logger LOG = LoggerFactory.getLogger(FileWatcher.class);
  private static volatile FileWatcher shared;

  private final WatchService service;
  private final Map<Path, Directory> directories = new HashMap<>();

  private static final class Directory {
    final WatchKey key;
    final List<Watch> watches = new CopyOnWriteArrayList<>();

    Directory(WatchKey key) {
      this.key = key;
    }
  }

  private static final class Watch {
    final String name;
    final Duration quiet;
    final Runnable onChange;
    ScheduledFuture<?> pending;

    Watch(String name, Duration quiet, Runnable onChange) {
      this.name = name;
      this.quiet = quiet;
      this.onChange = onChange;
    }

    /** Events that can change what reading this file returns. */
    boolean concerns(String changed) {
      return changed.equals(name) || changed.equals("..data") || changed.equals("..data_tmp");
    }

    synchronized void touched() {
      if (pending != null) {
        pending.cancel(false);
      }
      pending = Threads.TIMERS.schedule(onChange, quiet.toNanos(), TimeUnit.NANOSECONDS);
    }
  }

  private FileWatcher() throws IOException {
    service = FileSystems.getDefault().newWatchService();
    Thread thread = Threads.daemon("relive-file-watcher").newThread(this::loop);
    thread.start();
  }

  static FileWatcher shared() throws IOException {
    FileWatcher w = shared;
    if (w == null) {
      synchronized (FileWatcher.class) {
        w = shared;
        if (w == null) {
          w = new FileWatcher();
          shared = w;
        }
      }
    }
    return w;
  }

  /** Calls {@code onChange} a quiet period after the last event in the file's directory. */
  Registration watch(Path file, Duration quiet, Runnable onChange) throws IOException {
    Path absolute = file.toAbsolutePath().normalize();
    Path dir = absolute.getParent();
    Watch watch = new Watch(absolute.getFileName().toString(), quiet, onChange);
    synchronized (directories) {
      Directory d = directories.get(dir);
      if (d == null || !d.key.isValid()) {
        WatchKey key = dir.register(service, StandardWatchEventKinds.ENTRY_CREATE,
            StandardWatchEventKinds.ENTRY_DELETE, StandardWatchEventKinds.ENTRY_MODIFY);
        d = new Directory(key);
        directories.put(dir, d);
      }
      d.watches.add(watch);
    }
    return () -> {
      synchronized (directories) {
        Directory d = directories.get(dir);
        if (d != null) {
          d.watches.remove(watch);
          if (d.watches.isEmpty()) {
            d.key.cancel();
            directories.remove(dir);
          }
        }
      }
    };
  }

  private void loop() {
    while (true) {
      WatchKey key;
      try {
        key = service.take();
      } catch (InterruptedException | ClosedWatchServiceException e) {
        return;
      }
      Directory directory;
      synchronized (directories) {
        directory = directories.get((Path) key.watchable());
      }
      for (WatchEvent<?> event : key.pollEvents()) {
        if (directory == null) {
          break;
        }
        boolean overflow = event.kind() == StandardWatchEventKinds.OVERFLOW;
        String name = overflow ? "" : String.valueOf(event.context());
        for (Watch watch : directory.watches) {
          if (overflow || watch.concerns(name)) {
            watch.touched();
          }
        }
      }
      if (!key.reset()) {
        LOG.warn("stopped receiving events for {} (directory removed?)", key.watchable());
      }
    }
  }
}
