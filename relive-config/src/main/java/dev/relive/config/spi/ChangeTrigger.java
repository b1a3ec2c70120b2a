package dev.relive.config.spi;

import dev.relive.config.Registration;

/**
 * Tells a live config that something changed, so it reloads: a file watcher, SIGHUP, an etcd watch and a
 * timer are all triggers, and the engine treats them alike. A trigger only says "reload"; it never hands
 * over content (sources read it, the pipeline checks it), so a burst of changes from any number of triggers
 * costs one reload, and a trigger that fires for nothing costs an unchanged read.
 *
 * <p>Triggers come from {@link ConfigSource#triggers()} or from
 * {@link dev.relive.config.LiveConfig.Builder#trigger}. The engine starts each one after the first version is
 * loaded and closes it when the config closes.
 */
public interface ChangeTrigger {

  /** A short description for status and logs, such as {@code etcd /relive/shop/head}. */
  String name();

  /**
   * Starts delivering changes to {@code changes} until the returned registration is closed. Called once.
   * Must not block; a trigger that needs a thread owns it and stops it on close.
   */
  Registration start(Changes changes);

  /** Where a trigger reports. Thread-safe: call from any thread, any number of times. */
  interface Changes {

    /**
     * Something changed: reload (once a reload already queued has run). {@code cause} names what changed and
     * appears in events and logs.
     */
    void changed(String cause);

    /**
     * The trigger cannot currently see changes (a broken stream, a lost connection): the config reports it
     * in its status as degraded until {@link #healthy()}. Changes made meanwhile are the trigger's to catch
     * up on (by calling {@link #changed} once it recovers).
     */
    void unhealthy(String reason);

    /** The trigger sees changes again. */
    void healthy();
  }
}
