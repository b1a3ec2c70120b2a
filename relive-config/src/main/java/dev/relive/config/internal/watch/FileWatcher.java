package dev.relive.config.internal.watch;

import dev.relive.config.Registration;
import dev.relive.config.WatchMode;
import dev.relive.config.internal.Digests;
import dev.relive.config.internal.Threads;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
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
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.jspecify.annotations.Nullable;

/**
 * Watches configuration files for the whole process with one thread, so that every real update is seen and
 * watching never silently stops.
 *
 * <p>How a file is watched. Files are replaced by rename far more often than written in place (editors,
 * {@code sed -i}, Kubernetes, Capistrano-style {@code ln -sfn} deploys, {@code mv conf.new conf}), so the
 * watcher registers <em>directories</em>. For each file it keeps a set of anchors, (directory, name) pairs,
 * found by walking the path one component at a time as the kernel does: every component that is a symlink is
 * anchored in its real directory and followed; the file itself is anchored in its real directory; and that
 * directory is anchored by its name in its own parent, so replacing the directory by rename is seen too. A
 * directory that does not exist is anchored at its nearest existing ancestor, by the name of the next path
 * element, so its re-creation is seen. An event concerns a file when it names an anchor, or names a
 * Kubernetes {@code ..} entry in an anchor directory, or is an overflow; then the anchors are resolved again
 * (a swap re-points them) and the reload runs once the file has been quiet for the quiet period, or at the
 * latest the maximum wait after the first change, so a writer that never pauses cannot starve it. Reloads
 * read through the path the user gave and compare digests, so an event that changed nothing produces no
 * version.
 *
 * <p>When a file has settled. With events, a file has settled when no event concerning it arrived for the
 * quiet period. With polling, a change is seen when its signature (identity, size, time, digest) differs from
 * the last poll, and it has settled when a read a quiet period later gives the same signature.
 *
 * <p>Recovery. Polling is chosen for files on stores that deliver no events (nfs, cifs/smb, fuse, 9p,
 * virtiofs, vboxsf and similar), when forced, and when a directory cannot be registered (the inotify watch
 * limit); a file that fell back to polling returns to events at a later poll once registration works again.
 * Every safety interval each watched file is reloaded whatever the events say, and each registered
 * directory's identity ({@code fileKey}) is checked: a directory replaced under a registration that cannot
 * see it is registered again, and the file's status says so. An overflow rescans every file. If the watch
 * service fails, the watcher builds a new one with backoff, re-registers and rescans. The watcher thread
 * survives anything short of a {@link VirtualMachineError}; if it dies all the same, every file is polled
 * and reported as degraded.
 *
 * <p>Lifetime. A watcher holds its thread and a lease on the shared timers while it watches at least one
 * file; closing the last handle stops both, and {@link #shared()} then starts a new watcher when asked.
 */
public final class FileWatcher {
  private static final Logger LOG = LoggerFactory.getLogger(FileWatcher.class);
  private static final int MAX_LINK_HOPS = 40;
  private static final int MAX_NOTES = 10;
  private static final Duration MAX_BACKOFF = Duration.ofSeconds(30);
  private static @Nullable FileWatcher shared;

  /**
   * Options for one watched file.
   *
   * @param maxWait the longest a reload waits after the first change of a burst, however busy the writer
   */
  public record Options(WatchMode mode, Duration quietPeriod, Duration maxWait, Duration pollInterval,
      Duration safetyInterval) {}

  /**
   * How a file is watched now, for status.
   *
   * @param degraded true while changes to it cannot be seen as promptly as its mode promises (a fall-back to
   *     polling, a dead watcher thread)
   */
  public record Status(Path path, WatchMode mode, Optional<Instant> lastChange, Optional<String> warning,
      List<String> notes, boolean degraded) {}

  /** A (directory, name) pair whose events concern a file; {@code essential} anchors fall back to polling. */
  public record Anchor(Path dir, String name, boolean essential) {
    public Anchor(Path dir, String name) {
      this(dir, name, true);
    }
  }

