package dev.relive.config;

import dev.relive.config.ReloadEvent.Stage;
import dev.relive.config.internal.Dispatch;
import dev.relive.config.internal.LastGoodCache;
import dev.relive.config.internal.Layers;
import dev.relive.config.internal.Paths;
import dev.relive.config.internal.SerialRunner;
import dev.relive.config.internal.Threads;
import dev.relive.config.internal.bind.BeanValidation;
import dev.relive.config.internal.bind.Binder;
import dev.relive.config.spi.ConfigSource;
import dev.relive.config.spi.ParseLimits;
import dev.relive.config.spi.SourceData;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.jspecify.annotations.Nullable;

/**
 * One live configuration's reload pipeline. A reload reads top to bottom in two methods: {@link #stage}
 * (read → parse → merge → unchanged? → bind → validate → diff → prepare) builds a {@link Candidate} off to the
 * side, and {@link #commit} (swap → commit participants → listeners → record) makes it serve. A plain reload
 * runs both back to back ({@link #run}); {@link LiveConfig#stage} runs the first, holds the candidate, and
 * runs the second or {@link #abort} when asked.
 *
 * <p>Implementation notes. All-or-nothing: everything that can fail (user hooks included: selectors,
 * validators, participants' prepare) runs before the swap, and any failure there, whatever it throws short of
 * a {@link VirtualMachineError}, becomes a {@link ReloadEvent.Rejected} naming the stage, after aborting the
 * participants already prepared. After the swap only isolated calls run (participants' commit, listeners,
 * the cache write, subscribers), so history, {@code lastResult}, the cache and the events always agree with
 * what readers get. Runs are serialised on a {@link SerialRunner}; reload requests that arrive before a
 * queued run has started join it. The swap happens under {@code lock} together with the check of
 * {@code state} and {@code pinned}, so once {@code pin()} or {@code close()} has returned nothing swaps.
 * The published fields readers touch live in {@link LiveConfig}; everything else here is written on the
 * runner thread and read by {@code status()} through volatile fields or under {@code lock}.
 */
final class ReloadPipeline<T> {
  private static final Logger LOG = LoggerFactory.getLogger(LiveConfig.class);
  private static final int LOGGED_PATHS = 20;

  /** OPEN → CLOSING → CLOSED: closing refuses new swaps and waits for the run in flight. */
  enum State { OPEN, CLOSING, CLOSED }

  final String name;
  private final LiveConfig<T> config;
  private final Class<T> type;
  private final Layers layers;
  private final Binder binder;
  private final List<Validator<? super T>> validators;
  private final Optional<BeanValidation> beanValidation;
  private final Optional<LastGoodCache> lastGood;
  private final Optional<Pattern> secretPattern;
  private final ParseLimits limits;
  private final int historySize;
  private final Clock clock;
  private final LongSupplier ticker;
  private final long slowListenerNanos;
  private final Threads.Lease threads;
  private final SerialRunner runner;

  final Dispatch<Listener<T>> listeners = new Dispatch<>();
  final Dispatch<Participant<T>> participants = new Dispatch<>();
  final List<Consumer<? super ReloadEvent>> subscribers = new CopyOnWriteArrayList<>();

  private final Object lock = new Object();
  private State state = State.OPEN;
  private boolean pinned;
  private @Nullable StagedChange<T> staged;
  private boolean stageQueued;
  private final Deque<ConfigSnapshot<T>> history = new ArrayDeque<>();

  private final Object requestLock = new Object();
  private @Nullable CompletableFuture<ReloadEvent> queuedReload;
  private String queuedCause = "";

  /** The serving version, as the pipeline sees it (readers use LiveConfig's fields). */
  private volatile @Nullable ConfigSnapshot<T> current;
  private @Nullable List<SourceStamp> rolledBackFrom;
  private @Nullable List<SourceStamp> lastRejectedStamps;
  private volatile boolean servingLastGood;
  private volatile String lastGoodReason = "";
  private volatile @Nullable ReloadEvent lastResult;
  private volatile ReloadEvent.@Nullable Rejected lastRejection;
  private @Nullable Binding<T> binding;
  private volatile @Nullable HealthCheck healthCheck;
  private Duration bake = Duration.ZERO;
  /** Why the health gate rolled back the newest content; empty once a new version applies. */
  private volatile String healthRollback = "";
  private @Nullable ScheduledFuture<?> baking;
  private long bakingVersion;
  private final AtomicLong applied = new AtomicLong();
  private final AtomicLong rejected = new AtomicLong();
  private final AtomicLong listenerFailures = new AtomicLong();
  private final AtomicLong slowListeners = new AtomicLong();

