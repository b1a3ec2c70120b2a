package dev.relive.config;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import org.jspecify.annotations.Nullable;

/**
 * A candidate that went through read, parse, merge, bind, validate, diff and prepare, and is held, not yet
 * serving: the first phase of a two-phase apply ({@link LiveConfig#stage}). {@link #commit()} swaps it in,
 * commits its participants, calls listeners and records it; {@link #abort()} aborts its participants and
 * leaves everything as it was. A plain reload is a stage and a commit in one run, through the same code.
 *
 * <p>While a candidate is held, other reloads wait; the hold ends with commit, abort, the timeout given to
 * {@code stage} (which aborts), or closing the config (which aborts). A candidate that could not be staged
 * (rejected, unchanged, or skipped because the config is pinned or closed) is not {@link #prepared()}: its
 * {@link #outcome()} says why, and commit and abort return that outcome.
 *
 * <p>Thread-safe: commit and abort may be called from any thread; the first call decides, later calls return
 * the same outcome. Implements {@link AutoCloseable}: closing aborts a candidate still held.
 *
 * @param <T> the configuration type
 */
public final class StagedChange<T> implements AutoCloseable {
  private final ReloadPipeline<T> pipeline;
  private final ReloadPipeline.@Nullable Candidate<T> candidate;
  private final @Nullable ReloadEvent refused;
  private @Nullable CompletableFuture<ReloadEvent> resolution;
  private @Nullable ScheduledFuture<?> timeout;

  StagedChange(ReloadPipeline<T> pipeline, ReloadPipeline.@Nullable Candidate<T> candidate, @Nullable ReloadEvent refused) {
    this.pipeline = pipeline;
    this.candidate = candidate;
    this.refused = refused;
  }

  /** True if a candidate is prepared and waiting for commit or abort (or was, before it was resolved). */
  public boolean prepared() {
    return candidate != null;
  }

  /**
   * What happened: for a candidate that could not be staged, why ({@link ReloadEvent.Rejected},
   * {@link ReloadEvent.Unchanged} or {@link ReloadEvent.Skipped}); for a prepared one, its commit or abort
   * outcome once resolved; empty while it is held.
   */
  public synchronized Optional<ReloadEvent> outcome() {
    if (candidate == null) {
      return Optional.ofNullable(refused);
    }
    return resolution != null && resolution.isDone() ? Optional.of(resolution.join()) : Optional.empty();
  }

  /** The candidate's problems if it was rejected; empty otherwise. */
  public List<Problem> problems() {
    return refused instanceof ReloadEvent.Rejected r ? r.problems() : List.of();
  }

  /** The staged value, for a prepared candidate. */
  public Optional<T> value() {
    return candidate == null ? Optional.empty() : Optional.of(candidate.next().value());
  }

  /** The version the candidate becomes on commit; 0 when nothing was prepared. */
  public long version() {
    return candidate == null ? 0 : candidate.next().version();
  }

  /** The candidate's published hash; empty when nothing was prepared. */
  public Optional<String> hash() {
    return candidate == null ? Optional.empty() : Optional.of(candidate.next().hash());
  }

  /** The leaf paths the candidate changes; empty when nothing was prepared. */
  public List<String> changedPaths() {
    return candidate == null ? List.of() : candidate.changed();
  }

  /**
   * Swaps the candidate in: readers see it from this call on; participants commit, listeners run, the version
   * is recorded. Waits for listeners that run on the reload thread.
   *
   * @return {@link ReloadEvent.Applied} (or {@link ReloadEvent.RolledBack}); {@link ReloadEvent.Skipped} if the
   *     config was pinned or closed meanwhile (the candidate is then aborted); the earlier outcome if it was
   *     already resolved
   * @throws IllegalStateException if called from a listener or participant of the same config
   */
  public ReloadEvent commit() {
    return pipeline.await(resolve(true, "committed"));
  }

  /** Aborts the candidate: its participants abort, nothing serving changes. Waits until they have. */
  public ReloadEvent abort() {
    return pipeline.await(resolve(false, "aborted by the caller"));
  }

  /** Aborts the candidate if it is still held, without waiting for its participants. */
  @Override
  public void close() {
    var unused = resolve(false, "closed by the caller");
  }

  /** The first call decides; later calls get the same future. */
  synchronized CompletableFuture<ReloadEvent> resolve(boolean commit, String reason) {
    if (candidate == null) {
      return CompletableFuture.completedFuture(Objects.requireNonNull(refused));
    }
    if (resolution == null) {
      if (timeout != null) {
        timeout.cancel(false);
      }
      resolution = pipeline.resolve(candidate, commit, reason);
    }
    return resolution;
  }

  synchronized void timeout(ScheduledFuture<?> timer) {
    this.timeout = timer;
  }

  synchronized boolean held() {
    return candidate != null && resolution == null;
  }

  @Override
  public String toString() {
    return candidate == null ? "StagedChange[not prepared: " + refused + "]"
        : "StagedChange[version " + version() + outcome().map(o -> ", " + o).orElse(", held") + "]";
  }
}