  /** Registers a directory with a watch service (tests inject failures). */
  @FunctionalInterface
  public interface Registrar {
    WatchKey register(Path dir, WatchService service) throws IOException;
  }

  private static final Registrar DEFAULT_REGISTRAR = (dir, service) -> dir.register(service,
      StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_DELETE, StandardWatchEventKinds.ENTRY_MODIFY);

  private final Supplier<WatchService> services;
  private final Registrar registrar;
  private final Clock clock;
  private final boolean runThread;
  private final Object lock = new Object();
  private final Map<Path, WatchKey> keys = new HashMap<>();
  private final Map<Path, Object> keyIds = new HashMap<>();
  private final Set<Handle> handles = new LinkedHashSet<>();
  @SuppressWarnings("NullAway.Init") // set with the first watched file, before any use
  private WatchService service;
  private Threads.@Nullable Lease threads;
  private @Nullable Thread thread;
  private boolean stopped;
  private volatile @Nullable String failure;

  /** A watcher with its own thread (started with the first watched file). */
  public FileWatcher(Supplier<WatchService> services, Clock clock) {
    this(services, clock, true);
  }

  /** With {@code runThread} false no thread takes events: tests drive {@link #handle} themselves. */
  public FileWatcher(Supplier<WatchService> services, Clock clock, boolean runThread) {
    this(services, clock, runThread, DEFAULT_REGISTRAR);
  }

  /** With a registrar of the test's choosing. */
  public FileWatcher(Supplier<WatchService> services, Clock clock, boolean runThread, Registrar registrar) {
    this.services = services;
    this.clock = clock;
    this.runThread = runThread;
    this.registrar = registrar;
  }

  /** The process-wide watcher, started on demand and stopped when it watches nothing. */
  public static synchronized FileWatcher shared() {
    if (shared == null || shared.isStopped()) {
      shared = new FileWatcher(FileWatcher::newService, Clock.systemUTC());
    }
    return shared;
  }

  private static WatchService newService() {
    try {
      return FileSystems.getDefault().newWatchService();
    } catch (IOException e) {
      throw new IllegalStateException("cannot create a watch service: " + e.getMessage(), e);
    }
  }

  /** The current watch service (tests simulate its failure). */
  public WatchService service() {
    synchronized (lock) {
      return service;
    }
  }

  /** Why the watcher thread stopped, if it did: then every file is polled. */
  public Optional<String> failure() {
    return Optional.ofNullable(failure);
  }

  /** True once the last handle closed: this watcher will not watch again. */
  public boolean isStopped() {
    synchronized (lock) {
      return stopped;
    }
  }

  /**
   * Starts watching {@code file}; {@code onChange} runs after each settled change and at every safety
   * interval. A change that happened between the caller's last read and this registration is caught by one
   * settled reload right after it.
   *
   * @throws IllegalStateException if this watcher was stopped (use {@link #shared()} for a fresh one)
   */
  public Handle watch(Path file, Options options, Runnable onChange) {
    Handle handle = new Handle(file, options, onChange);
    synchronized (lock) {
      if (stopped) {
        throw new IllegalStateException("this file watcher was stopped");
      }
      if (threads == null) {
        threads = Threads.acquire();
        service = services.get();
        if (runThread) {
          thread = Threads.daemon("relive-file-watcher").newThread(this::loop);
          thread.start();
        }
      }
      handle.timers = threads.timers();
      handles.add(handle);
      handle.mode = failure != null ? WatchMode.POLL : chooseMode(file, options.mode());
      handle.resolve();
    }
    handle.checkMountPoint();
    if (handle.mode == WatchMode.POLL) {
      handle.startPolling();
    }
    long safety = options.safetyInterval().toNanos();
    handle.safety = handle.timers.scheduleWithFixedDelay(handle::safetyCheck, safety, safety, TimeUnit.NANOSECONDS);
    handle.debounce();
    return handle;
  }

