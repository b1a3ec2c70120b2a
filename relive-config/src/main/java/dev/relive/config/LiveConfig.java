package dev.relive.config;

import dev.relive.config.internal.Dispatch;
import dev.relive.config.internal.LastGoodCache;
import dev.relive.config.internal.Layers;
import dev.relive.config.internal.Paths;
import dev.relive.config.internal.Threads;
import dev.relive.config.internal.bind.BeanValidation;
import dev.relive.config.internal.bind.Binder;
import dev.relive.config.internal.format.Formats;
import dev.relive.config.internal.watch.FileWatcher;
import dev.relive.config.internal.watch.Signals;

import dev.relive.config.spi.ConfigFormat;
import dev.relive.config.spi.ConfigSource;
import dev.relive.config.spi.ParseLimits;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.LongSupplier;

/**
 * A configuration that reloads while the service runs. {@link #get()} returns the serving value, an
 * immutable record; a reload builds a new value off to the side, checks it, and swaps it in with one write,
 * so no reader ever sees part of one version and part of another, and nothing invalid ever serves.
 *
 * <pre>{@code
 * LiveConfig<AppConfig> config = LiveConfig.builder(AppConfig.class)
 *     .source(ConfigSources.classpath("defaults.yaml"))
 *     .source(ConfigSources.optionalFile(Path.of("/etc/app/config.yaml")))
 *     .source(ConfigSources.env("APP"))
 *     .validator((c, problems) -> { if (c.db().poolSize() < 1) problems.add("db.poolSize", "must be >= 1"); })
 *     .watchFiles(true)
 *     .build();
 * config.onChange(AppConfig::db, (oldDb, newDb) -> pool.resize(newDb.poolSize()));
 * String url = config.get().db().url();
 * }</pre>
 *
 * <p>Thread-safety: every method may be called from any thread. Reads never block and never allocate.
 * Reloads run one at a time per instance, on a shared daemon thread; reload requests that arrive while one
 * is queued join it. Listeners and participants run on that thread unless given an executor.
 */
public final class LiveConfig<T> implements AutoCloseable {
  private final ReloadPipeline<T> pipeline;
  private final List<FileWatcher.Handle> watches;
  private final Registration sighup;

  private LiveConfig(ReloadPipeline<T> pipeline, List<FileWatcher.Handle> watches, Registration sighup) {
    this.pipeline = pipeline;
    this.watches = watches;
    this.sighup = sighup;
  }

  /** Starts building a live configuration bound to a record type (or {@link ConfigTree} for untyped use). */
  public static <T> Builder<T> builder(Class<T> type) {
    return new Builder<>(type);
  }

  /** The serving value: one volatile read of a prebuilt object. */
  public T get() {
    return pipeline.current.value();
  }

  /** The serving version with its metadata: one volatile read. */
  public ConfigSnapshot<T> snapshot() {
    return pipeline.current;
  }

  /** This live config's name, used in logs, status and events. */
  public String name() {
    return pipeline.name;
  }

  /** Calls {@code listener} after every applied version (see {@link ChangeListener} for the guarantees). */
  public Registration onChange(ChangeListener<T> listener) {
    return pipeline.listeners.add("", null, new ReloadPipeline.Listener<>(Objects.requireNonNull(listener), null));
  }

  /** Like {@link #onChange(ChangeListener)}, with calls made on {@code executor}. */
  public Registration onChange(ChangeListener<T> listener, Executor executor) {
    return pipeline.listeners.add("", null, new ReloadPipeline.Listener<>(Objects.requireNonNull(listener),
        Objects.requireNonNull(executor)));
  }

  /**
   * Calls {@code listener} after an applied version changed the value at {@code path} or anything under it
   * ({@code "db"}, {@code "db.url"}, {@code "servers[0]"}). Indexed by path: it costs nothing when other keys
   * change, however many such listeners there are.
   *
   * @throws IllegalArgumentException if the path is malformed
   */
  public Registration onChange(String path, ChangeListener<T> listener) {
    Paths.parse(Objects.requireNonNull(path, "path"));
    return pipeline.listeners.add(path, null, new ReloadPipeline.Listener<>(Objects.requireNonNull(listener), null));
  }