  /** A whole-config listener and where it runs (null: on the reload thread). */
  record Listener<T>(ChangeListener<T> listener, @Nullable Executor executor) {}

  /**
   * What to run: a reload from the sources, where {@code instead} gives some sources' content instead of
   * reading them; a rollback to a version of the history ({@code rollbackTo > 0}); or a tree given as it is
   * ({@code fixed}: the last-good cache at start-up).
   */
  private record Request(String cause, long rollbackTo, @Nullable ConfigTree fixed, Map<ConfigSource, SourceData> instead) {
    Request(String cause, long rollbackTo, @Nullable ConfigTree fixed) {
      this(cause, rollbackTo, fixed, Map.of());
    }

    static Request reload(String cause) {
      return new Request(cause, 0, null);
    }
  }

  /** A prepared candidate, not yet serving: everything commit needs, all of it computed. */
  record Candidate<T>(Request request, @Nullable ConfigSnapshot<T> serving, ConfigSnapshot<T> next, List<String> changed,
      List<Participant.Prepared> prepared, List<Problem> warnings, Optional<ConfigSnapshot<T>> restored,
      long started) {}

  /** The outcome of staging: a candidate, or the event that says why there is none. */
  private record Staging<T>(@Nullable Candidate<T> candidate, @Nullable ReloadEvent refused) {}

  ReloadPipeline(LiveConfig<T> config, String name, Class<T> type, Layers layers, Binder binder,
      List<Validator<? super T>> validators, Optional<BeanValidation> beanValidation, Optional<LastGoodCache> lastGood,
      Optional<Pattern> secretPattern, ParseLimits limits, int historySize, Clock clock, LongSupplier ticker,
      Duration slowListenerThreshold, Optional<Executor> executor) {
    this.config = config;
    this.name = name;
    this.type = type;
    this.layers = layers;
    this.binder = binder;
    this.validators = List.copyOf(validators);
    this.beanValidation = beanValidation;
    this.lastGood = lastGood;
    this.secretPattern = secretPattern;
    this.limits = limits;
    this.historySize = historySize;
    this.clock = clock;
    this.ticker = ticker;
    this.slowListenerNanos = slowListenerThreshold.toNanos();
    this.threads = Threads.acquire();
    this.runner = new SerialRunner(executor.orElse(threads.reloads()));
  }

  // ---- requests ---------------------------------------------------------------------------------------

  /**
   * Loads the first version on the caller's thread; falls back to the last-good cache.
   *
   * @throws ConfigException if neither the sources nor the cache give a version
   */
  void start() {
    ReloadEvent first = run(Request.reload("initial"));
    if (!(first instanceof ReloadEvent.Rejected fromSources)) {
      return;
    }
    Optional<ConfigTree> cached = Optional.empty();
    if (lastGood.isPresent()) {
      try {
        cached = lastGood.get().read(limits);
      } catch (Exception e) {
        LOG.warn("{}: last-good cache {} is unusable: {}", name, lastGood.get().file(), e.getMessage());
      }
    }
    if (cached.isPresent()) {
      ReloadEvent fromCache = run(new Request("last-good cache " + lastGood.get().file(), 0, cached.get()));
      if (fromCache instanceof ReloadEvent.Applied) {
        lastGoodReason = "serving the last-good cache " + lastGood.get().file() + " because the sources were broken at "
            + "start-up: " + fromSources.problems().get(0);
        lastRejection = fromSources;
        LOG.warn("{}: sources are broken; serving the last-good cache (degraded):\n  {}", name,
            render(fromSources.problems()));
        return;
      }
    }
    close(Duration.ZERO);
    throw switch (fromSources.stage()) {
      case SOURCES -> new ConfigException.Parse(fromSources.problems());
      case BIND -> new ConfigException.Binding(fromSources.problems());
      case VALIDATE -> new ConfigException.Validation(fromSources.problems());
      case DIFF -> new ConfigException(fromSources.problems());
      case PREPARE -> new ConfigException.Prepare(fromSources.problems(), null);
    };
  }

  CompletableFuture<ReloadEvent> requestReload(String cause) {
    synchronized (requestLock) {
      if (queuedReload != null) {
        return queuedReload;
      }
      CompletableFuture<ReloadEvent> future = new CompletableFuture<>();
      queuedReload = future;
      queuedCause = cause;
      runner.submit(() -> {
        String c;
        synchronized (requestLock) {
          queuedReload = null;
          c = queuedCause;
        }
        complete(future, () -> run(Request.reload(c)));
      });
      return future;
    }
  }

  CompletableFuture<ReloadEvent> requestRollback(long version) {
    return requestRollback(version, "rollback to version " + version);
  }