  private static WatchMode chooseMode(Path file, WatchMode requested) {
    if (requested != WatchMode.AUTO) {
      return requested;
    }
    Path absolute = file.toAbsolutePath().normalize();
    Path dir = existingAncestor(absolute.getParent() != null ? absolute.getParent() : absolute);
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

  /** Ends this watcher once its last handle has closed: the thread, the service and the timer lease. */
  private void stopIfIdle() {
    Threads.Lease lease;
    WatchService closing;
    synchronized (lock) {
      if (!handles.isEmpty() || threads == null) {
        return;
      }
      stopped = true;
      lease = threads;
      threads = null;
      closing = service;
      keys.clear();
      keyIds.clear();
    }
    try {
      closing.close();
    } catch (IOException | RuntimeException e) {
      LOG.debug("closing the watch service: {}", e.toString());
    }
    lease.close();
  }

  // ---- the watcher thread ------------------------------------------------------------------------------

  private void loop() {
    Duration backoff = Duration.ofMillis(100);
    try {
      while (true) {
        WatchService current;
        synchronized (lock) {
          if (stopped) {
            return;
          }
          current = service;
        }
        WatchKey key;
        try {
          key = current.take();
          backoff = Duration.ofMillis(100);
        } catch (InterruptedException e) {
          return;
        } catch (ClosedWatchServiceException e) {
          if (isStopped()) {
            return;
          }
          LOG.error("the file watch service was closed; recreating it in {} ms", backoff.toMillis());
          pause(backoff);
          backoff = next(backoff);
          recover();
          continue;
        } catch (VirtualMachineError e) {
          throw e;
        } catch (Throwable e) {
          LOG.error("the file watch service failed ({}); recreating it in {} ms", e.toString(), backoff.toMillis());
          pause(backoff);
          backoff = next(backoff);
          recover();
          continue;
        }
        try {
          process(key);
        } catch (VirtualMachineError e) {
          throw e;
        } catch (Throwable e) {
          LOG.error("error while handling file events for {}; watching goes on", key.watchable(), e);
        }
      }
    } catch (Throwable e) {
      died(e);
      throw e;
    }
  }

  /** The loop ended by a VM error: say so loudly and poll every file, so changes are still seen. */
  private void died(Throwable e) {
    failure = "the file watcher thread stopped (" + e + "); every file is polled instead";
    LOG.error(failure, e);
    List<Handle> all;
    synchronized (lock) {
      all = new ArrayList<>(handles);
    }
    for (Handle h : all) {
      synchronized (lock) {
        h.mode = WatchMode.POLL;
      }
      h.note("the watcher thread stopped; polling");
      h.startPolling();
    }
  }

  private static Duration next(Duration backoff) {
    Duration doubled = backoff.multipliedBy(2);
    return doubled.compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : doubled;
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
      if (stopped) {
        return;
      }
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
      keyIds.clear();
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
        keyIds.remove(dir);
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
        keyIds.remove(e.getKey());
        return true;
      }
      return false;
    });
  }

  /** A directory's identity, to notice that the registered inode was replaced. */
  private static @Nullable Object identity(Path dir) {
    try {
      BasicFileAttributes a = Files.readAttributes(dir, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
      return a.fileKey() != null ? a.fileKey() : a.creationTime();
    } catch (IOException e) {
      return null;
    }
  }

  /** One watched file: its anchors, its debounce, its poller and its status. */
  public final class Handle implements Registration {
    final Path path;
    final Options options;
    final Runnable onChange;
    volatile WatchMode mode = WatchMode.EVENTS;
    volatile @Nullable Instant lastChange;
    volatile @Nullable String warning;
    private final Deque<String> notes = new ArrayDeque<>();
    private Set<Anchor> anchors = Set.of();
    private boolean fellBack;
    private @Nullable ScheduledFuture<?> pending;
    private long firstPendingNanos;
    private @Nullable ScheduledFuture<?> poller;
    private @Nullable ScheduledFuture<?> safety;
    @SuppressWarnings("NullAway.Init") // set by watch() before the handle is used
    private ScheduledExecutorService timers;
    private String seenSignature = "";
    private volatile boolean closed;

    Handle(Path path, Options options, Runnable onChange) {
      this.path = path;
      this.options = options;
      this.onChange = onChange;
    }

    /** A consistent view: taken under the watcher's lock, which every change of mode holds. */
    public Status status() {
      List<String> n;
      synchronized (notes) {
        n = List.copyOf(notes);
      }
      synchronized (lock) {
        String w = failure != null ? failure : warning;
        return new Status(path, mode, Optional.ofNullable(lastChange), Optional.ofNullable(w), n,
            failure != null || fellBack);
      }
    }

    private void note(String text) {
      synchronized (notes) {
        notes.addLast(clock.instant() + " " + text);
        while (notes.size() > MAX_NOTES) {
          notes.removeFirst();
        }
      }
    }

    boolean concerns(Path dir, String name) {
      return mode == WatchMode.EVENTS && (anchors.contains(new Anchor(dir, name, true))
          || anchors.contains(new Anchor(dir, name, false)) || (name.startsWith("..") && anchoredIn(dir)));
    }

    boolean anchoredIn(Path dir) {
      for (Anchor a : anchors) {
        if (a.dir().equals(dir)) {
          return true;
        }
      }
      return false;
    }

    /**
     * Recomputes the anchors and registers their directories, again until they are stable: a directory
     * created between computing the anchors and registering its parent is then seen, and a registered path
     * that now names another directory is registered again. Call with the lock held.
     *
     * @return false if an essential directory could not be registered (the file is then polled)
     */
    boolean resolve() {
      if (closed) {
        return true;
      }
      Set<Anchor> next = anchorsOf(path);
      for (int round = 0; round < MAX_LINK_HOPS; round++) {
        if (mode == WatchMode.EVENTS) {
          for (Anchor a : next) {
            WatchKey existing = keys.get(a.dir());
            if (existing != null) {
              if (Objects.equals(keyIds.get(a.dir()), identity(a.dir()))) {
                continue;
              }
              // The path now names another directory (mv conf.new conf): the key still watches the old one.
              existing.cancel();
              keys.remove(a.dir());
              keyIds.remove(a.dir());
              note("registered " + a.dir() + " again: the directory was replaced");
              LOG.info("{}: {} was replaced; watching the new directory", path, a.dir());
            }
            try {
              keys.put(a.dir(), registrar.register(a.dir(), service));
              keyIds.put(a.dir(), identity(a.dir()));
            } catch (IOException | RuntimeException e) {
              if (!a.essential()) {
                LOG.debug("{}: cannot watch {} for a replacement of the directory: {}", path, a.dir(), e.toString());
                continue;
              }
              warning = "cannot watch " + a.dir() + " (" + e + "); polling until it can be watched again";
              LOG.warn("{}: {}", path, warning);
              note("fell back to polling: cannot watch " + a.dir());
              mode = WatchMode.POLL;
              fellBack = true;
              anchors = next;
              startPolling();
              return false;
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
      return true;
    }

    /** A change concerning this file was seen: record it and (re)start the quiet period. */
    void changed() {
      lastChange = clock.instant();
      debounce();
    }

    /**
     * Reload once the file has been quiet for the quiet period, and at the latest the maximum wait after the
     * first change of the burst.
     */
    void debounce() {
      synchronized (this) {
        if (closed) {
          return;
        }
        long now = System.nanoTime();
        if (pending != null && !pending.isDone()) {
          pending.cancel(false);
        } else {
          firstPendingNanos = now;
        }
        long delay = Math.min(options.quietPeriod().toNanos(), firstPendingNanos + options.maxWait().toNanos() - now);
        try {
          pending = timers().schedule(this::settled, Math.max(0, delay), TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
          LOG.debug("{}: the watcher is stopping; change not scheduled", path);
        }
      }
    }

    private ScheduledExecutorService timers() {
      return timers;
    }

    private void settled() {
      if (mode == WatchMode.POLL) {
        String now = signature();
        synchronized (this) {
          boolean overdue = System.nanoTime() - firstPendingNanos >= options.maxWait().toNanos();
          if (!now.equals(seenSignature) && !overdue) {
            seenSignature = now;
            lastChange = clock.instant();
            long left = firstPendingNanos + options.maxWait().toNanos() - System.nanoTime();
            pending = timers().schedule(this::settled, Math.max(0, Math.min(options.quietPeriod().toNanos(), left)),
                TimeUnit.NANOSECONDS);
            return;
          }
          seenSignature = now;
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
      } catch (VirtualMachineError e) {
        throw e;
      } catch (Throwable e) {
        LOG.warn("{}: reload request failed: {}", path, e.toString());
      }
    }

    void startPolling() {
      synchronized (this) {
        if (poller != null || closed) {
          return;
        }
        seenSignature = signature();
        long interval = options.pollInterval().toNanos();
        poller = timers().scheduleWithFixedDelay(this::poll, interval, interval, TimeUnit.NANOSECONDS);
      }
    }

    private void stopPolling() {
      synchronized (this) {
        if (poller != null) {
          poller.cancel(false);
          poller = null;
        }
      }
    }

    private void poll() {
      try {
        if (fellBack && failure == null) {
          tryEventsAgain();
        }
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
      } catch (VirtualMachineError e) {
        throw e;
      } catch (Throwable e) {
        LOG.warn("{}: polling failed ({}); trying again at the next interval", path, e.toString());
      }
    }

    /** A file that fell back to polling registers its directories again; on success it is back on events. */
    private void tryEventsAgain() {
      boolean back;
      synchronized (lock) {
        if (closed || stopped) {
          return;
        }
        mode = WatchMode.EVENTS;
        back = resolve();
        if (back) {
          fellBack = false;
          warning = null;
        }
      }
      if (back) {
        stopPolling();
        note("back on events: its directories can be watched again");
        LOG.info("{}: watching with events again", path);
        changed();
      }
    }

    /**
     * Resolves again (which registers anew every anchor directory whose identity changed under its
     * registration) and reloads once quiet, whatever the events said: catches anything missed.
     */
    private void safetyCheck() {
      try {
        if (mode == WatchMode.EVENTS) {
          synchronized (lock) {
            resolve();
          }
        }
        debounce();
      } catch (VirtualMachineError e) {
        throw e;
      } catch (Throwable e) {
        LOG.warn("{}: safety check failed ({}); trying again at the next interval", path, e.toString());
      }
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

    void checkMountPoint() {
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
      synchronized (this) {
        if (closed) {
          return;
        }
        closed = true;
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
      stopIfIdle();
    }
  }

  /**
   * The anchors of a file, found by walking its path one component at a time: each symlink component in its
   * real directory (and followed), the file in its real directory, and that directory by name in its parent.
   * A missing directory is anchored at its nearest existing ancestor by the next path element.
   */
  public static Set<Anchor> anchorsOf(Path file) {
    Set<Anchor> out = new LinkedHashSet<>();
    Path abs = file.toAbsolutePath().normalize();
    Deque<String> rest = new ArrayDeque<>();
    abs.forEach(p -> rest.add(p.toString()));
    Path dir = abs.getRoot();
    int hops = 0;
    while (!rest.isEmpty()) {
      String name = rest.removeFirst();
      Path here = dir.resolve(name);
      boolean last = rest.isEmpty();
      if (Files.isSymbolicLink(here)) {
        out.add(new Anchor(dir, name));
        if (++hops > MAX_LINK_HOPS) {
          return out;
        }
        Path target;
        try {
          target = dir.resolve(Files.readSymbolicLink(here)).normalize();
        } catch (IOException e) {
          return out;
        }
        List<String> again = new ArrayList<>();
        target.forEach(p -> again.add(p.toString()));
        for (int i = again.size() - 1; i >= 0; i--) {
          rest.addFirst(again.get(i));
        }
        dir = target.getRoot();
        continue;
      }
      if (last) {
        out.add(new Anchor(dir, name));
        if (dir.getParent() != null && dir.getFileName() != null) {
          out.add(new Anchor(dir.getParent(), dir.getFileName().toString(), false));
        }
        return out;
      }
      if (!Files.isDirectory(here, LinkOption.NOFOLLOW_LINKS)) {
        out.add(new Anchor(dir, name));
        return out;
      }
      dir = here;
    }
    return out;
  }
}
