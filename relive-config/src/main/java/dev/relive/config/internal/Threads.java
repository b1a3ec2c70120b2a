package dev.relive.config.internal;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/** The small shared daemon threads Relive runs on: reloads, and timers for debouncing. */
public final class Threads {
  private Threads() {}

  /** Runs reloads; each live config serialises its own runs on it. */
  public static final ExecutorService RELOADS = Executors.newCachedThreadPool(daemon("relive-reload"));

  /** Timers (quiet periods, polling). */
  public static final ScheduledExecutorService TIMERS = Executors.newSingleThreadScheduledExecutor(daemon("relive-timer"));

  public static ThreadFactory daemon(String prefix) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }
}
