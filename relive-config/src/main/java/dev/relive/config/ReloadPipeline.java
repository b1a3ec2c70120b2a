package dev.relive.config;

import dev.relive.config.internal.Dispatch;
import dev.relive.config.internal.LastGoodCache;
import dev.relive.config.internal.Layers;
import dev.relive.config.internal.Paths;
import dev.relive.config.internal.SerialRunner;
import dev.relive.config.internal.bind.BeanValidation;
import dev.relive.config.internal.bind.Binder;

import dev.relive.config.ReloadEvent.Stage;
import dev.relive.config.spi.ParseLimits;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One live configuration's reload pipeline, read top to bottom in {@link #run}:
 * read → parse → merge → (unchanged?) → bind → validate → diff → prepare → swap → commit → listeners → record.
 *
 * <p>Implementation notes: runs are serialised on a {@link SerialRunner}; reload requests that arrive
 * before a queued run has started join it, so any number of triggers during a run cause exactly one
 * follow-up. {@link #current} is the only field readers touch: one volatile write publishes a fully built
 * snapshot. Everything else is written on the runner thread and read by {@code status()} through volatile
 * fields or under {@code history}'s lock.
 */
final class ReloadPipeline<T> {
  private static final Logger LOG = LoggerFactory.getLogger(LiveConfig.class);
  private static final int LOGGED_PATHS = 20;

  final String name;
  private final Class<T> type;
  private final Layers layers;
  private final Binder binder;
  private final List<Validator<? super T>> validators;
  private final Optional<BeanValidation> beanValidation;
  private final Optional<LastGoodCache> lastGood;
  private final ParseLimits limits;
  private final int historySize;
  private final Clock clock;
  private final LongSupplier ticker;
  private final long slowListenerNanos;
  private final SerialRunner runner;

  final Dispatch<Listener<T>> listeners = new Dispatch<>();
  final Dispatch<Participant<T>> participants = new Dispatch<>();
  final List<Consumer<? super ReloadEvent>> subscribers = new CopyOnWriteArrayList<>();

  /** The serving version: the one field the read path touches. */
  volatile ConfigSnapshot<T> current;

  private final Deque<ConfigSnapshot<T>> history = new ArrayDeque<>();
  private final Object requestLock = new Object();
  private CompletableFuture<ReloadEvent> queuedReload;
  private String queuedCause;
  private List<SourceStamp> rolledBackAt;
  volatile boolean pinned;
  volatile boolean closed;
  private volatile boolean degraded;
  private volatile ReloadEvent lastResult;
  private volatile ReloadEvent.Rejected lastRejection;
  private final AtomicLong applied = new AtomicLong();
  private final AtomicLong rejected = new AtomicLong();
  private final AtomicLong listenerFailures = new AtomicLong();
  private final AtomicLong slowListeners = new AtomicLong();

  /** A whole-config listener and where it runs (null: on the reload thread). */
  record Listener<T>(ChangeListener<T> listener, Executor executor) {}

  ReloadPipeline(String name, Class<T> type, Layers layers, Binder binder, List<Validator<? super T>> validators,
      Optional<BeanValidation> beanValidation, Optional<LastGoodCache> lastGood, ParseLimits limits, int historySize,
      Clock clock, LongSupplier ticker, Duration slowListenerThreshold, Executor executor) {
    this.name = name;
    this.type = type;
    this.layers = layers;
    this.binder = binder;
    this.validators = List.copyOf(validators);
    this.beanValidation = beanValidation;
    this.lastGood = lastGood;
    this.limits = limits;
    this.historySize = historySize;
    this.clock = clock;
    this.ticker = ticker;
    this.slowListenerNanos = slowListenerThreshold.toNanos();
    this.runner = new SerialRunner(executor);
  }

  // ---- requests ---------------------------------------------------------------------------------------

  /** Loads the first version on the caller's thread; falls back to the last-good cache. */
  void start() {
    ReloadEvent first = run("initial", 0, null);
    if (first instanceof ReloadEvent.Rejected fromSources) {
      Optional<ConfigTree> cached = Optional.empty();
      if (lastGood.isPresent()) {
        try {
          cached = lastGood.get().read(limits);
        } catch (IOException | ConfigException e) {
          LOG.warn("{}: last-good cache {} is unusable: {}", name, lastGood.get().file(), e.getMessage());
        }
      }
      if (cached.isPresent() && run("last-good cache " + lastGood.get().file(), 0, cached.get())
          instanceof ReloadEvent.Applied) {
        degraded = true;
        lastRejection = fromSources;
        LOG.warn("{}: sources are broken; serving the last-good cache (degraded):\n  {}", name, render(fromSources.problems()));
        return;
      }
      throw switch (fromSources.stage()) {
        case SOURCES -> new ConfigException.Parse(fromSources.problems());
        case BIND -> new ConfigException.Binding(fromSources.problems());
        case VALIDATE -> new ConfigException.Validation(fromSources.problems());
        case PREPARE -> new ConfigException.Prepare(fromSources.problems(), null);
      };
    }
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
        complete(future, c, 0);
      });
      return future;
    }
  }

  CompletableFuture<ReloadEvent> requestRollback(long version) {
    CompletableFuture<ReloadEvent> future = new CompletableFuture<>();
    runner.submit(() -> complete(future, "rollback to version " + version, version));
    return future;
  }

  boolean onRunnerThread() {
    return runner.isRunnerThread();
  }

  private void complete(CompletableFuture<ReloadEvent> future, String cause, long rollbackTo) {
    try {
      future.complete(run(cause, rollbackTo, null));
    } catch (RuntimeException | Error e) {
      future.completeExceptionally(e);
    }
  }

  // ---- the pipeline -----------------------------------------------------------------------------------

  /**
   * One run. {@code rollbackTo > 0} takes the candidate tree from history; {@code fixed} (start-up from the
   * cache) takes it as given; otherwise the sources are read.
   */
  private ReloadEvent run(String cause, long rollbackTo, ConfigTree fixed) {
    long started = ticker.getAsLong();
    ConfigSnapshot<T> serving = current;
    long servingVersion = serving == null ? 0 : serving.version();
    if (closed || pinned) {
      return finish(new ReloadEvent.Skipped(servingVersion, closed ? "closed" : "pinned", cause, clock.instant(),
          elapsed(started)));
    }

    // read → parse → merge
    ConfigTree candidate;
    List<SourceStamp> stamps;
    List<Problem> warnings = new ArrayList<>();
    ConfigSnapshot<T> restored = null;
    if (rollbackTo > 0) {
      restored = findInHistory(rollbackTo).orElseThrow(() -> new IllegalArgumentException(
          "version " + rollbackTo + " is not in the history of " + name + " (kept: " + keptVersions() + ")"));
      candidate = restored.tree();
      stamps = layers.read().stamps();
    } else if (fixed != null) {
      candidate = fixed;
      stamps = List.of();
    } else {
      Layers.Result read = layers.read();
      if (!read.problems().isEmpty()) {
        return reject(Stage.SOURCES, read.problems(), ConfigTree.of(read.merged()), Set.of(), servingVersion, cause, started);
      }
      candidate = ConfigTree.of(read.merged());
      stamps = read.stamps();
      warnings.addAll(read.warnings());
      if (rolledBackAt != null && rolledBackAt.equals(stamps)) {
        return finish(new ReloadEvent.Unchanged(servingVersion, cause, clock.instant(), elapsed(started)));
      }
    }
    if (serving != null && !degraded && candidate.hash().equals(serving.hash())) {
      return finish(new ReloadEvent.Unchanged(servingVersion, cause, clock.instant(), elapsed(started)));
    }

    // bind
    Binder.Result<T> bound = binder.bind(candidate.root(), type);
    if (!bound.problems().isEmpty()) {
      return reject(Stage.BIND, bound.problems(), candidate, bound.secretPaths(), servingVersion, cause, started);
    }
    T value = bound.value();
    warnings.addAll(bound.warnings());

    // validate
    List<Problem> invalid = validate(value, candidate);
    if (!invalid.isEmpty()) {
      return reject(Stage.VALIDATE, invalid, candidate, bound.secretPaths(), servingVersion, cause, started);
    }

    // diff
    List<String> changed = serving == null ? List.copyOf(candidate.leaves().keySet())
        : serving.tree().diff(candidate).stream().map(ConfigTree.ValueChange::path).collect(Collectors.toList());

    // prepare
    List<Participant.Prepared> prepared = new ArrayList<>();
    if (serving != null) {
      for (Dispatch.Entry<Participant<T>> p : participants.affected(changed)) {
        if (!p.changed(serving.value(), value)) {
          continue;
        }
        try {
          prepared.add(p.item.prepare(serving.value(), value));
        } catch (Exception | LinkageError e) {
          for (int i = prepared.size() - 1; i >= 0; i--) {
            isolated("participant abort", prepared.get(i)::abort);
          }
          String message = "a participant failed to prepare: " + e;
          return reject(Stage.PREPARE, List.of(new Problem(p.path, candidate.origin(p.path), message)), candidate,
              bound.secretPaths(), servingVersion, cause, started);
        }
      }
    }

    // swap: readers see the candidate from this write on
    ConfigSnapshot<T> next = new ConfigSnapshot<>(value, servingVersion + 1, candidate.hash(), candidate, stamps,
        clock.instant(), cause, bound.secretPaths());
    current = next;

    // commit, then listeners
    prepared.forEach(p -> isolated("participant commit", p::commit));
    Duration listenerTime = serving == null ? Duration.ZERO : notifyListeners(serving, next, changed);

    // record
    synchronized (history) {
      history.addFirst(next);
      while (history.size() > historySize) {
        history.removeLast();
      }
    }
    rolledBackAt = restored != null ? stamps : null;
    if (fixed == null) {
      degraded = false;
    }
    applied.incrementAndGet();
    lastGood.ifPresent(cache -> {
      try {
        cache.write(next.version(), candidate);
      } catch (IOException | RuntimeException e) {
        LOG.warn("{}: could not write the last-good cache {}: {}", name, cache.file(), e.toString());
      }
    });
    List<Problem> safeWarnings = scrub(warnings, candidate, bound.secretPaths());
    safeWarnings.forEach(w -> LOG.atWarn().addKeyValue("config", name).log("{}", w));
    Instant now = clock.instant();
    if (restored != null) {
      LOG.atInfo().addKeyValue("config", name).addKeyValue("event", "rolled_back").addKeyValue("version", next.version())
          .addKeyValue("restored", restored.version()).addKeyValue("changed", shortList(changed))
          .addKeyValue("cause", cause).log("{}: rolled back to the content of version {} as version {}", name,
              restored.version(), next.version());
      return finish(new ReloadEvent.RolledBack(next.version(), servingVersion, restored.version(), next.hash(), changed,
          cause, now, elapsed(started), listenerTime));
    }
    LOG.atInfo().addKeyValue("config", name).addKeyValue("event", "applied").addKeyValue("version", next.version())
        .addKeyValue("changed", shortList(changed)).addKeyValue("cause", cause)
        .log("{}: applied version {}", name, next.version());
    return finish(new ReloadEvent.Applied(next.version(), servingVersion, next.hash(), changed, safeWarnings, cause, now,
        elapsed(started), listenerTime));
  }

  private List<Problem> validate(T value, ConfigTree candidate) {
    List<Problem> problems = new ArrayList<>();
    for (Validator<? super T> validator : validators) {
      Problems collected = new Problems();
      try {
        validator.validate(value, collected);
      } catch (RuntimeException | LinkageError e) {
        collected.add("", "a validator failed: " + e);
      }
      problems.addAll(collected.resolve(candidate));
    }
    beanValidation.ifPresent(bv -> problems.addAll(bv.validate(value, candidate)));
    return problems;
  }

  private ReloadEvent reject(Stage stage, List<Problem> problems, ConfigTree candidate, Set<String> secretPaths,
      long servingVersion, String cause, long started) {
    List<Problem> safe = scrub(problems, candidate, secretPaths);
    ReloadEvent.Rejected event = new ReloadEvent.Rejected(servingVersion, stage, safe, cause, clock.instant(),
        elapsed(started));
    rejected.incrementAndGet();
    lastRejection = event;
    LOG.atWarn().addKeyValue("config", name).addKeyValue("event", "rejected")
        .addKeyValue("stage", stage.name().toLowerCase(java.util.Locale.ROOT)).addKeyValue("serving", servingVersion)
        .addKeyValue("cause", cause).log("{}: rejected a candidate at {}; {}:\n  {}", name,
            stage.name().toLowerCase(java.util.Locale.ROOT),
            servingVersion == 0 ? "nothing is serving yet" : "version " + servingVersion + " keeps serving", render(safe));
    return finish(event);
  }

  private ReloadEvent finish(ReloadEvent event) {
    lastResult = event;
    for (Consumer<? super ReloadEvent> subscriber : subscribers) {
      isolated("event subscriber", () -> subscriber.accept(event));
    }
    return event;
  }

  /** Finds and calls the affected listeners; returns the time taken, except calls handed to executors. */
  private Duration notifyListeners(ConfigSnapshot<T> previous, ConfigSnapshot<T> next, List<String> changed) {
    long started = ticker.getAsLong();
    long handedOff = 0;
    ConfigChange<T> change = new ConfigChange<>(previous, next, changed);
    for (Dispatch.Entry<Listener<T>> entry : listeners.affected(changed)) {
      if (!entry.changed(previous.value(), next.value())) {
        continue;
      }
      Listener<T> l = entry.item;
      Runnable call = () -> {
        long t0 = ticker.getAsLong();
        isolated("listener", () -> l.listener().onChange(change));
        long took = ticker.getAsLong() - t0;
        if (took > slowListenerNanos) {
          slowListeners.incrementAndGet();
          LOG.warn("{}: listener {} took {} ms", name, l.listener().getClass().getName(), took / 1_000_000);
        }
      };
      if (l.executor() == null) {
        call.run();
      } else {
        long t0 = ticker.getAsLong();
        try {
          l.executor().execute(call);
        } catch (RuntimeException e) {
          listenerFailures.incrementAndGet();
          LOG.warn("{}: listener executor refused a call: {}", name, e.toString());
        }
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
      LOG.warn("{}: {} threw; the reload goes on", name, what, e);
    }
  }

  // ---- dry run ----------------------------------------------------------------------------------------

  /** Parses, binds, validates and diffs a candidate document without applying anything. */
  DryRun dryRun(byte[] document, String format) {
    ConfigSnapshot<T> serving = current;
    ConfigTree candidate;
    try {
      candidate = ConfigTree.of(layers.parse(document, format, "candidate." + format));
    } catch (ConfigException e) {
      return new DryRun(false, e.problems(), List.of());
    }
    Binder.Result<T> bound = binder.bind(candidate.root(), type);
    List<Problem> problems = new ArrayList<>(bound.problems());
    if (problems.isEmpty()) {
      problems.addAll(validate(bound.value(), candidate));
    }
    if (!problems.isEmpty()) {
      return new DryRun(false, scrub(problems, candidate, bound.secretPaths()), List.of());
    }
    return new DryRun(true, List.of(), serving.redactedTree().diff(candidate.redacted(bound.secretPaths())));
  }

  // ---- secrets ----------------------------------------------------------------------------------------

  /** Problems with every secret value of the candidate or the serving version blanked out of messages. */
  private List<Problem> scrub(List<Problem> problems, ConfigTree candidate, Set<String> secretPaths) {
    if (problems.isEmpty()) {
      return problems;
    }
    Set<String> secrets = new HashSet<>();
    collectSecrets(candidate, secretPaths, secrets);
    ConfigSnapshot<T> serving = current;
    if (serving != null) {
      collectSecrets(serving.tree(), serving.secretPaths(), secrets);
    }
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

  private static void collectSecrets(ConfigTree tree, Set<String> secretPaths, Set<String> out) {
    tree.leaves().forEach((path, node) -> {
      if (node instanceof ConfigNode.ScalarNode s && s.text().length() >= 3 && (ConfigTree.isSecretName(path)
          || Paths.selfAndAncestors(path).stream().anyMatch(secretPaths::contains))) {
        out.add(s.text());
      }
    });
  }

  // ---- history, pinning, status -----------------------------------------------------------------------

  List<ConfigSnapshot<T>> history() {
    synchronized (history) {
      return List.copyOf(history);
    }
  }

  private Optional<ConfigSnapshot<T>> findInHistory(long version) {
    synchronized (history) {
      return history.stream().filter(s -> s.version() == version).findFirst();
    }
  }

  private String keptVersions() {
    synchronized (history) {
      return history.isEmpty() ? "none" : history.getLast().version() + ".." + history.getFirst().version();
    }
  }

  ConfigStatus status(List<WatchedFile> files) {
    ConfigSnapshot<T> serving = current;
    return new ConfigStatus(name, serving.version(), serving.hash(), serving.time(), Optional.ofNullable(lastResult),
        Optional.ofNullable(lastRejection), degraded, pinned, applied.get(), rejected.get(), listenerFailures.get(),
        slowListeners.get(), files);
  }

  // ---- helpers ----------------------------------------------------------------------------------------

  private Duration elapsed(long started) {
    return Duration.ofNanos(ticker.getAsLong() - started);
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
