package dev.relive.devloop;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Wakes the runner when files under the project's roots may have changed: the operating system's events for
 * every directory (new directories registered as they appear), and a scan every {@code safety} interval in
 * case an event was lost (network filesystems, overflow). What changed is decided by comparing scans
 * ({@link ProjectFiles}), never by the events themselves.
 */
final class TreeWatcher implements AutoCloseable {
  private final ProjectFiles files;
  private final WatchService service;
  private final Set<Path> registered = new HashSet<>();
  private final Thread thread;
  private final Object lock = new Object();
  private long firstEvent;
  private long lastEvent;
  private volatile boolean closed;

  TreeWatcher(ProjectFiles files) throws IOException {
    this.files = files;
    this.service = FileSystems.getDefault().newWatchService();
    register();
    this.thread = new Thread(this::run, "relive-dev-watch");
    thread.setDaemon(true);
    thread.start();
  }

  private void register() {
    for (Path d : files.directories()) {
      if (registered.add(d)) {
        try {
          d.register(service, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_DELETE,
              StandardWatchEventKinds.ENTRY_MODIFY);
        } catch (IOException e) {
          registered.remove(d);
        }
      }
    }
  }

  private void run() {
    while (!closed) {
      try {
        WatchKey key = service.poll(500, TimeUnit.MILLISECONDS);
        if (key == null) {
          continue;
        }
        key.pollEvents();
        if (!key.reset()) {
          registered.remove((Path) key.watchable());
        }
        register(); // directories created since
        synchronized (lock) {
          long now = System.nanoTime();
          if (firstEvent == 0) {
            firstEvent = now;
          }
          lastEvent = now;
          lock.notifyAll();
        }
      } catch (InterruptedException | ClosedWatchServiceException e) {
        return;
      }
    }
  }

  /**
   * Waits until events came and then none for {@code quiet}, or until {@code safety} passed without events.
   * Returns when the first event of the burst came (System.nanoTime), or 0 for a safety wake-up.
   */
  long await(Duration quiet, Duration safety) throws InterruptedException {
    long deadline = System.nanoTime() + safety.toNanos();
    synchronized (lock) {
      while (true) {
        long now = System.nanoTime();
        if (firstEvent != 0) {
          long quietUntil = lastEvent + quiet.toNanos();
          if (now >= quietUntil) {
            long first = firstEvent;
            firstEvent = 0;
            return first;
          }
          TimeUnit.NANOSECONDS.timedWait(lock, quietUntil - now);
        } else {
          if (now >= deadline) {
            return 0;
          }
          TimeUnit.NANOSECONDS.timedWait(lock, deadline - now);
        }
      }
    }
  }

  @Override
  public void close() {
    closed = true;
    try {
      service.close();
    } catch (IOException e) {
      // closing anyway
    }
    try {
      thread.join(2_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
