package dev.relive.config.internal.watch;

import dev.relive.config.Registration;
import dev.relive.config.WatchMode;
import dev.relive.config.WatchedFile;
import dev.relive.config.internal.Digests;
import dev.relive.config.internal.Threads;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches configuration files for the whole process with one thread, so that every real update is seen and
 * watching never silently stops.
 *
 * <p>How a file is watched. Files are replaced by rename far more often than written in place (editors,
 * {@code sed -i}, Kubernetes), so the watcher registers <em>directories</em>. For each file it keeps a set of
 * anchors, (directory, name) pairs: the file's own directory and name, then each hop of its symlink chain
 * resolved to a real directory (a ConfigMap's {@code config.yaml -> ..data/config.yaml} gives the volume
 * directory and the current {@code ..<timestamp>} directory). A directory that does not exist is anchored at
 * its nearest existing ancestor, by the name of the next path element, so its re-creation is seen. An event
 * concerns a file when it names an anchor, or names a Kubernetes {@code ..} entry in an anchor directory, or
 * is an overflow; then the anchors are resolved again (a swap re-points them) and, once the file has been
 * quiet for the quiet period, the reload runs. Reloads read through the path the user gave and compare
 * digests, so an event that changed nothing produces no version.
 *
 * <p>When a file has settled. With events, a file has settled when no event concerning it arrived for the
 * quiet period: every write to it, every rename over it, raises one. With polling, a change is seen when its
 * content digest differs from the last poll, and it has settled when a read a quiet period later gives the
 * same digest. Content is read only once settled, so a truncated or half-written file is never applied
 * unless its writer stops for longer than the quiet period; a file that settles bad is reported.
 *
 * <p>Polling is chosen for files on stores that deliver no events (nfs, cifs/smb, fuse, 9p, virtiofs,
 * vboxsf and similar), when forced, and when a directory cannot be registered (the inotify watch limit). On
 * every file a safety reload runs at the safety interval whatever the mode. An overflow rescans every file.
 * If the watch service fails, the watcher reports it, builds a new one with backoff, re-registers and
 * rescans.
 */
public final class FileWatcher {
  private static final Logger LOG = LoggerFactory.getLogger(FileWatcher.class);
  private static final int MAX_LINK_HOPS = 40;
  private static final Duration MAX_BACKOFF = Duration.ofSeconds(30);
  private static volatile FileWatcher shared;

  /** Options for one watched file. */
  public record Options(WatchMode mode, Duration quietPeriod, Duration pollInterval, Duration safetyInterval) {}

  public record Anchor(Path dir, String name) {}

  private final Supplier<WatchService> services;
  private final Clock clock;
  private final Object lock = new Object();
  private final Map<Path, WatchKey> keys = new HashMap<>();
  private final Set<Handle> handles = new LinkedHashSet<>();
  private WatchService service;

  public FileWatcher(Supplier<WatchService> services, Clock clock) {
    this(services, clock, true);
  }

  /** With {@code run} false no thread takes events: tests drive {@link #handle} themselves. */
  public FileWatcher(Supplier<WatchService> services, Clock clock, boolean run) {
    this.services = services;
    this.clock = clock;
    this.service = services.get();
    if (run) {
      Threads.daemon("relive-file-watcher").newThread(this::loop).start();
    }
  }

  /** The current watch service (tests simulate its failure). */
  public WatchService service() {
    synchronized (lock) {
      return service;
    }
  }

  public static FileWatcher shared() {
    FileWatcher w = shared;
    if (w == null) {
      synchronized (FileWatcher.class) {
        w = shared;
        if (w == null) {
          w = new FileWatcher(FileWatcher::newService, Clock.systemUTC());
          shared = w;
        }
      }
    }
    return w;
  }

  private static WatchService newService() {
    try {
      return FileSystems.getDefault().newWatchService();
    } catch (IOException e) {
      throw new IllegalStateException("cannot create a watch service: " + e.getMessage(), e);
    }
  }