  CompletableFuture<ReloadEvent> requestRollback(long version, String cause) {
    if (findInHistory(version).isEmpty()) {
      throw new IllegalArgumentException("version " + version + " is not in the history of " + name + " (kept: "
          + keptVersions() + ")");
    }
    CompletableFuture<ReloadEvent> future = new CompletableFuture<>();
    runner.submit(() -> complete(future, () -> run(new Request(cause, version, null))));
    return future;
  }

  /** See {@link LiveConfig#builder(Class, Binding)}. Set before the first version. */
  void binding(Binding<T> custom) {
    this.binding = custom;
  }

  /** The engine's record binding, or the custom one. */
  private Binder.Result<T> bind(ConfigTree candidate) {
    Binding<T> custom = binding;
    if (custom == null) {
      return binder.bind(candidate.root(), type);
    }
    Problems collected = new Problems();
    T value = null;
    try {
      value = custom.bind(candidate, collected);
    } catch (VirtualMachineError e) {
      throw e;
    } catch (Throwable e) {
      collected.add("", "binding failed: " + describe(e));
    }
    List<Problem> problems = collected.resolve(candidate);
    if (problems.isEmpty() && value == null) {
      problems = List.of(new Problem("", candidate.origin(""), "the binding returned no value"));
    }
    return new Binder.Result<>(problems.isEmpty() ? value : null, problems, List.of(), Set.of());
  }

  /** See {@link LiveConfig.Builder#healthGate}. Set before the first version. */
  void healthGate(HealthCheck check, Duration bakeTime) {
    this.healthCheck = check;
    this.bake = bakeTime;
  }

  /**
   * After {@code version} replaced {@code previous}: runs the health check until the bake time is over; if it
   * reports unhealthy while {@code version} still serves, rolls back to {@code previous}. The rollback keeps
   * the same content from being applied again until the sources change (as every rollback does).
   */
  private void bake(long version, long previous) {
    HealthCheck check = healthCheck;
    if (check == null) {
      return;
    }
    long deadline = ticker.getAsLong() + bake.toNanos();
    long every = Math.max(10_000_000L, Math.min(1_000_000_000L, bake.toNanos() / 20));
    synchronized (lock) {
      if (baking != null) {
        baking.cancel(false);
      }
      bakingVersion = version;
      baking = threads.timers().scheduleWithFixedDelay(() -> {
        ConfigSnapshot<T> serving = current;
        if (serving == null || serving.version() != version || ticker.getAsLong() > deadline) {
          stopBaking(version);
          return;
        }
        String problem;
        try {
          problem = check.problem().orElse(null);
        } catch (VirtualMachineError e) {
          throw e;
        } catch (Throwable e) {
          problem = "the health check failed: " + describe(e);
        }
        if (problem != null) {
          stopBaking(version);
          healthRollback = "version " + version + " was rolled back by the health gate: " + problem;
          LOG.atWarn().addKeyValue("config", name).addKeyValue("version", version)
              .log("{}: unhealthy within {} of version {} ({}); rolling back to version {}", name, bake, version,
                  problem, previous);
          try {
            var unused = requestRollback(previous, "health gate: " + problem);
          } catch (IllegalArgumentException e) {
            LOG.atError().addKeyValue("config", name).log("{}: cannot roll back: {}", name, e.getMessage());
          }
        }
      }, every, every, TimeUnit.NANOSECONDS);
    }
  }

  /** Ends the bake of {@code version}, unless a newer version's bake has replaced it. */
  private void stopBaking(long version) {
    synchronized (lock) {
      ScheduledFuture<?> b = baking;
      if (b != null && bakingVersion == version) {
        b.cancel(false);
        baking = null;
      }
    }
  }

  /** Stages a candidate and holds it (see {@link StagedChange}); waits until it is staged or refused. */
  StagedChange<T> stage(String cause, Duration timeout, Map<ConfigSource, SourceData> instead) {
    synchronized (lock) {
      if (staged != null || stageQueued) {
        throw new IllegalStateException(name + ": a staged change is already held" + (staged != null ? " (version "
            + staged.version() + ")" : "") + "; commit or abort it before staging another");
      }
      stageQueued = true;
    }
    CompletableFuture<StagedChange<T>> future = new CompletableFuture<>();
    runner.submit(() -> {
      try {
        Staging<T> s = stage(new Request(cause, 0, null, instead));
        Candidate<T> candidate = s.candidate();
        if (candidate == null) {
          synchronized (lock) {
            stageQueued = false;
          }
          future.complete(new StagedChange<>(this, null, finish(Objects.requireNonNull(s.refused()))));
          return;
        }
        StagedChange<T> handle = new StagedChange<>(this, candidate, null);
        synchronized (lock) {
          stageQueued = false;
          if (state != State.OPEN) {
            future.complete(new StagedChange<>(this, null, abort(candidate, "the config was closed")));
            return;
          }
          staged = handle;
          runner.hold();
        }
        handle.timeout(threads.timers().schedule(() -> {
          var unused = handle.resolve(false, "not committed within " + timeout);
        }, timeout.toNanos(), TimeUnit.NANOSECONDS));
        future.complete(handle);
      } catch (Throwable e) {
        synchronized (lock) {
          stageQueued = false;
        }
        future.completeExceptionally(e);
        if (e instanceof VirtualMachineError vme) {
          throw vme;
        }
      }
    });
    return await(future);
  }

