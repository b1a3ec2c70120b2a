package dev.relive.etcd;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.JsonNode;
import dev.relive.config.ConfigSnapshot;
import dev.relive.config.HealthCheck;
import dev.relive.config.StagedChange;
import dev.relive.config.spi.ChangeTrigger;
import dev.relive.config.spi.SourceData;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import dev.relive.config.ConfigStatus;
import dev.relive.config.LiveConfig;
import dev.relive.config.Problem;
import dev.relive.config.Registration;
import dev.relive.config.ReloadEvent;
import dev.relive.config.SourceStamp;
import io.etcd.jetcd.lease.LeaseKeepAliveResponse;
import io.etcd.jetcd.options.PutOption;
import io.grpc.stub.StreamObserver;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node's record in the fleet, {@code /relive/{app}/members/{node}}, under a lease kept alive while the node
 * runs (TTL 10 s by default): its id and labels, the managed version and hash it serves and since when, the
 * last version it <em>rejected</em> with the problems (the node keeps serving its last good, as an xDS NACK
 * says), its health and its start time. The record is rewritten on every applied or rejected version. A lost
 * lease (etcd restarted without it, a pause longer than the TTL) registers again.
 *
 * <p>The member also takes part in rollouts ({@link Coordinator}): when a rollout's round names it, it
 * stages the candidate through its own pipeline in place of the managed layer's content
 * ({@link LiveConfig#stage(String, Duration, Map)}: parse, bind, this node's validators and schema,
 * participants' prepare), votes OK or NACK with the problems, and commits or aborts the staged candidate when
 * the rollout decides. A candidate whose rollout vanished is aborted after the prepare timeout. Its health
 * (the application's {@link HealthCheck}, listener and participant failures of the version it serves) is in
 * the record, and the coordinator rolls back on it.
 *
 * <p>Thread-safe; {@link #close()} revokes the lease, so the record disappears at once.
 */
public final class FleetMember implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(FleetMember.class);
  private static final Pattern VERSION_ORIGIN = Pattern.compile("etcd:/relive/[^/]+/versions/(\\d+)@");

  private final Etcd etcd;
  private final String app;
  private final String node;
  private final Map<String, String> labels;
  private final LiveConfig<?> config;
  private final long ttlSeconds;
  private final Instant started;
  private final ScheduledExecutorService work;
  private final Registration subscription;
  private final EtcdSource source;
  private final FleetEvents observer;
  private final @Nullable HealthCheck health;
  private final Duration healthInterval;
  /** Follows /relive/{app}/rollout (a one-key source, for its watch that never loses a revision). */
  private final EtcdSource rollout;
  private @Nullable Registration rolloutWatch;
  private @Nullable Staged staged;
  private final Set<String> voted = new HashSet<>();
  private String lastHealth = "";
  private long failuresBefore;
  private long failuresNow;
  private volatile @Nullable ObjectNode lastRejection;
  private long lease;
  private io.etcd.jetcd.support.@Nullable CloseableClient keepAlive;
  private long backoffMillis = 200;
  private volatile boolean closed;
  private volatile boolean registered;

  private FleetMember(Builder b) {
    this.source = b.source;
    this.observer = b.observer;
    this.etcd = b.source.etcd();
    this.app = b.source.app();
    this.node = b.source.node();
    this.labels = Map.copyOf(b.labels);
    this.config = b.config;
    this.ttlSeconds = Math.max(1, b.ttl.toSeconds());
    this.health = b.health;
    this.healthInterval = b.healthInterval;
    this.started = Clock.systemUTC().instant();
    this.rollout = EtcdSources.key(etcd, Layout.rollout(app), "json");
    this.work = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "relive-etcd-member-" + node);
      t.setDaemon(true);
      return t;
    });
    this.failuresNow = config.status().listenerFailures();
    this.failuresBefore = failuresNow;
    this.subscription = config.subscribe(event -> {
      if (event instanceof ReloadEvent.Rejected r) {
        lastRejection = rejection(r);
      }
      if (event instanceof ReloadEvent.Applied || event instanceof ReloadEvent.RolledBack) {
        long failures = config.status().listenerFailures();
        later(() -> {
          failuresBefore = failuresNow;
          failuresNow = failures;
        });
      }
      if (event instanceof ReloadEvent.Applied || event instanceof ReloadEvent.RolledBack
          || event instanceof ReloadEvent.Rejected || event instanceof ReloadEvent.Unchanged) {
        later(this::publish);
      }
    });
  }

  /**
   * Starts joining {@code config}'s node to the fleet of the app {@code managed} follows, under the node id it
   * reads for ({@link EtcdSources#managed(Etcd, String, String)}).
   *
   * @throws IllegalArgumentException if {@code managed} is not a managed layer, or not one of the config's
   *     sources (the member stages rollouts in its place)
   */
  public static Builder join(EtcdSource managed, LiveConfig<?> config) {
    if (!Objects.requireNonNull(managed, "managed").managed()) {
      throw new IllegalArgumentException(managed.name() + " is not a managed layer (EtcdSources.managed)");
    }
    return new Builder(managed, Objects.requireNonNull(config, "config"));
  }

  /** Configures a {@link FleetMember}. Not thread-safe. */
  public static final class Builder {
    private final EtcdSource source;
    private final LiveConfig<?> config;
    private Map<String, String> labels = Map.of();
    private Duration ttl = Duration.ofSeconds(10);
    private @Nullable HealthCheck health;
    private Duration healthInterval = Duration.ofSeconds(1);
    private FleetEvents observer = new FleetEvents() {};

    private Builder(EtcdSource source, LiveConfig<?> config) {
      this.source = source;
      this.config = config;
    }

    /** Labels for selecting nodes, such as {@code zone=eu-1}. */
    public Builder labels(Map<String, String> nodeLabels) {
      this.labels = Map.copyOf(nodeLabels);
      return this;
    }

    /** How long the record outlives a node that stops without leaving (default 10 s). */
    public Builder leaseTtl(Duration leaseTtl) {
      if (leaseTtl.toSeconds() < 1) {
        throw new IllegalArgumentException("the lease TTL is at least 1 s, was " + leaseTtl);
      }
      this.ttl = leaseTtl;
      return this;
    }

    /** The application's health, reported in the record and used by rollouts to roll back. */
    public Builder health(HealthCheck check) {
      this.health = Objects.requireNonNull(check, "check");
      return this;
    }

    /** How often the health is checked (default 1 s). */
    public Builder healthInterval(Duration interval) {
      if (interval.isNegative() || interval.isZero()) {
        throw new IllegalArgumentException("healthInterval must be > 0, was " + interval);
      }
      this.healthInterval = interval;
      return this;
    }

    /** Receives this node's votes and decisions, for metrics ({@link FleetMetrics}). */
    public Builder events(FleetEvents fleetEvents) {
      this.observer = Objects.requireNonNull(fleetEvents, "fleetEvents");
      return this;
    }

    /** Registers the node (in the background, retried while etcd is away) and starts following rollouts. */
    public FleetMember start() {
      FleetMember m = new FleetMember(this);
      config.status().lastRejection().ifPresent(r -> m.lastRejection = m.rejection(r));
      m.work.execute(m::register);
      m.rolloutWatch = m.rollout.triggers().get(0).start(new ChangeTrigger.Changes() {
        @Override
        public void changed(String cause) {
          m.later(m::onRollout);
        }

        @Override
        public void unhealthy(String reason) {}

        @Override
        public void healthy() {}
      });
      var unused = m.work.scheduleWithFixedDelay(m::checkHealth, m.healthInterval.toNanos(), m.healthInterval.toNanos(),
          TimeUnit.NANOSECONDS);
      return m;
    }
  }

  /** The host name and the process id: {@code web-7-12345}. */
  public static String defaultNodeId() {
    String host;
    try {
      host = InetAddress.getLocalHost().getHostName();
    } catch (UnknownHostException e) {
      host = "localhost";
    }
    return host.replace('/', '_') + "-" + ProcessHandle.current().pid();
  }

  /** The node's id. */
  public String node() {
    return node;
  }

  /** True once the record is in etcd (and until the lease is lost or the member closed). */
  public boolean registered() {
    return registered;
  }

  private void register() {
    if (closed) {
      return;
    }
    io.etcd.jetcd.Client client = etcd.client();
    try {
      lease = client.getLeaseClient().grant(ttlSeconds).get(etcd.timeout().toMillis(), TimeUnit.MILLISECONDS).getID();
      put();
      long granted = lease;
      // jetcd reports a lease that is gone in three ways: a response with TTL 0, an error, or (when no
      // response came before the deadline, as after a pause longer than the TTL) completion.
      keepAlive = client.getLeaseClient().keepAlive(granted, new StreamObserver<LeaseKeepAliveResponse>() {
        @Override
        public void onNext(LeaseKeepAliveResponse response) {
          if (response.getTTL() <= 0) {
            later(() -> lost(granted));
          }
        }

        @Override
        public void onError(Throwable error) {
          later(() -> lost(granted));
        }

        @Override
        public void onCompleted() {
          later(() -> lost(granted));
        }
      });
      registered = true;
      backoffMillis = 200;
      LOG.info("registered node {} in the fleet of {}", node, app);
    } catch (Exception e) {
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
        return;
      }
      LOG.debug("registering node {} failed: {}; retrying", node, e.toString());
      Throwable cause = e instanceof java.util.concurrent.ExecutionException && e.getCause() != null ? e.getCause() : e;
      if (!Etcd.refused(cause)) {
        etcd.recover(client);
      }
      retry();
    }
  }

  /** Runs a task on the member's thread, unless the member is closed (callbacks may come after). */
  private void later(Runnable task) {
    if (!closed) {
      try {
        work.execute(task);
      } catch (RejectedExecutionException e) {
        // closed meanwhile
      }
    }
  }

  /** The lease is gone: register again, with a new lease and the current record. */
  private void lost(long gone) {
    if (closed || !registered || gone != lease) {
      return; // closing, already registering again, or news about a lease replaced since
    }
    registered = false;
    closeKeepAlive();
    LOG.warn("node {} lost its lease in the fleet of {}; registering again", node, app);
    retry();
  }

  private void retry() {
    if (closed) {
      return;
    }
    long delay = backoffMillis;
    backoffMillis = Math.min(backoffMillis * 2, 5_000);
    try {
      var unused = work.schedule((Runnable) this::register, delay, TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) {
      // closed meanwhile
    }
  }

  private void publish() {
    if (closed || !registered) {
      return;
    }
    try {
      put();
    } catch (Exception e) {
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
        return;
      }
      LOG.debug("updating node {} failed: {}", node, e.toString());
      lost(lease);
    }
  }

  private void put() throws Exception {
    ConfigSnapshot<?> serving = config.snapshot();
    etcd.client().getKVClient().put(Layout.bytes(Layout.member(app, node)),
        Layout.bytes(Layout.write(record(serving, servedVersion(serving)))),
        PutOption.builder().withLeaseId(lease).build()).get(etcd.timeout().toMillis(), TimeUnit.MILLISECONDS);
  }

  /**
   * The managed version the node serves: the one its snapshot was read from, or the head when the head's
   * document is the very one served. (A rollback publishes old content as a new version; a node already
   * serving that content changes nothing, yet it is on the head.)
   */
  private OptionalLong servedVersion(ConfigSnapshot<?> serving) {
    OptionalLong read = managedVersion(serving);
    String sha = managedSha(serving);
    if (read.isEmpty() || sha.isEmpty()) {
      return read;
    }
    try {
      Fleet fleet = new Fleet(etcd, app);
      OptionalLong head = fleet.head();
      if (head.isPresent() && head.getAsLong() != read.getAsLong()
          && fleet.version(head.getAsLong()).map(v -> v.sha256().equals(sha)).orElse(false)) {
        return head;
      }
    } catch (Fleet.Unreachable e) {
      // the version read is still true
    }
    return read;
  }

  /** The record as JSON: what the node serves, since when, what it rejected, how it is. */
  ObjectNode record(ConfigSnapshot<?> serving, OptionalLong version) {
    ConfigStatus status = config.status();
    ObjectNode out = Layout.object();
    out.put("node", node);
    ObjectNode l = out.putObject("labels");
    new LinkedHashMap<>(labels).forEach(l::put);
    if (version.isPresent()) {
      out.put("version", version.getAsLong());
    } else {
      out.putNull("version");
    }
    out.put("localVersion", serving.version());
    out.put("hash", serving.hash());
    out.put("servingSince", serving.time().toString());
    List<String> problems = healthProblems();
    out.put("health", !problems.isEmpty() ? "unhealthy" : status.degraded() ? "degraded" : "ok");
    ArrayNode hp = out.putArray("healthProblems");
    problems.forEach(hp::add);
    ArrayNode reasons = out.putArray("degradedReasons");
    status.degradedReasons().forEach(reasons::add);
    ObjectNode rejection = lastRejection;
    if (rejection != null) {
      out.set("lastRejection", rejection);
    }
    out.put("started", started.toString());
    out.put("updated", Clock.systemUTC().instant().toString());
    return out;
  }

  // ---- health -----------------------------------------------------------------------------------------

  /** Why the node is unhealthy: the application's check, and failures of the version it serves. */
  private List<String> healthProblems() {
    List<String> out = new ArrayList<>();
    HealthCheck check = health;
    if (check != null) {
      try {
        check.problem().ifPresent(out::add);
      } catch (Exception e) {
        out.add("the health check failed: " + (e.getMessage() != null ? e.getMessage() : e.getClass().getName()));
      }
    }
    if (failuresNow > failuresBefore) {
      out.add((failuresNow - failuresBefore) + " listener or participant failure(s) when version "
          + config.snapshot().version() + " applied");
    }
    return out;
  }

  /** Rewrites the record when the health changed. */
  private void checkHealth() {
    String now = String.join("\n", healthProblems()) + "|" + config.status().degraded();
    if (!now.equals(lastHealth)) {
      lastHealth = now;
      publish();
    }
  }

  // ---- rollouts ---------------------------------------------------------------------------------------

  /** A candidate this node staged for a round of a rollout, waiting for the decision. */
  private record Staged(String id, long round, String state, StagedChange<?> change) {}

  /** The rollout record changed: settle a staged candidate, and vote if a round names this node. */
  private void onRollout() {
    if (closed) {
      return;
    }
    JsonNode r;
    try {
      SourceData data = rollout.read();
      r = data instanceof SourceData.Document d ? Layout.JSON.readTree(d.bytes()) : Layout.JSON.missingNode();
    } catch (IOException | RuntimeException e) {
      LOG.debug("node {}: cannot read the rollout: {}", node, e.toString());
      return;
    }
    if (r == null) {
      return;
    }
    Staged s = staged;
    if (s != null) {
      String decision = decide(s, r);
      if (decision.equals("hold")) {
        return;
      }
      staged = null;
      ReloadEvent outcome = decision.equals("commit") ? s.change().commit() : s.change().abort();
      notify(o -> o.decided(s.id(), decision.equals("commit")));
      LOG.atInfo().addKeyValue("rollout", s.id()).log("node {}: {} the candidate of rollout {} round {}: {}", node,
          decision.equals("commit") ? "committed" : "aborted", s.id(), s.round(), outcome.kind());
    }
    String state = r.path("state").asText();
    String id = r.path("id").asText();
    long round = r.path("round").asLong();
    if ((state.equals(Rollouts.PREPARING) || state.equals(Rollouts.ROLLING_BACK))
        && Rollouts.strings(r.path("targets")).contains(node) && voted.add(id + "/" + round)) {
      vote(r, id, round, state);
    }
  }

  /** What to do with a staged candidate given the rollout record now: "commit", "abort" or "hold". */
  private String decide(Staged s, JsonNode r) {
    String state = r.path("state").asText();
    long round = r.path("round").asLong();
    if (!r.path("id").asText().equals(s.id())) {
      return "abort";
    }
    if (state.equals(s.state()) && round == s.round()) {
      return "hold";
    }
    if (s.state().equals(Rollouts.PREPARING)) {
      boolean committed = Rollouts.strings(r.path("committed")).contains(node);
      return committed && (state.equals(Rollouts.COMMITTED) || state.equals(Rollouts.PREPARING)
          || state.equals(Rollouts.DONE)) ? "commit" : "abort";
    }
    return state.equals(Rollouts.ROLLED_BACK) && round == s.round() ? "commit" : "abort";
  }

  /** Stages the round's version in place of the managed layer's content and writes the vote. */
  private void vote(JsonNode r, String id, long round, String state) {
    String key = Layout.votes(app, id, round) + node;
    try {
      if (!etcd.client().getKVClient().get(Layout.bytes(key)).get(etcd.timeout().toMillis(), TimeUnit.MILLISECONDS)
          .getKvs().isEmpty()) {
        return; // voted before a restart; the decision will reach the source through the pointer
      }
    } catch (Exception e) {
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      voted.remove(id + "/" + round); // try again on the next change
      return;
    }
    long version = state.equals(Rollouts.PREPARING) ? r.path("version").asLong() : r.path("from").asLong();
    long remaining = Math.max(0, r.path("deadline").asLong() - Clock.systemUTC().millis());
    Duration hold = Duration.ofMillis(remaining + r.path("prepareTimeoutMillis").asLong(10_000) + 1_000);
    ObjectNode vote = Layout.object().put("round", round).put("version", version);
    ArrayNode problems = vote.putArray("problems");
    long began = System.nanoTime();
    try {
      SourceData candidate = source.versionData(version);
      StagedChange<?> change = config.stage("rollout " + id + " round " + round, hold, Map.of(source, candidate));
      if (change.prepared()) {
        staged = new Staged(id, round, state, change);
        vote.put("vote", "OK");
      } else {
        ReloadEvent why = change.outcome().orElse(null);
        if (why instanceof ReloadEvent.Unchanged) {
          vote.put("vote", "OK"); // it serves this content already
        } else {
          vote.put("vote", "NACK");
          if (why instanceof ReloadEvent.Rejected rejected) {
            rejected.problems().forEach(p -> problems.add(p.toString()));
          } else {
            problems.add(why == null ? "not staged" : why.toString());
          }
        }
      }
    } catch (IOException | RuntimeException e) {
      vote.put("vote", "NACK");
      problems.add("cannot stage version " + version + ": " + e.getMessage());
    }
    Duration prepareTime = Duration.ofNanos(System.nanoTime() - began);
    vote.put("prepareMillis", prepareTime.toMillis());
    boolean ok = vote.path("vote").asText().equals("OK");
    notify(o -> o.voted(id, ok, prepareTime));
    vote.put("time", Clock.systemUTC().instant().toString());
    try {
      etcd.client().getKVClient().put(Layout.bytes(key), Layout.bytes(Layout.write(vote)))
          .get(etcd.timeout().toMillis(), TimeUnit.MILLISECONDS);
      LOG.atInfo().addKeyValue("rollout", id).log("node {}: voted {} in rollout {} round {}", node,
          vote.path("vote").asText(), id, round);
    } catch (Exception e) {
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      LOG.warn("node {}: cannot write its vote in rollout {}: {}", node, id, e.toString());
    }
  }

  private void notify(java.util.function.Consumer<FleetEvents> call) {
    try {
      call.accept(observer);
    } catch (RuntimeException e) {
      LOG.warn("a fleet events observer threw: {}", e.toString());
    }
  }

  /** The managed version a snapshot was read from, from the managed layer's stamp. */
  static OptionalLong managedVersion(ConfigSnapshot<?> snapshot) {
    String rest = managedStamp(snapshot);
    return rest.isEmpty() ? OptionalLong.empty() : OptionalLong.of(Long.parseLong(rest.substring(0, rest.indexOf(':'))));
  }

  /** The SHA-256 of the managed document a snapshot was read from, or "". */
  private static String managedSha(ConfigSnapshot<?> snapshot) {
    String rest = managedStamp(snapshot);
    return rest.isEmpty() ? "" : rest.substring(rest.indexOf(':') + 1);
  }

  /** "N:sha256" from the managed layer's stamp, or "". */
  private static String managedStamp(ConfigSnapshot<?> snapshot) {
    for (SourceStamp s : snapshot.stamps()) {
      if (s.stamp().startsWith(EtcdSource.VERSION_STAMP)) {
        return s.stamp().substring(EtcdSource.VERSION_STAMP.length());
      }
    }
    return "";
  }

  private ObjectNode rejection(ReloadEvent.Rejected r) {
    ObjectNode out = Layout.object();
    Optional<Long> version = r.problems().stream().map(p -> VERSION_ORIGIN.matcher(p.origin().source()))
        .filter(Matcher::find).map(m -> Long.parseLong(m.group(1))).findFirst();
    if (version.isPresent()) {
      out.put("version", version.get());
    } else {
      out.putNull("version");
    }
    out.put("stage", r.stage().name().toLowerCase(java.util.Locale.ROOT));
    out.put("time", r.time().toString());
    ArrayNode problems = out.putArray("problems");
    for (Problem p : r.problems()) {
      problems.addObject().put("path", p.path()).put("origin", p.origin().toString()).put("message", p.message());
    }
    return out;
  }

  private void closeKeepAlive() {
    io.etcd.jetcd.support.CloseableClient k = keepAlive;
    keepAlive = null;
    if (k != null) {
      try {
        k.close();
      } catch (RuntimeException e) {
        LOG.debug("closing the keep-alive of {}: {}", node, e.toString());
      }
    }
  }

  /** Stops keeping the record and revokes the lease (bounded by the etcd timeout), so the record goes. */
  @Override
  public void close() {
    closed = true;
    subscription.close();
    Registration watch = rolloutWatch;
    if (watch != null) {
      watch.close();
    }
    var unused = work.submit(() -> {
      Staged s = staged;
      if (s != null) {
        s.change().abort();
        staged = null;
      }
      closeKeepAlive();
      if (registered) {
        try {
          etcd.client().getLeaseClient().revoke(lease).get(etcd.timeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
          LOG.debug("revoking the lease of {}: {}", node, e.toString());
        }
      }
      registered = false;
    });
    work.shutdown();
    try {
      if (!work.awaitTermination(etcd.timeout().toMillis() + 1_000, TimeUnit.MILLISECONDS)) {
        work.shutdownNow();
      }
    } catch (InterruptedException e) {
      work.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }
}