  /**
   * Calls {@code listener} with the old and new selected part, only when that part changed:
   * {@code onChange(AppConfig::db, (oldDb, newDb) -> ...)}. A selector that returns a part of the
   * configuration (a nested record, list or map, at any depth) is indexed by its path, so it costs nothing
   * when other parts change; any other selector is evaluated and compared with {@code equals} on every
   * applied version.
   *
   * <p>The path is found once, at registration, by where the selected part sits in the serving value. So a
   * selector must be a chain of accessors ({@code AppConfig::db}, {@code c -> c.db().pool()}); one that picks
   * between parts by another value ({@code c -> c.useReplica() ? c.replica() : c.primary()}) is indexed at
   * the part it picked first and is not called when the deciding value changes. Register such a listener with
   * {@link #onChange(ChangeListener)} and select inside it.
   */
  public <S> Registration onChange(Function<? super T, ? extends S> selector, BiConsumer<? super S, ? super S> listener) {
    Objects.requireNonNull(listener, "listener");
    Function<Object, Object> select = castSelector(selector);
    ChangeListener<T> call = change -> {
      @SuppressWarnings("unchecked")
      S before = (S) select.apply(change.previous().value());
      @SuppressWarnings("unchecked")
      S after = (S) select.apply(change.current().value());
      listener.accept(before, after);
    };
    return pipeline.listeners.add(locate(select), select, new ReloadPipeline.Listener<>(call, null));
  }

  /** Adds a participant that prepares for every candidate (see {@link Participant}). */
  public Registration participate(Participant<T> participant) {
    return pipeline.participants.add("", null, Objects.requireNonNull(participant));
  }

  /**
   * Adds a participant that prepares only for candidates whose selected part differs from the serving one.
   * The selector is located like those of {@link #onChange(Function, BiConsumer)}: a chain of accessors.
   */
  public Registration participate(Function<? super T, ?> selector, Participant<T> participant) {
    Function<Object, Object> select = castSelector(selector);
    return pipeline.participants.add(locate(select), select, Objects.requireNonNull(participant));
  }

  /** Receives every pipeline outcome: applied, unchanged, rejected, rolled back, skipped. Isolated like listeners. */
  public Registration subscribe(Consumer<? super ReloadEvent> subscriber) {
    Objects.requireNonNull(subscriber, "subscriber");
    pipeline.subscribers.add(subscriber);
    return () -> pipeline.subscribers.remove(subscriber);
  }

  /**
   * Reloads from the sources now and returns the outcome. A rejected candidate is an outcome, not an
   * exception: the previous version keeps serving.
   *
   * @throws IllegalStateException if called from a listener or participant of this config (use
   *     {@link #reloadAsync(String)} there)
   */
  public ReloadEvent reload() {
    return await(reloadAsync("reload()"));
  }

  /**
   * Requests a reload; the future completes with its outcome. Requests made while another is queued join it.
   *
   * @param cause what triggered it, for events and logs ({@code SIGHUP}, {@code admin}, ...)
   */
  public CompletableFuture<ReloadEvent> reloadAsync(String cause) {
    return pipeline.requestReload(Objects.requireNonNull(cause, "cause"));
  }

  /**
   * Checks a candidate document as if it were the whole configuration: parse, bind, validate and diff against
   * the serving version. Nothing is applied and no participant is prepared. Safe to call from any thread.
   *
   * @param document the candidate's bytes
   * @param format   its format name or extension ({@code yaml}, {@code json}, {@code toml}, {@code properties})
   */
  public DryRun dryRun(byte[] document, String format) {
    return pipeline.dryRun(Objects.requireNonNull(document, "document"), Objects.requireNonNull(format, "format"));
  }

  /** The applied versions kept (newest first), bounded by {@link Builder#historySize}. */
  public List<ConfigSnapshot<T>> history() {
    return pipeline.history();
  }

  /**
   * Applies an earlier version's content again, as a new version, through the same pipeline (bind,
   * validate, prepare). It serves until the sources change.
   *
   * @throws IllegalArgumentException if the version is not in the history
   */
  public ReloadEvent rollback(long version) {
    return await(pipeline.requestRollback(version));
  }

  /** Freezes the serving version: reloads and rollbacks are skipped until {@link #unpin()}. */
  public void pin() {
    pipeline.pinned = true;
  }

  /** Lifts {@link #pin()} and reloads, so changes made meanwhile are picked up. */
  public CompletableFuture<ReloadEvent> unpin() {
    pipeline.pinned = false;
    return pipeline.requestReload("unpin");
  }

  /** What is serving, what happened last, and how each file is watched. */
  public ConfigStatus status() {
    return pipeline.status(watches.stream().map(FileWatcher.Handle::status).toList());
  }

  /** Stops watching files and SIGHUP; the last version keeps serving to readers. Further reloads are skipped. */
  @Override
  public void close() {
    pipeline.closed = true;
    watches.forEach(Registration::close);
    sighup.close();
  }