  /** Ends a held candidate: runs its commit or abort first, before anything queued meanwhile. */
  CompletableFuture<ReloadEvent> resolve(Candidate<T> candidate, boolean commit, String reason) {
    CompletableFuture<ReloadEvent> future = new CompletableFuture<>();
    synchronized (lock) {
      staged = null;
    }
    runner.release(() -> complete(future, () -> commit ? commit(candidate) : abort(candidate, reason)));
    return future;
  }

  /** Waits for a request; refuses to wait from a listener or participant, which would wait for itself. */
  <R> R await(CompletableFuture<R> future) {
    if (runner.isRunnerThread() && !future.isDone()) {
      throw new IllegalStateException("a live config cannot wait for its own reloads from one of its listeners or "
          + "participants; use reloadAsync()");
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

  private static void complete(CompletableFuture<ReloadEvent> future, Supplier<ReloadEvent> run) {
    try {
      future.complete(run.get());
    } catch (Throwable e) {
      future.completeExceptionally(e);
      if (e instanceof VirtualMachineError vme) {
        throw vme;
      }
    }
  }

  // ---- the pipeline -----------------------------------------------------------------------------------

  /** One whole run: stage, then commit. */
  private ReloadEvent run(Request request) {
    Staging<T> s = stage(request);
    Candidate<T> candidate = s.candidate();
    return candidate != null ? commit(candidate) : finish(Objects.requireNonNull(s.refused()));
  }

  /** read → parse → merge → (unchanged?) → bind → validate → diff → prepare. Never throws short of a VM error. */
  private Staging<T> stage(Request request) {
    long started = ticker.getAsLong();
    ConfigSnapshot<T> serving = current;
    long servingVersion = serving == null ? 0 : serving.version();
    String refusal = refusal();
    if (refusal != null) {
      return refused(new ReloadEvent.Skipped(servingVersion, refusal, request.cause(), clock.instant(), elapsed(started)));
    }
    Stage stage = Stage.SOURCES;
    ConfigTree candidate = null;
    Set<String> secretPaths = Set.of();
    List<Participant.Prepared> prepared = new ArrayList<>();
    try {
      // read → parse → merge
      List<SourceStamp> stamps;
      List<Problem> warnings = new ArrayList<>();
      Optional<ConfigSnapshot<T>> restored = Optional.empty();
      if (request.rollbackTo() > 0) {
        restored = findInHistory(request.rollbackTo());
        if (restored.isEmpty()) {
          return reject(Stage.SOURCES, List.of(new Problem("", Origin.of(name), "version " + request.rollbackTo()
              + " is no longer in the history (kept: " + keptVersions() + ")")), ConfigTree.empty(), Set.of(), null,
              servingVersion, request.cause(), started);
        }
        candidate = restored.get().unredactedTree();
        stamps = Objects.requireNonNull(serving, "a rollback needs a serving version").stamps();
      } else if (request.fixed() != null) {
        candidate = request.fixed();
        stamps = List.of();
      } else {
        Layers.Result read = layers.read(request.instead());
        candidate = ConfigTree.of(read.merged());
        stamps = read.stamps();
        if (!read.problems().isEmpty()) {
          return reject(Stage.SOURCES, read.problems(), candidate, Set.of(), stamps, servingVersion, request.cause(),
              started);
        }
        warnings.addAll(read.warnings());
        if (rolledBackFrom != null && rolledBackFrom.equals(stamps)) {
          return refused(new ReloadEvent.Unchanged(servingVersion, request.cause(), clock.instant(), elapsed(started)));
        }
      }
      if (serving != null && !servingLastGood && candidate.hash().equals(serving.contentHash())) {
        return refused(new ReloadEvent.Unchanged(servingVersion, request.cause(), clock.instant(), elapsed(started)));
      }

      // bind
      stage = Stage.BIND;
      Binder.Result<T> bound = bind(candidate);
      secretPaths = secretPaths(candidate, bound.secretPaths());
      if (!bound.problems().isEmpty()) {
        return reject(Stage.BIND, bound.problems(), candidate, secretPaths, stamps, servingVersion, request.cause(),
            started);
      }
      T value = Objects.requireNonNull(bound.value(), "a bound value without problems");
      warnings.addAll(bound.warnings());

      // validate
      stage = Stage.VALIDATE;
      List<Problem> invalid = validate(value, candidate);
      if (!invalid.isEmpty()) {
        return reject(Stage.VALIDATE, invalid, candidate, secretPaths, stamps, servingVersion, request.cause(), started);
      }

      // diff
      stage = Stage.DIFF;
      List<String> changed = serving == null ? List.copyOf(candidate.leaves().keySet())
          : serving.unredactedTree().diff(candidate).stream().map(ConfigTree.ValueChange::path).toList();
      ConfigSnapshot<T> next = new ConfigSnapshot<>(value, servingVersion + 1, candidate, stamps, clock.instant(),
          request.cause(), secretPaths);

      // prepare: a participant that fails aborts those already prepared, newest first
      stage = Stage.PREPARE;
      for (Dispatch.Entry<Participant<T>> p : serving == null ? participants.all() : participants.affected(changed)) {
        String failure;
        try {
          if (serving != null && !p.changed(serving.value(), value)) {
            continue;
          }
          Participant.Prepared done = p.item.prepare(serving == null ? null : serving.value(), value);
          if (done != null) {
            prepared.add(done);
          }
          continue;
        } catch (VirtualMachineError e) {
          throw e;
        } catch (Throwable e) {
          failure = "a participant failed to prepare: " + describe(e);
          LOG.debug("{}: participant {} failed to prepare", name, p.item.getClass().getName(), e);
        }
        abortAll(prepared);
        String at = where(p, value);
        return reject(Stage.PREPARE, List.of(new Problem(at, candidate.origin(at), failure)), candidate,
            secretPaths, stamps, servingVersion, request.cause(), started);
      }
      return new Staging<>(new Candidate<>(request, serving, next, changed, prepared, warnings, restored, started), null);
    } catch (VirtualMachineError e) {
      abortAll(prepared);
      throw e;
    } catch (Throwable e) {
      abortAll(prepared);
      LOG.error("{}: internal error at {}; the candidate is rejected", name, stageName(stage), e);
      ConfigTree tree = candidate != null ? candidate : ConfigTree.empty();
      return reject(stage, List.of(new Problem("", tree.root().origin(), "internal error at " + stageName(stage) + ": "
          + e)), tree, secretPaths, null, servingVersion, request.cause(), started);
    }
  }

  /** swap → commit participants → listeners → record. Nothing after the swap can fail. */
  private ReloadEvent commit(Candidate<T> c) {
    ConfigSnapshot<T> next = c.next();
    long servingVersion = c.serving() == null ? 0 : c.serving().version();
    // The listeners to call are chosen before the swap: their selectors are user code and may throw.
    List<Listener<T>> toCall = c.serving() == null ? List.of() : affectedListeners(c.serving(), next, c.changed());

    synchronized (lock) {
      String refusal = refusalLocked();
      if (refusal != null) {
        abortAll(c.prepared());
        return finish(new ReloadEvent.Skipped(servingVersion, refusal, c.request().cause(), clock.instant(),
            elapsed(c.started())));
      }
      // swap: readers see the candidate from these writes on
      current = next;
      config.publish(next);
      history.addFirst(next);
      while (history.size() > historySize) {
        history.removeLast();
      }
    }

    // commit, listeners, record: each call isolated
    boolean fromCache = c.request().fixed() != null;
    servingLastGood = fromCache;
    ConfigSnapshot<T> replaced = c.serving();
    rolledBackFrom = c.restored().isPresent() && replaced != null ? replaced.stamps() : null;
    lastRejectedStamps = null;
    applied.incrementAndGet();
    for (Participant.Prepared p : c.prepared()) {
      isolated("participant commit", p::commit);
    }
    Duration listenerTime = c.serving() == null ? Duration.ZERO : notifyListeners(c.serving(), next, c.changed(), toCall);
    if (!fromCache) {
      lastGood.ifPresent(cache -> isolated("last-good cache write", () -> {
        try {
          cache.write(next.version(), next.unredactedTree());
        } catch (java.io.IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      }));
    }
    List<Problem> warnings = scrub(c.warnings(), next.unredactedTree(), next.secretPaths());
    ReloadEvent event;
    if (c.restored().isPresent()) {
      event = new ReloadEvent.RolledBack(next.version(), servingVersion, c.restored().get().version(), next.hash(),
          c.changed(), c.request().cause(), clock.instant(), elapsed(c.started()), listenerTime);
    } else {
      event = new ReloadEvent.Applied(next.version(), servingVersion, next.hash(), c.changed(), warnings,
          c.request().cause(), clock.instant(), elapsed(c.started()), listenerTime);
    }
    if (event instanceof ReloadEvent.Applied) {
      healthRollback = "";
      if (servingVersion != 0 && !fromCache) {
        bake(next.version(), servingVersion);
      }
    }
    isolated("logging", () -> {
      warnings.forEach(w -> LOG.atWarn().addKeyValue("config", name).log("{}", w));
      LOG.atInfo().addKeyValue("config", name).addKeyValue("event", event.kind()).addKeyValue("version", next.version())
          .addKeyValue("changed", shortList(c.changed())).addKeyValue("cause", c.request().cause())
          .log(c.restored().isPresent() ? "{}: rolled back to the content of version " + c.restored().get().version()
              + " as version {}" : "{}: applied version {}", name, next.version());
    });
    return finish(event);
  }

  /** Aborts a held candidate's participants; nothing serving changes. */
  private ReloadEvent abort(Candidate<T> c, String reason) {
    abortAll(c.prepared());
    long servingVersion = current == null ? 0 : current.version();
    isolated("logging", () -> LOG.atInfo().addKeyValue("config", name).addKeyValue("event", "aborted")
        .log("{}: staged version {} aborted ({})", name, c.next().version(), reason));
    return finish(new ReloadEvent.Aborted(servingVersion, reason, c.request().cause(), clock.instant(),
        elapsed(c.started())));
  }

  private void abortAll(List<Participant.Prepared> prepared) {
    for (int i = prepared.size() - 1; i >= 0; i--) {
      isolated("participant abort", prepared.get(i)::abort);
    }
    prepared.clear();
  }

  /**
   * The path a participant's problem concerns: where it is indexed, or, for one indexed at the root with a
   * selector (given to the builder, before any value existed to locate it in), where its part sits in the
   * candidate.
   */
  private static String where(Dispatch.Entry<?> p, Object candidate) {
    Function<Object, Object> selector = p.selector;
    if (!p.path.isEmpty() || selector == null) {
      return p.path;
    }
    try {
      return Dispatch.locate(candidate, selector.apply(candidate));
    } catch (RuntimeException e) {
      return "";
    }
  }

  /** Why nothing may be applied now, or null. */
  private @Nullable String refusal() {
    synchronized (lock) {
      return refusalLocked();
    }
  }

  private @Nullable String refusalLocked() {
    return state != State.OPEN ? "closed" : pinned ? "pinned" : null;
  }

  private List<Problem> validate(T value, ConfigTree candidate) {
    List<Problem> problems = new ArrayList<>();
    for (Validator<? super T> validator : validators) {
      Problems collected = new Problems();
      try {
        validator.validate(value, collected);
      } catch (VirtualMachineError e) {
        throw e;
      } catch (Throwable e) {
        collected.add("", "a validator failed: " + describe(e));
        LOG.debug("{}: validator {} threw", name, validator.getClass().getName(), e);
      }
      problems.addAll(collected.resolve(candidate));
    }
    beanValidation.ifPresent(bv -> problems.addAll(bv.validate(value, candidate)));
    return problems;
  }

  /** Every path that is secret: {@link Secret} components, the secret-name rule, and the user's pattern. */
  private Set<String> secretPaths(ConfigTree candidate, Set<String> annotated) {
    if (secretPattern.isEmpty()) {
      return annotated;
    }
    Set<String> out = new HashSet<>(annotated);
    Pattern pattern = secretPattern.get();
    for (String leaf : candidate.leaves().keySet()) {
      for (String path : Paths.selfAndAncestors(leaf)) {
        if (!path.isEmpty() && pattern.matcher(path).matches()) {
          out.add(path);
        }
      }
    }
    return out;
  }

  private Staging<T> refused(ReloadEvent event) {
    return new Staging<>(null, event);
  }

  private Staging<T> reject(Stage stage, List<Problem> problems, ConfigTree candidate, Set<String> secretPaths,
      @Nullable List<SourceStamp> stamps, long servingVersion, String cause, long started) {
    List<Problem> safe = scrub(problems, candidate, secretPaths);
    ReloadEvent.Rejected event = new ReloadEvent.Rejected(servingVersion, stage, safe, cause, clock.instant(),
        elapsed(started));
    lastRejection = event;
    boolean repeated = stamps != null && stamps.equals(lastRejectedStamps);
    lastRejectedStamps = stamps;
    rejected.incrementAndGet();
    if (!repeated) {
      isolated("logging", () -> LOG.atWarn().addKeyValue("config", name).addKeyValue("event", "rejected")
          .addKeyValue("stage", stageName(stage)).addKeyValue("serving", servingVersion).addKeyValue("cause", cause)
          .log("{}: rejected a candidate at {}; {}:\n  {}", name, stageName(stage),
              servingVersion == 0 ? "nothing is serving yet" : "version " + servingVersion + " keeps serving",
              render(safe)));
    }
    return refused(event);
  }

  private ReloadEvent finish(ReloadEvent event) {
    lastResult = event;
    for (Consumer<? super ReloadEvent> subscriber : subscribers) {
      isolated("event subscriber", () -> subscriber.accept(event));
    }
    return event;
  }

  /** The listeners an applied version concerns; a selector that throws skips its listener and is counted. */
  private List<Listener<T>> affectedListeners(ConfigSnapshot<T> previous, ConfigSnapshot<T> next, List<String> changed) {
    List<Listener<T>> out = new ArrayList<>();
    for (Dispatch.Entry<Listener<T>> entry : listeners.affected(changed)) {
      isolated("listener selector", () -> {
        if (entry.changed(previous.value(), next.value())) {
          out.add(entry.item);
        }
      });
    }
    return out;
  }

  /** Calls the listeners; returns the time taken, except calls handed to executors. */
  private Duration notifyListeners(ConfigSnapshot<T> previous, ConfigSnapshot<T> next, List<String> changed,
      List<Listener<T>> toCall) {
    long started = ticker.getAsLong();
    long handedOff = 0;
    ConfigChange<T> change = new ConfigChange<>(previous, next, changed);
    for (Listener<T> l : toCall) {
      Runnable call = () -> {
        long t0 = ticker.getAsLong();
        isolated("listener", () -> l.listener().onChange(change));
        long took = ticker.getAsLong() - t0;
        if (took > slowListenerNanos) {
          slowListeners.incrementAndGet();
          isolated("logging", () -> LOG.warn("{}: listener {} took {} ms", name, l.listener().getClass().getName(),
              took / 1_000_000));
        }
      };
      if (l.executor() == null) {
        call.run();
      } else {
        long t0 = ticker.getAsLong();
        Executor executor = l.executor();
        isolated("listener executor", () -> executor.execute(call));
        handedOff += ticker.getAsLong() - t0;
      }
    }
    return Duration.ofNanos(ticker.getAsLong() - started - handedOff);
  }

  private void isolated(String what, Runnable call) {
    try {
      call.run();
    } catch (VirtualMachineError e) {
      throw e;
    } catch (Throwable e) {
      listenerFailures.incrementAndGet();
      try {
        LOG.warn("{}: {} threw; the reload goes on", name, what, e);
      } catch (RuntimeException ignored) {
        // a broken logging backend must not break the reload either
      }
    }
  }

  // ---- dry run ----------------------------------------------------------------------------------------

  /** Parses, binds, validates and diffs a candidate document without applying anything. */
  DryRun dryRun(byte[] document, String format) {
    ConfigSnapshot<T> serving = current;
    ConfigTree candidate = ConfigTree.empty();
    Set<String> secretPaths = Set.of();
    try {
      try {
        candidate = ConfigTree.of(layers.parse(document, format, "candidate." + format));
      } catch (ConfigException e) {
        return new DryRun(false, e.problems(), List.of());
      }
      Binder.Result<T> bound = bind(candidate);
      secretPaths = secretPaths(candidate, bound.secretPaths());
      List<Problem> problems = new ArrayList<>(bound.problems());
      if (problems.isEmpty()) {
        problems.addAll(validate(Objects.requireNonNull(bound.value()), candidate));
      }
      if (!problems.isEmpty()) {
        return new DryRun(false, scrub(problems, candidate, secretPaths), List.of());
      }
      ConfigSnapshot<T> base = Objects.requireNonNull(serving, "a dry run needs a serving version");
      return new DryRun(true, List.of(), ConfigSnapshot.redactChanges(base.unredactedTree().diff(candidate),
          base.secretPaths(), secretPaths));
    } catch (VirtualMachineError e) {
      throw e;
    } catch (Throwable e) {
      LOG.error("{}: internal error in a dry run", name, e);
      return new DryRun(false, scrub(List.of(new Problem("", candidate.root().origin(), "internal error: " + e)), candidate, secretPaths), List.of());
    }
  }

  // ---- secrets ----------------------------------------------------------------------------------------

  /**
   * Problems with every secret value of the candidate blanked out of messages. Only the candidate's own
   * secrets are looked for: comparing messages with the serving version's secrets would tell whoever sent
   * the candidate (a dry run) whether a guess equals a serving secret.
   */
  private static List<Problem> scrub(List<Problem> problems, ConfigTree candidate, Set<String> secretPaths) {
    if (problems.isEmpty()) {
      return problems;
    }
    Set<String> secrets = new HashSet<>();
    candidate.leaves().forEach((path, node) -> {
      if (node instanceof ConfigNode.ScalarNode s && s.text().length() >= 3
          && ConfigTree.isSecretPath(path, secretPaths)) {
        secrets.add(s.text());
      }
    });
    if (secrets.isEmpty()) {
      return problems;
    }
    List<String> longestFirst = new ArrayList<>(secrets);
    longestFirst.sort((a, b) -> b.length() - a.length());
    List<Problem> out = new ArrayList<>(problems.size());
    for (Problem p : problems) {
      String message = p.message();
      for (String s : longestFirst) {
        message = message.replace(s, ConfigTree.REDACTED);
      }
      out.add(new Problem(p.path(), p.origin(), message));
    }
    return out;
  }

  // ---- history, pinning, closing, status --------------------------------------------------------------

  List<ConfigSnapshot<T>> history() {
    synchronized (lock) {
      return List.copyOf(history);
    }
  }

  private Optional<ConfigSnapshot<T>> findInHistory(long version) {
    synchronized (lock) {
      return history.stream().filter(s -> s.version() == version).findFirst();
    }
  }

  private String keptVersions() {
    synchronized (lock) {
      return history.isEmpty() ? "none" : history.getLast().version() + ".." + history.getFirst().version();
    }
  }

  /** After this returns, nothing swaps until {@link #unpin()}. */
  void pin() {
    synchronized (lock) {
      pinned = true;
    }
  }

  void unpin() {
    synchronized (lock) {
      pinned = false;
    }
  }

  /**
   * Refuses further swaps, aborts a held candidate, waits up to {@code timeout} for the run in flight (unless
   * called from it), and releases the shared threads.
   */
  void close(Duration timeout) {
    StagedChange<T> held;
    synchronized (lock) {
      if (state != State.OPEN) {
        return;
      }
      state = State.CLOSING;
      held = staged;
    }
    if (held != null) {
      var unused = held.resolve(false, "the config was closed");
    }
    if (!runner.isRunnerThread()) {
      try {
        if (!runner.awaitIdle(timeout)) {
          LOG.warn("{}: a reload was still running {} after close(); it will not be applied", name, timeout);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    synchronized (lock) {
      state = State.CLOSED;
    }
    threads.close();
  }

  ConfigStatus status(List<WatchedFile> files, List<String> triggerProblems) {
    ConfigSnapshot<T> serving = Objects.requireNonNull(current, "status before the first version");
    List<String> degraded = new ArrayList<>();
    if (servingLastGood) {
      degraded.add(lastGoodReason);
    }
    if (!healthRollback.isEmpty()) {
      degraded.add(healthRollback);
    }
    degraded.addAll(triggerProblems);
    boolean isPinned;
    boolean isStaged;
    synchronized (lock) {
      isPinned = pinned;
      isStaged = staged != null;
    }
    return new ConfigStatus(name, serving.version(), serving.hash(), serving.time(), Optional.ofNullable(lastResult),
        Optional.ofNullable(lastRejection), degraded, servingLastGood, isPinned, isStaged, applied.get(),
        rejected.get(), listenerFailures.get(), slowListeners.get(), files);
  }

  // ---- helpers ----------------------------------------------------------------------------------------

  private Duration elapsed(long started) {
    return Duration.ofNanos(ticker.getAsLong() - started);
  }

  private static String stageName(Stage stage) {
    return stage.name().toLowerCase(Locale.ROOT);
  }

  /** What a user hook's throwable says: its message, or its type when it has none. Never a stack trace. */
  private static String describe(Throwable e) {
    String message = e.getMessage();
    return message == null || message.isBlank() ? e.getClass().getSimpleName() : message;
  }

  private static String render(List<Problem> problems) {
    return problems.stream().map(Problem::toString).collect(Collectors.joining("\n  "));
  }

  private static String shortList(List<String> paths) {
    if (paths.size() <= LOGGED_PATHS) {
      return String.join(", ", paths);
    }
    return String.join(", ", paths.subList(0, LOGGED_PATHS)) + " and " + (paths.size() - LOGGED_PATHS) + " more";
  }
}