  /** Starts watching {@code file}; {@code onChange} runs after each settled change and at every safety interval. */
  public Handle watch(Path file, Options options, Runnable onChange) {
    Handle handle = new Handle(file, options, onChange);
    synchronized (lock) {
      handles.add(handle);
      handle.mode = chooseMode(file, options.mode());
      handle.resolve();
    }
    handle.checkMountPoint();
    if (handle.mode == WatchMode.POLL) {
      handle.startPolling();
    }
    handle.safety = Threads.TIMERS.scheduleWithFixedDelay(handle::safetyCheck, options.safetyInterval().toNanos(),
        options.safetyInterval().toNanos(), TimeUnit.NANOSECONDS);
    return handle;
  }

  private static WatchMode chooseMode(Path file, WatchMode requested) {
    if (requested != WatchMode.AUTO) {
      return requested;
    }
    Path dir = existingAncestor(file.toAbsolutePath().normalize().getParent());
    try {
      String type = Files.getFileStore(dir).type().toLowerCase(Locale.ROOT);
      if (isPolledStore(type)) {
        LOG.info("{} is on a {} filesystem, which delivers no change events: polling it", file, type);
        return WatchMode.POLL;
      }
    } catch (IOException | RuntimeException e) {
      LOG.warn("cannot tell what filesystem {} is on ({}); watching with events", file, e.toString());
    }
    return WatchMode.EVENTS;
  }

  /** Filesystem types whose changes made elsewhere (another host, the VM's host) raise no local events. */
  public static boolean isPolledStore(String type) {
    return type.startsWith("fuse") || type.startsWith("nfs") || Set.of("cifs", "smb", "smb2", "smb3", "smbfs", "9p",
        "virtiofs", "vboxsf", "vmhgfs", "prl_fs", "drvfs", "davfs", "ceph", "glusterfs", "afs", "gcsfuse").contains(type);
  }

  private static Path existingAncestor(Path dir) {
    Path p = dir;
    while (p != null && !Files.isDirectory(p)) {
      p = p.getParent();
    }
    return p != null ? p : dir.getRoot();
  }

  // ---- the watcher thread ------------------------------------------------------------------------------

  private void loop() {
    Duration backoff = Duration.ofMillis(100);
    while (true) {
      WatchKey key;
      try {
        key = service.take();
        backoff = Duration.ofMillis(100);
      } catch (InterruptedException e) {
        return;
      } catch (RuntimeException e) {
        LOG.error("the file watch service failed ({}); recreating it in {} ms", e.toString(), backoff.toMillis());
        pause(backoff);
        backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
        recover();
        continue;
      }
      try {
        process(key);
      } catch (RuntimeException e) {
        LOG.error("error while handling file events for {}; watching goes on", key.watchable(), e);
      }
    }
  }