  private ReloadEvent await(CompletableFuture<ReloadEvent> future) {
    if (pipeline.onRunnerThread() && !future.isDone()) {
      throw new IllegalStateException("reload() and rollback() cannot wait from a listener or participant of the "
          + "same config; use reloadAsync()");
    }
    try {
      return future.join();
    } catch (CompletionException e) {
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      if (e.getCause() instanceof Error err) {
        throw err;
      }
      throw e;
    }
  }

  @SuppressWarnings("unchecked")
  private static Function<Object, Object> castSelector(Function<?, ?> selector) {
    Objects.requireNonNull(selector, "selector");
    return (Function<Object, Object>) selector;
  }

  private String locate(Function<Object, Object> selector) {
    T value = get();
    try {
      return Dispatch.locate(value, selector.apply(value));
    } catch (RuntimeException e) {
      return "";
    }
  }

  /**
   * Configures and starts a {@link LiveConfig}. Not thread-safe; {@link #build()} loads the first version.
   */
  public static final class Builder<T> {
    private final Class<T> type;
    private final List<ConfigSource> sources = new ArrayList<>();
    private final List<Validator<? super T>> validators = new ArrayList<>();
    private final List<ConfigFormat> formats = new ArrayList<>();
    private String name;
    private UnknownKeys unknownKeys = UnknownKeys.WARN;
    private ParseLimits limits = ParseLimits.DEFAULTS;
    private int historySize = 20;
    private Path lastGoodCache;
    private boolean beanValidation = true;
    private boolean watchFiles;
    private WatchMode watchMode = WatchMode.AUTO;
    private Duration quietPeriod = Duration.ofMillis(100);
    private Duration pollInterval = Duration.ofSeconds(1);
    private Duration safetyInterval = Duration.ofSeconds(30);
    private boolean reloadOnSighup = true;
    private FileWatcher watcher;
    private Executor executor = Threads.RELOADS;
    private Clock clock = Clock.systemUTC();
    private LongSupplier ticker = System::nanoTime;
    private Duration slowListener = Duration.ofSeconds(1);

    private Builder(Class<T> type) {
      this.type = Objects.requireNonNull(type, "type");
      if (!type.isRecord() && type != ConfigTree.class) {
        throw new IllegalArgumentException(String.format(
            "the configuration type must be a record (or ConfigTree), was %s", type.getName()));
      }
      Binder.checkSupported(type, "");
    }

    /** Adds a source; sources added later override earlier ones, key by key. */
    public Builder<T> source(ConfigSource source) {
      sources.add(Objects.requireNonNull(source, "source"));
      return this;
    }

    /** Adds a validator; all validators run and all their problems are reported together. */
    public Builder<T> validator(Validator<? super T> validator) {
      validators.add(Objects.requireNonNull(validator, "validator"));
      return this;
    }

    /** Adds a format beyond the built-in and {@link java.util.ServiceLoader}-discovered ones. */
    public Builder<T> format(ConfigFormat format) {
      formats.add(Objects.requireNonNull(format, "format"));
      return this;
    }

    /** The name in logs, status and events; defaults to the type's simple name. */
    public Builder<T> name(String name) {
      this.name = Objects.requireNonNull(name, "name");
      return this;
    }

    /** What to do with keys the record type does not have (default {@link UnknownKeys#WARN}). */
    public Builder<T> unknownKeys(UnknownKeys policy) {
      this.unknownKeys = Objects.requireNonNull(policy, "policy");
      return this;
    }

    /** Parser limits (default {@link ParseLimits#DEFAULTS}). */
    public Builder<T> limits(ParseLimits limits) {
      this.limits = Objects.requireNonNull(limits, "limits");
      return this;
    }

    /** How many applied versions to keep for {@link LiveConfig#history()} and rollback (default 20). */
    public Builder<T> historySize(int size) {
      if (size < 1) {
        throw new IllegalArgumentException(String.format("historySize must be >= 1, was %d", size));
      }
      this.historySize = size;
      return this;
    }

    /**
     * Keeps the last applied version in this file, and starts from it (reported as degraded) when the
     * sources are broken at start-up. The file holds secrets; it is created readable by its owner only.
     */
    public Builder<T> lastGoodCache(Path file) {
      this.lastGoodCache = Objects.requireNonNull(file, "file");
      return this;
    }

    /** Whether to run Jakarta Bean Validation when a provider is present (default true). */
    public Builder<T> beanValidation(boolean enabled) {
      this.beanValidation = enabled;
      return this;
    }

    /**
     * Reload when a file source changes (default false). Directories are watched, not files, so editors,
     * {@code sed -i} and Kubernetes ConfigMap/Secret volume swaps are all seen; see {@link #watchMode}.
     */
    public Builder<T> watchFiles(boolean watch) {
      this.watchFiles = watch;
      return this;
    }

