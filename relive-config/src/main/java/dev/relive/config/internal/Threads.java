package dev.relive.config.internal;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * The small shared daemon threads Relive runs on: reloads, and timers for quiet periods, polling and staged
 * timeouts. They exist while someone holds a {@link Lease}: the first lease starts them, closing the last one
 * stops them, so a closed application (or a redeployed web application) keeps no Relive thread and no class
 * loader alive.
 */
public final class Threads {
  private static int leases;
  private static @Nullable ExecutorService reloads;
  private static @Nullable ScheduledExecutorService timers;

  private Threads() {}

  /** The shared threads, for as long as the lease is open. Close it exactly once. */
  public static final class Lease implements AutoCloseable {
    private final ExecutorService reloadPool;
    private final ScheduledExecutorService timerPool;
    private boolean closed;

    private Lease(ExecutorService reloads, ScheduledExecutorService timers) {
      this.reloadPool = reloads;
      this.timerPool = timers;
    }

    /** Runs reloads; each live config serialises its own runs on it. */
    public ExecutorService reloads() {
      return reloadPool;
    }

    /** Timers (quiet periods, polling, timeouts). */
    public ScheduledExecutorService timers() {
      return timerPool;
    }

    @Override
    public void close() {
      release(this);
    }
  }

  private static synchronized void release(Lease lease) {
    if (lease.closed) {
      return;
    }
    lease.closed = true;
    if (--leases == 0) {
      lease.reloadPool.shutdown();
      lease.timerPool.shutdownNow();
      reloads = null;
      timers = null;
    }
  }

  /** Takes a lease on the shared threads, starting them if nobody holds one. */
  public static synchronized Lease acquire() {
    ExecutorService r = reloads;
    ScheduledExecutorService t = timers;
    if (r == null || t == null) {
      r = Executors.newCachedThreadPool(daemon("relive-reload"));
      t = Executors.newSingleThreadScheduledExecutor(daemon("relive-timer"));
      reloads = r;
      timers = t;
    }
    leases++;
    return new Lease(r, t);
  }

  /** How many leases are open (tests check that closing releases them). */
  public static synchronized int leases() {
    return leases;
  }

  public static ThreadFactory daemon(String prefix) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }
}