  private static void pause(Duration d) {
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void recover() {
    List<Handle> all;
    synchronized (lock) {
      try {
        service.close();
      } catch (IOException | RuntimeException e) {
        LOG.debug("closing the failed watch service: {}", e.toString());
      }
      try {
        service = services.get();
      } catch (RuntimeException e) {
        LOG.error("cannot create a watch service: {}", e.toString());
        return;
      }
      keys.clear();
      all = new ArrayList<>(handles);
      all.forEach(Handle::resolve);
    }
    all.forEach(Handle::changed);
  }

  private void process(WatchKey key) {
    List<WatchEvent<?>> events = key.pollEvents();
    handle(key, events, key.reset());
  }

  /** Acts on the events a key delivered; {@code valid} is false once its directory is gone. */
  public void handle(WatchKey key, List<WatchEvent<?>> events, boolean valid) {
    Path dir = (Path) key.watchable();
    Set<Handle> touched = new LinkedHashSet<>();
    synchronized (lock) {
      if (keys.get(dir) != key) {
        return;
      }
      for (WatchEvent<?> event : events) {
        if (event.kind() == StandardWatchEventKinds.OVERFLOW) {
          LOG.warn("file events for {} overflowed; rescanning every watched file", dir);
          touched.addAll(handles);
          continue;
        }
        String name = String.valueOf(event.context());
        for (Handle h : handles) {
          if (h.concerns(dir, name)) {
            touched.add(h);
          }
        }
      }
      if (!valid) {
        keys.remove(dir);
        for (Handle h : handles) {
          if (h.anchoredIn(dir)) {
            touched.add(h);
          }
        }
      }
      touched.forEach(Handle::resolve);
      releaseUnusedKeys();
    }
    touched.forEach(Handle::changed);
  }

  private void releaseUnusedKeys() {
    Set<Path> used = new HashSet<>();
    for (Handle h : handles) {
      if (h.mode == WatchMode.EVENTS) {
        h.anchors.forEach(a -> used.add(a.dir()));
      }
    }
    keys.entrySet().removeIf(e -> {
      if (!used.contains(e.getKey())) {
        e.getValue().cancel();
        return true;
      }
      return false;
    });
  }

  /** One watched file: its anchors, its debounce, its poller and its status. */
  public final class Handle implements Registration {
    public final Path path;
    public final Options options;
    public final Runnable onChange;
    public volatile WatchMode mode;
    public volatile Instant lastChange;
    public volatile String warning;
    private Set<Anchor> anchors = Set.of();
    private ScheduledFuture<?> pending;
    private ScheduledFuture<?> poller;
    private ScheduledFuture<?> safety;
    private String seenSignature;
    private volatile boolean closed;

    public Handle(Path path, Options options, Runnable onChange) {
      this.path = path;
      this.options = options;
      this.onChange = onChange;
    }

    public WatchedFile status() {
      return new WatchedFile(path, mode, Optional.ofNullable(lastChange), Optional.ofNullable(warning));
    }

    public boolean concerns(Path dir, String name) {
      return mode == WatchMode.EVENTS && (anchors.contains(new Anchor(dir, name))
          || (name.startsWith("..") && anchoredIn(dir)));
    }

    public boolean anchoredIn(Path dir) {
      for (Anchor a : anchors) {
        if (a.dir().equals(dir)) {
          return true;
        }
      }
      return false;
    }

    /**
     * Recomputes the anchors and registers their directories, again until they are stable: a directory
     * created between computing the anchors and registering its parent is then seen. Call with the lock held.
     */
    public void resolve() {
      if (closed) {
        return;
      }
      Set<Anchor> next = anchorsOf(path);
      for (int round = 0; round < MAX_LINK_HOPS; round++) {
        if (mode == WatchMode.EVENTS) {
          for (Anchor a : next) {
            if (!keys.containsKey(a.dir())) {
              try {
                keys.put(a.dir(), a.dir().register(service, StandardWatchEventKinds.ENTRY_CREATE,
                    StandardWatchEventKinds.ENTRY_DELETE, StandardWatchEventKinds.ENTRY_MODIFY));
              } catch (IOException | RuntimeException e) {
                warning = "cannot watch " + a.dir() + " (" + e + "); polling instead";
                LOG.warn("{}: {}", path, warning);
                mode = WatchMode.POLL;
                anchors = next;
                startPolling();
                return;
              }
            }
          }
        }
        Set<Anchor> again = anchorsOf(path);
        if (again.equals(next)) {
          break;
        }
        next = again;
      }
      anchors = next;
    }

    /** A change concerning this file was seen: record it and (re)start the quiet period. */
    public void changed() {
      lastChange = clock.instant();
      debounce();
    }

    /** Reload once the file has been quiet for the quiet period. */
    private void debounce() {
      synchronized (this) {
        if (closed) {
          return;
        }
        if (pending != null) {
          pending.cancel(false);
        }
        pending = Threads.TIMERS.schedule(this::settled, options.quietPeriod().toNanos(), TimeUnit.NANOSECONDS);
      }
    }

    private void settled() {
      if (mode == WatchMode.POLL) {
        String now = signature();
        synchronized (this) {
          if (!now.equals(seenSignature)) {
            seenSignature = now;
            changed();
            return;
          }
        }
      }
      fire();
    }

    private void fire() {
      if (closed) {
        return;
      }
      try {
        onChange.run();
      } catch (RuntimeException e) {
        LOG.warn("{}: reload request failed: {}", path, e.toString());
      }
    }

    public void startPolling() {
      synchronized (this) {
        if (poller != null || closed) {
          return;
        }
        seenSignature = signature();
        poller = Threads.TIMERS.scheduleWithFixedDelay(this::poll, options.pollInterval().toNanos(),
            options.pollInterval().toNanos(), TimeUnit.NANOSECONDS);
      }
    }

    private void poll() {
      try {
        String now = signature();
        boolean differs;
        synchronized (this) {
          differs = !now.equals(seenSignature);
          if (differs) {
            seenSignature = now;
          }
        }
        if (differs) {
          changed();
        }
      } catch (RuntimeException e) {
        LOG.warn("{}: polling failed ({}); trying again at the next interval", path, e.toString());
      }
    }

    /** Resolves again and reloads once quiet, whatever the events said: catches anything missed. */
    private void safetyCheck() {
      if (mode == WatchMode.EVENTS) {
        synchronized (lock) {
          resolve();
        }
      }
      debounce();
    }

    /**
     * What the file is now, for polling: identity, size, modification time and content digest, read through
     * the user's path. Metadata catches a writer mid-burst whose content happens to match an earlier sample.
     */
    private String signature() {
      try {
        BasicFileAttributes a = Files.readAttributes(path, BasicFileAttributes.class);
        byte[] bytes;
        try (InputStream in = Files.newInputStream(path)) {
          bytes = in.readAllBytes();
        }
        return a.fileKey() + "/" + a.size() + "/" + a.lastModifiedTime().to(TimeUnit.NANOSECONDS) + "/" + Digests.of(bytes);
      } catch (NoSuchFileException e) {
        return "absent";
      } catch (IOException e) {
        return "unreadable: " + e.getMessage();
      }
    }

    public void checkMountPoint() {
      try {
        Path real = path.toRealPath();
        if (MountPoints.isMountPoint(real, MountPoints.readMountinfo())) {
          warning = "is itself a mount point (a single-file bind mount or a subPath volume): updates made by "
              + "renaming a new file over it on the host will not be seen; mount its directory instead";
          LOG.warn("{} {}", path, warning);
        }
      } catch (IOException | RuntimeException e) {
        LOG.debug("{}: mount point check skipped: {}", path, e.toString());
      }
    }

    @Override
    public void close() {
      closed = true;
      synchronized (this) {
        for (ScheduledFuture<?> f : new ScheduledFuture<?>[] {pending, poller, safety}) {
          if (f != null) {
            f.cancel(false);
          }
        }
      }
      synchronized (lock) {
        handles.remove(this);
        releaseUnusedKeys();
      }
    }
  }

  /**
   * The anchors of a file: each hop of its symlink chain as (real directory, name); a missing directory is
   * anchored at its nearest existing ancestor by the next path element.
   */
  public static Set<Anchor> anchorsOf(Path file) {
    Set<Anchor> out = new LinkedHashSet<>();
    Path p = file.toAbsolutePath().normalize();
    for (int hop = 0; hop < MAX_LINK_HOPS && p.getParent() != null; hop++) {
      Path parent = p.getParent();
      Path realParent;
      try {
        realParent = parent.toRealPath();
      } catch (IOException e) {
        Path existing = existingAncestor(parent);
        Path next = existing.relativize(p).getName(0);
        try {
          out.add(new Anchor(existing.toRealPath(), next.toString()));
        } catch (IOException ex) {
          out.add(new Anchor(existing, next.toString()));
        }
        return out;
      }
      out.add(new Anchor(realParent, p.getFileName().toString()));
      Path here = realParent.resolve(p.getFileName());
      if (!Files.isSymbolicLink(here)) {
        return out;
      }
      try {
        p = realParent.resolve(Files.readSymbolicLink(here)).normalize();
      } catch (IOException e) {
        return out;
      }
    }
    return out;
  }
}