    /** Events, polling, or automatic by filesystem type (default {@link WatchMode#AUTO}). */
    public Builder<T> watchMode(WatchMode mode) {
      this.watchMode = Objects.requireNonNull(mode, "mode");
      return this;
    }

    /**
     * How long a changed file must stay unchanged before it is read (default 100 ms). Editors, {@code sed -i}
     * and the kubelet finish a save within a few milliseconds, and programs that write a file in chunks
     * rarely pause longer than tens of milliseconds between them; 100 ms covers both while staying below
     * what a person notices. Content caught mid-write by a writer that pauses longer is rejected only if it
     * is still bad once settled, and applied if it parses and validates.
     */
    public Builder<T> quietPeriod(Duration quiet) {
      this.quietPeriod = positive("quietPeriod", quiet, true);
      return this;
    }

    /** How often polled files are read (default 1 s). */
    public Builder<T> pollInterval(Duration interval) {
      this.pollInterval = positive("pollInterval", interval, false);
      return this;
    }

    /** How often every watched file is reloaded whatever the events say, to catch anything missed (default 30 s). */
    public Builder<T> safetyInterval(Duration interval) {
      this.safetyInterval = positive("safetyInterval", interval, false);
      return this;
    }

    /**
     * Whether SIGHUP reloads this config (default true, where the JVM allows signal handling). A SIGHUP handler
     * the application installed earlier is still called.
     */
    public Builder<T> reloadOnSighup(boolean enabled) {
      this.reloadOnSighup = enabled;
      return this;
    }

    /** The file watcher to use instead of the process-wide one (tests inject failures through it). */
    Builder<T> watcher(FileWatcher watcher) {
      this.watcher = watcher;
      return this;
    }

    private static Duration positive(String name, Duration d, boolean zeroAllowed) {
      Objects.requireNonNull(d, name);
      if (d.isNegative() || (!zeroAllowed && d.isZero())) {
        throw new IllegalArgumentException(String.format("%s must be %s, was %s", name, zeroAllowed ? ">= 0" : "> 0", d));
      }
      return d;
    }

    /** Where reloads run (default: a shared daemon pool); runs stay one at a time per config. */
    public Builder<T> executor(Executor executor) {
      this.executor = Objects.requireNonNull(executor, "executor");
      return this;
    }

    /** The clock for snapshot and event times (tests pass a fixed one). */
    public Builder<T> clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /** The nanosecond ticker for durations (tests pass a manual one). */
    public Builder<T> ticker(LongSupplier nanoTicker) {
      this.ticker = Objects.requireNonNull(nanoTicker, "nanoTicker");
      return this;
    }

    /** Listener calls slower than this are logged and counted (default 1 s). */
    public Builder<T> slowListenerThreshold(Duration threshold) {
      this.slowListener = Objects.requireNonNull(threshold, "threshold");
      return this;
    }

    /**
     * Loads the first version and starts watching.
     *
     * @throws ConfigException listing every problem, if the sources are broken and no usable last-good cache
     *     exists
     * @throws IllegalArgumentException if no source was given
     */
    public LiveConfig<T> build() {
      if (sources.isEmpty()) {
        throw new IllegalArgumentException("at least one source is required");
      }
      Optional<BeanValidation> bv = beanValidation && BeanValidation.available() ? BeanValidation.create() : Optional.empty();
      ReloadPipeline<T> pipeline = new ReloadPipeline<>(name != null ? name : type.getSimpleName(), type,
          new Layers(sources, Formats.discover(formats), limits, type, unknownKeys), new Binder(unknownKeys),
          validators, bv, Optional.ofNullable(lastGoodCache).map(LastGoodCache::new), limits, historySize, clock, ticker,
          slowListener, executor);
      pipeline.start();
      List<FileWatcher.Handle> watches = new ArrayList<>();
      if (watchFiles) {
        FileWatcher fileWatcher = watcher != null ? watcher : FileWatcher.shared();
        FileWatcher.Options options = new FileWatcher.Options(watchMode, quietPeriod, pollInterval, safetyInterval);
        for (ConfigSource source : sources) {
          for (Path file : source.watchedFiles()) {
            watches.add(fileWatcher.watch(file, options, () -> pipeline.requestReload("file " + file)));
          }
        }
      }
      Registration sighup = reloadOnSighup ? Signals.onSighup(() -> pipeline.requestReload("SIGHUP")) : () -> { };
      return new LiveConfig<>(pipeline, watches, sighup);
    }
  }
}
