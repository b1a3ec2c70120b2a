package dev.relive.config;

import dev.relive.config.internal.Dispatch;
import dev.relive.config.internal.LastGoodCache;
import dev.relive.config.internal.Layers;
import dev.relive.config.internal.Paths;
import dev.relive.config.internal.bind.BeanValidation;
import dev.relive.config.internal.bind.Binder;
import dev.relive.config.internal.format.Formats;
import dev.relive.config.internal.watch.FileTrigger;
import dev.relive.config.internal.watch.FileWatcher;
import dev.relive.config.internal.watch.SighupTrigger;
import dev.relive.config.spi.ChangeTrigger;
import dev.relive.config.spi.ConfigFormat;
import dev.relive.config.spi.ConfigSource;
import dev.relive.config.spi.ParseLimits;
import dev.relive.config.spi.SourceData;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.jspecify.annotations.Nullable;

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
  /** The serving value: the one field {@link #get()} reads. Written after {@link #snapshot}. */
  @SuppressWarnings("NullAway.Init") // written by publish() before build() returns
  private volatile T value;
  /** The serving version. */
  @SuppressWarnings("NullAway.Init") // written by publish() before build() returns
  private volatile ConfigSnapshot<T> snapshot;
  private final ReloadPipeline<T> pipeline;
  private final Duration closeTimeout;
  private final Duration stageTimeout;
  private final List<ChangeTrigger> triggers = new ArrayList<>();
  private final List<Registration> started = new ArrayList<>();
  private final Map<ChangeTrigger, String> unhealthy = new ConcurrentHashMap<>();
  private final List<ConfigSource> sources;

  private LiveConfig(Builder<T> b) {
    this.sources = List.copyOf(b.sources);
    Optional<BeanValidation> bv = b.beanValidation && BeanValidation.available() ? BeanValidation.create()
        : Optional.empty();
    this.pipeline = new ReloadPipeline<>(this, b.name != null ? b.name : b.type.getSimpleName(), b.type,
        new Layers(b.sources, Formats.discover(b.formats), b.limits, b.type, b.unknownKeys), new Binder(b.unknownKeys),
        b.validators, bv, Optional.ofNullable(b.lastGoodCache).map(LastGoodCache::new),
        Optional.ofNullable(b.secretPattern), b.limits, b.historySize, b.clock, b.ticker, b.slowListener,
        Optional.ofNullable(b.executor));
    this.closeTimeout = b.closeTimeout;
    this.stageTimeout = b.stageTimeout;
    if (b.healthCheck != null) {
      pipeline.healthGate(b.healthCheck, b.bake);
    }
    if (b.binding != null) {
      pipeline.binding(b.binding);
    }
  }

  /** Called by the pipeline at the swap: the snapshot first, so {@code snapshot()} is never older than {@code get()}. */
  void publish(ConfigSnapshot<T> next) {
    snapshot = next;
    value = next.value();
  }

  /** Starts building a live configuration bound to a record type (or {@link ConfigTree} for untyped use). */
  public static <T> Builder<T> builder(Class<T> type) {
    return new Builder<>(type, null);
  }

  /**
   * Starts building a live configuration whose values {@code binding} makes (any type; the engine's record
   * binding is not used). See {@link Binding}.
   */
  public static <T> Builder<T> builder(Class<T> type, Binding<T> binding) {
    return new Builder<>(type, Objects.requireNonNull(binding, "binding"));
  }

  /**
   * The serving value: one volatile read of a prebuilt object. Two calls may return two versions; read once
   * and use the result when parts must agree.
   */
  public T get() {
    return value;
  }

  /**
   * The serving version with its metadata: one volatile read. Never older than a value {@link #get()} returned
   * before it was called.
   */
  public ConfigSnapshot<T> snapshot() {
    return snapshot;
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

  /**
   * Adds a participant that prepares for every candidate from now on (see {@link Participant}). To take part
   * in the first version too, add it with {@link Builder#participant}.
   */
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
    return pipeline.await(reloadAsync("reload()"));
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
   * The first phase of a two-phase apply: reads the sources and runs parse, merge, bind, validate, diff and
   * every participant's prepare, then holds the candidate without swapping it in (see {@link StagedChange}).
   * Other reloads wait until it is committed or aborted, or until {@link Builder#stageTimeout} has passed,
   * which aborts it. A candidate that is rejected, unchanged or skipped is returned not
   * {@link StagedChange#prepared() prepared}, with its outcome.
   *
   * @param cause what asked for it, for events and logs ({@code rollout 7})
   * @throws IllegalStateException if a staged change is already held, or if called from a listener or
   *     participant of this config
   */
  public StagedChange<T> stage(String cause) {
    return stage(cause, stageTimeout);
  }

  /** Like {@link #stage(String)}, aborting the candidate if it is not committed within {@code timeout}. */
  public StagedChange<T> stage(String cause, Duration timeout) {
    return stage(cause, timeout, Map.of());
  }

  /**
   * Like {@link #stage(String, Duration)}, with the content of some of this config's sources given instead of
   * read: the candidate is every other layer as read now, with these in their places. For a coordinator that
   * decides what a source will hold before it holds it: a fleet rollout stages the candidate version in place
   * of the version the etcd layer serves, and commits it only when every node could.
   *
   * @throws IllegalArgumentException if a source in {@code instead} is not one of this config's sources
   */
  public StagedChange<T> stage(String cause, Duration timeout, Map<ConfigSource, SourceData> instead) {
    Objects.requireNonNull(cause, "cause");
    Builder.positive("timeout", timeout, false);
    for (ConfigSource source : instead.keySet()) {
      if (!sources.contains(source)) {
        throw new IllegalArgumentException(source.name() + " is not a source of this config");
      }
    }
    return pipeline.stage(cause, timeout, Map.copyOf(instead));
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
    return pipeline.await(pipeline.requestRollback(version));
  }

  /**
   * Freezes the serving version: once this returns, nothing is swapped in (reloads, rollbacks and staged
   * commits are skipped) until {@link #unpin()}.
   */
  public void pin() {
    pipeline.pin();
  }

  /** Lifts {@link #pin()} and reloads, so changes made meanwhile are picked up. */
  public CompletableFuture<ReloadEvent> unpin() {
    pipeline.unpin();
    return pipeline.requestReload("unpin");
  }

  /** What is serving, what happened last, how each file is watched, and why it is degraded if it is. */
  public ConfigStatus status() {
    List<WatchedFile> files = new ArrayList<>();
    List<String> problems = new ArrayList<>();
    synchronized (started) {
      for (ChangeTrigger t : triggers) {
        if (t instanceof FileTrigger f) {
          f.status().ifPresent(st -> files.add(new WatchedFile(st.path(), st.mode(), st.lastChange(), st.warning(),
              st.notes())));
          f.problem().ifPresent(problems::add);
        }
      }
    }
    unhealthy.forEach((t, reason) -> problems.add(t.name() + ": " + reason));
    return pipeline.status(files, problems);
  }

  /**
   * Stops every trigger (file watching, SIGHUP, ...), aborts a staged candidate, waits (up to
   * {@link Builder#closeTimeout}) for a reload in flight, which is then not applied, and releases the shared
   * threads once no config uses them. The last version keeps serving to readers; further reloads are skipped.
   * Idempotent.
   */
  @Override
  public void close() {
    synchronized (started) {
      started.forEach(r -> {
        try {
          r.close();
        } catch (RuntimeException e) {
          // a trigger that fails to stop must not keep the others running
          org.slf4j.LoggerFactory.getLogger(LiveConfig.class).warn("{}: a trigger failed to stop: {}", name(), e.toString());
        }
      });
      started.clear();
    }
    pipeline.close(closeTimeout);
  }

  /** Starts the triggers once the first version serves. */
  private void startTriggers(List<ChangeTrigger> all) {
    synchronized (started) {
      for (ChangeTrigger trigger : all) {
        triggers.add(trigger);
        started.add(trigger.start(new ChangeTrigger.Changes() {
          @Override
          public void changed(String cause) {
            var unused = pipeline.requestReload(Objects.requireNonNull(cause, "cause"));
          }

          @Override
          public void unhealthy(String reason) {
            unhealthy.put(trigger, Objects.requireNonNull(reason, "reason"));
          }

          @Override
          public void healthy() {
            unhealthy.remove(trigger);
          }
        }));
      }
    }
  }

  @SuppressWarnings("unchecked")
  private static Function<Object, Object> castSelector(Function<?, ?> selector) {
    Objects.requireNonNull(selector, "selector");
    return (Function<Object, Object>) selector;
  }

  private String locate(Function<Object, Object> selector) {
    T serving = get();
    try {
      return Dispatch.locate(serving, selector.apply(serving));
    } catch (RuntimeException e) {
      return "";
    }
  }

  /** A participant given to the builder, with its selector (null: every candidate). */
  private record Selected<T>(@Nullable Function<Object, Object> selector, Participant<T> participant) {}

  /**
   * Configures and starts a {@link LiveConfig}. Not thread-safe; {@link #build()} loads the first version.
   */
  public static final class Builder<T> {
    private final Class<T> type;
    private final List<ConfigSource> sources = new ArrayList<>();
    private final List<Validator<? super T>> validators = new ArrayList<>();
    private final List<ConfigFormat> formats = new ArrayList<>();
    private @Nullable String name;
    private UnknownKeys unknownKeys = UnknownKeys.WARN;
    private ParseLimits limits = ParseLimits.DEFAULTS;
    private int historySize = 20;
    private @Nullable Path lastGoodCache;
    private boolean beanValidation = true;
    private boolean watchFiles;
    private WatchMode watchMode = WatchMode.AUTO;
    private Duration quietPeriod = Duration.ofMillis(100);
    private Duration pollInterval = Duration.ofSeconds(1);
    private Duration safetyInterval = Duration.ofSeconds(30);
    private boolean reloadOnSighup = true;
    private @Nullable FileWatcher watcher;
    private @Nullable Executor executor;
    private final List<ChangeTrigger> extraTriggers = new ArrayList<>();
    private final List<Consumer<? super ReloadEvent>> subscribers = new ArrayList<>();
    private final List<Selected<T>> participants = new ArrayList<>();
    private @Nullable Pattern secretPattern;
    private final @Nullable Binding<T> binding;
    private @Nullable Duration maxWait;
    private Duration closeTimeout = Duration.ofSeconds(10);
    private Duration stageTimeout = Duration.ofSeconds(30);
    private @Nullable HealthCheck healthCheck;
    private Duration bake = Duration.ZERO;
    private Clock clock = Clock.systemUTC();
    private LongSupplier ticker = System::nanoTime;
    private Duration slowListener = Duration.ofSeconds(1);

    private Builder(Class<T> type, @Nullable Binding<T> binding) {
      this.type = Objects.requireNonNull(type, "type");
      this.binding = binding;
      if (binding != null) {
        return; // the binding knows its type
      }
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

    static Duration positive(String name, Duration d, boolean zeroAllowed) {
      Objects.requireNonNull(d, name);
      if (d.isNegative() || (!zeroAllowed && d.isZero())) {
        throw new IllegalArgumentException(String.format("%s must be %s, was %s", name, zeroAllowed ? ">= 0" : "> 0", d));
      }
      return d;
    }

    /**
     * The longest a reload waits after the first change of a burst, however busy the writer: a file rewritten
     * every few milliseconds still reloads at least this often (default 10 × the quiet period).
     */
    public Builder<T> maxWait(Duration wait) {
      this.maxWait = positive("maxWait", wait, false);
      return this;
    }

    /** Adds a trigger beyond those of the sources, file watching and SIGHUP (see {@link ChangeTrigger}). */
    public Builder<T> trigger(ChangeTrigger trigger) {
      extraTriggers.add(Objects.requireNonNull(trigger, "trigger"));
      return this;
    }

    /**
     * Adds a participant that takes part in every version, the first included: for the first,
     * {@code prepare} is called with {@code null} as the current value. A participant that cannot prepare the
     * first version fails {@link #build()} (unless the last-good cache serves instead).
     */
    public Builder<T> participant(Participant<T> participant) {
      participants.add(new Selected<>(null, Objects.requireNonNull(participant, "participant")));
      return this;
    }

    /** Like {@link #participant(Participant)}, prepared only when the selected part changed (always for the first). */
    public Builder<T> participant(Function<? super T, ?> selector, Participant<T> participant) {
      participants.add(new Selected<>(castSelector(selector), Objects.requireNonNull(participant, "participant")));
      return this;
    }

    /** Receives every pipeline outcome from the first load on (see {@link LiveConfig#subscribe}). */
    public Builder<T> subscriber(Consumer<? super ReloadEvent> subscriber) {
      subscribers.add(Objects.requireNonNull(subscriber, "subscriber"));
      return this;
    }

    /**
     * Also treats as secret every path (and everything under it) that this regular expression matches whole,
     * such as {@code "(.*\\.)?(dsn|connectionString)"}; beside {@link Secret} and the secret-name rule of
     * {@link ConfigTree#isSecretName}.
     *
     * @throws IllegalArgumentException if the expression is malformed
     */
    public Builder<T> secretPattern(String regex) {
      try {
        this.secretPattern = Pattern.compile(Objects.requireNonNull(regex, "regex"));
      } catch (PatternSyntaxException e) {
        throw new IllegalArgumentException(String.format("secretPattern is not a valid expression: %s", e.getMessage()), e);
      }
      return this;
    }

    /** How long {@link LiveConfig#close()} waits for a reload in flight (default 10 s). */
    public Builder<T> closeTimeout(Duration timeout) {
      this.closeTimeout = positive("closeTimeout", timeout, true);
      return this;
    }

    /**
     * A health gate: after each new version applies (not the first, and not a rollback), {@code check} runs
     * during {@code bake}; if it reports unhealthy while that version serves, the config rolls back to the
     * version before by itself, as {@link LiveConfig#rollback} does (listeners and participants included),
     * the event's cause and {@link ConfigStatus#degradedReasons()} say why, and the same content is not
     * applied again until the sources change.
     */
    public Builder<T> healthGate(HealthCheck check, Duration bake) {
      this.healthCheck = Objects.requireNonNull(check, "check");
      this.bake = positive("bake", bake, false);
      return this;
    }

    /** How long a staged candidate is held before it is aborted (default 30 s). */
    public Builder<T> stageTimeout(Duration timeout) {
      this.stageTimeout = positive("stageTimeout", timeout, false);
      return this;
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
      LiveConfig<T> config = new LiveConfig<>(this);
      ReloadPipeline<T> pipeline = config.pipeline;
      pipeline.subscribers.addAll(subscribers);
      for (Selected<T> p : participants) {
        pipeline.participants.add("", p.selector(), p.participant());
      }
      pipeline.start();
      List<ChangeTrigger> all = new ArrayList<>();
      if (watchFiles) {
        FileWatcher.Options options = new FileWatcher.Options(watchMode, quietPeriod,
            maxWait != null ? maxWait : quietPeriod.multipliedBy(10), pollInterval, safetyInterval);
        for (ConfigSource source : sources) {
          for (Path file : source.watchedFiles()) {
            all.add(new FileTrigger(file, options, watcher));
          }
        }
      }
      for (ConfigSource source : sources) {
        all.addAll(source.triggers());
      }
      all.addAll(extraTriggers);
      if (reloadOnSighup) {
        all.add(new SighupTrigger());
      }
      try {
        config.startTriggers(all);
      } catch (RuntimeException | Error e) {
        config.close();
        throw e;
      }
      return config;
    }
  }
}
