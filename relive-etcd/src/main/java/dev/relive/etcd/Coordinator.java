package dev.relive.etcd;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.election.LeaderKey;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import io.etcd.jetcd.support.CloseableClient;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a fleet-wide two-phase rollout of one version (see {@link Rollouts} for the state machine): every
 * target node stages the candidate through its own pipeline (parse, bind, its own validators and schema,
 * participants' prepare) and votes; one transaction commits a step only if every target voted OK, and
 * anything else (a NACK, a vote missing at the prepare timeout, a target lost) aborts it with nothing
 * served changed. Steps go from canaries to everyone; after each committed step the coordinator watches the
 * committed nodes' health for the bake time and, if one turns unhealthy or is lost, rolls the committed nodes
 * back to the previous version through the same two phases. The last step moves the stable head.
 *
 * <p>One coordinator per app at a time, elected with etcd's election API; every write is a transaction that
 * also compares the leader key's creation revision, so a coordinator that lost its leadership (its lease
 * expired) can change nothing. A coordinator that dies leaves the state in etcd: {@link #resume()} (another
 * process, or {@code relive fleet rollout --resume}) aborts a step that was preparing and carries on, or
 * rolls back, a step that was committed.
 *
 * <p>Not thread-safe: one rollout at a time per instance.
 */
public final class Coordinator {
  private static final Logger LOG = LoggerFactory.getLogger(Coordinator.class);

  private final Fleet fleet;
  private final Etcd etcd;
  private final String app;
  private final List<String> steps;
  private final Duration bake;
  private final Duration prepareTimeout;
  private final Duration leaseTtl;
  private final Duration campaignTimeout;
  private final int maxUnhealthy;
  private final Duration poll;
  private final Consumer<JsonNode> events;
  private final FleetEvents observer;
  private final Clock clock = Clock.systemUTC();
  /** Test hook: called at named points; throwing there is a coordinator crash. */
  private volatile Consumer<String> faults = point -> {};

  private @Nullable LeaderKey leader;
  private long lease;
  private @Nullable CloseableClient keepAlive;
  /** The mod revision of the rollout record this coordinator wrote last. */
  private long written;

  private Coordinator(Builder b) {
    this.etcd = b.etcd;
    this.app = b.app;
    this.fleet = new Fleet(b.etcd, b.app);
    this.steps = List.copyOf(b.steps);
    this.bake = b.bake;
    this.prepareTimeout = b.prepareTimeout;
    this.leaseTtl = b.leaseTtl;
    this.campaignTimeout = b.campaignTimeout;
    this.maxUnhealthy = b.maxUnhealthy;
    this.poll = b.poll;
    this.events = b.events;
    this.observer = b.observer;
  }

  /** Starts configuring a coordinator for {@code app}. */
  public static Builder builder(Etcd etcd, String app) {
    return new Builder(Objects.requireNonNull(etcd, "etcd"), Layout.requireApp(Objects.requireNonNull(app, "app")));
  }

  /** The end of a rollout, as its record says: its state, the version, and why it ended so. */
  public record Result(String id, String state, long version, String reason, JsonNode record) {
    /** True when the version was promoted (DONE). */
    public boolean promoted() {
      return state.equals(Rollouts.DONE);
    }
  }

  /** The coordinator lost its leadership (another took over); it wrote nothing after that. */
  public static final class LostLeadership extends RuntimeException {
    private static final long serialVersionUID = 1L;

    LostLeadership(String message) {
      super(message);
    }
  }

  /**
   * Rolls {@code document} out as the next version, step by step, and returns how it ended. Content equal
   * to the head's ends at once as DONE with reason "unchanged".
   *
   * @throws IllegalStateException if another rollout is running (resume or abort it first), or another
   *     coordinator holds the leadership past the campaign timeout
   * @throws IllegalArgumentException for a document over 1 MiB
   * @throws Fleet.Unreachable when etcd does not answer
   */
  public Result rollout(byte[] document, String format, String message, String author) {
    Fleet.requireSize(document);
    return led(() -> start(document, format, message, author, "rollout"));
  }

  /**
   * Rolls version {@code n}'s content out again as a new version, through the same two phases (the
   * engine's rollback, fleet-wide).
   *
   * @throws IllegalArgumentException if there is no version {@code n}
   */
  public Result rollbackTo(long n, String author) {
    Fleet.Version v = fleet.version(n).orElseThrow(() -> new IllegalArgumentException("there is no version " + n
        + " of " + app));
    return led(() -> start(v.document().getBytes(StandardCharsets.UTF_8), v.format(), "rollback to version " + n,
        author, "rollback"));
  }

  /**
   * Finishes the rollout a coordinator left running: a step that was preparing is aborted, a committed one
   * is baked again and carried on or rolled back, a rollback is completed. Returns the last rollout's end
   * if none is running.
   */
  public Result resume() {
    return led(() -> {
      JsonNode current = fleet.pointers(etcd.client()).rollout();
      if (!Rollouts.active(current)) {
        return result(current);
      }
      written = modRevision(Layout.rollout(app));
      ObjectNode r = current.deepCopy();
      if (r.path("state").asText().equals(Rollouts.PREPARING)) {
        r = fail(r, "the coordinator was lost while step " + (r.path("step").asInt() + 1) + " was preparing",
            "coordinator");
      }
      return drive(r);
    });
  }

  /**
   * Asks the running rollout of {@code app} to stop: its coordinator aborts a preparing step and rolls back
   * committed ones. If no coordinator is running it, this one does (as {@link #resume()} would, stopping).
   * Returns the rollout's id, or empty if none was running.
   */
  public Optional<String> abort() {
    Client client = etcd.client();
    JsonNode current = fleet.pointers(client).rollout();
    if (!Rollouts.active(current)) {
      return Optional.empty();
    }
    String id = current.path("id").asText();
    call(client.getKVClient().put(Layout.bytes(Layout.abort(app)), Layout.bytes(id)));
    if (leaderless()) {
      resume();
    }
    return Optional.of(id);
  }

  /** Test hook: {@code crash} is called with each point's name and may throw to simulate a crash there. */
  void faults(Consumer<String> crash) {
    this.faults = crash;
  }

  /** The lease under which this coordinator leads (for tests that expire it at once). */
  long lease() {
    return lease;
  }

  // ---- leadership --------------------------------------------------------------------------------------

  private interface Led {
    Result run();
  }

  /** Runs {@code body} as the elected coordinator; resigns and revokes its lease after, unless it crashed. */
  private Result led(Led body) {
    elect();
    boolean crashed = false;
    try {
      return body.run();
    } catch (Crash e) {
      crashed = true;
      throw e;
    } finally {
      if (!crashed) {
        resign();
      } else {
        closeKeepAlive(); // as a dead process: the lease runs out by itself
      }
    }
  }

  /** Thrown by the test hook: unwinds like a killed process, leaving etcd as it was at that point. */
  static final class Crash extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Crash(String point) {
      super("crashed at " + point);
    }
  }

  private void elect() {
    Client client = etcd.client();
    lease = call(client.getLeaseClient().grant(Math.max(1, leaseTtl.toSeconds()))).getID();
    keepAlive = client.getLeaseClient().keepAlive(lease, new io.grpc.stub.StreamObserver<>() {
      @Override
      public void onNext(io.etcd.jetcd.lease.LeaseKeepAliveResponse value) {}

      @Override
      public void onError(Throwable t) {}

      @Override
      public void onCompleted() {}
    });
    CompletableFuture<io.etcd.jetcd.election.CampaignResponse> campaign = client.getElectionClient()
        .campaign(Layout.bytes(Layout.election(app)), lease, Layout.bytes(ProcessHandle.current().pid() + ""));
    try {
      leader = campaign.get(campaignTimeout.toMillis(), TimeUnit.MILLISECONDS).getLeader();
    } catch (TimeoutException e) {
      campaign.cancel(true);
      resign();
      JsonNode running = fleet.pointers(client).rollout();
      throw new IllegalStateException("another coordinator of " + app + " is running"
          + (Rollouts.active(running) ? " rollout " + running.path("id").asText() : "")
          + "; it has held the leadership for more than " + campaignTimeout.toSeconds() + " s");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      resign();
      throw new IllegalStateException("interrupted while campaigning", e);
    } catch (ExecutionException e) {
      resign();
      throw unreachable(e.getCause() != null ? e.getCause() : e);
    }
  }

  /** True if nobody holds the leadership now. */
  private boolean leaderless() {
    Client client = etcd.client();
    GetResponse r = call(client.getKVClient().get(Layout.bytes(Layout.election(app) + "/"),
        GetOption.builder().isPrefix(true).withCountOnly(true).build()));
    return r.getCount() == 0;
  }

  private void resign() {
    closeKeepAlive();
    if (lease != 0) {
      try {
        etcd.client().getLeaseClient().revoke(lease).get(etcd.timeout().toMillis(), TimeUnit.MILLISECONDS);
      } catch (Exception e) {
        if (e instanceof InterruptedException) {
          Thread.currentThread().interrupt();
        }
        LOG.debug("revoking the coordinator's lease: {}", e.toString());
      }
    }
    leader = null;
    lease = 0;
  }

  private void closeKeepAlive() {
    CloseableClient k = keepAlive;
    keepAlive = null;
    if (k != null) {
      k.close();
    }
  }

  private Cmp fence() {
    LeaderKey l = Objects.requireNonNull(leader, "elected");
    return new Cmp(l.getKey(), Cmp.Op.EQUAL, CmpTarget.createRevision(l.getRevision()));
  }

  // ---- the state machine -------------------------------------------------------------------------------

  private Result start(byte[] document, String format, String message, String author, String kind) {
    Client client = etcd.client();
    Fleet.Pointers p = fleet.pointers(client);
    if (p.rolloutActive()) {
      throw new IllegalStateException("rollout " + p.rollout().path("id").asText() + " of " + app
          + " is running; resume it (--resume) or abort it (relive fleet abort)");
    }
    String sha = Layout.sha256(document);
    long head = p.head().orElse(0);
    if (p.head().isPresent() && fleet.version(head).map(v -> v.sha256().equals(sha)).orElse(false)) {
      ObjectNode r = Layout.object().put("id", "").put("state", Rollouts.DONE).put("version", head)
          .put("reason", "unchanged: version " + head + " already has this content");
      return result(r);
    }
    long n = p.next();
    ObjectNode r = Layout.object();
    r.put("id", "r" + Long.toString(clock.millis(), 36) + "-" + UUID.randomUUID().toString().substring(0, 8));
    r.put("kind", kind);
    r.put("version", n);
    r.put("from", head);
    ArrayNode s = r.putArray("steps");
    steps.forEach(s::add);
    r.put("step", 0);
    r.put("round", 0);
    r.putArray("committed");
    r.putArray("lost");
    r.put("message", message);
    r.put("author", author);
    r.put("bakeMillis", bake.toMillis());
    r.put("prepareTimeoutMillis", prepareTimeout.toMillis());
    r.put("started", clock.instant().toString());
    ObjectNode first = prepare(r, 0, Rollouts.PREPARING);
    List<Cmp> guards = new ArrayList<>(p.unchanged());
    guards.add(fence());
    List<Op> ops = new ArrayList<>();
    ops.add(Op.put(Layout.bytes(Layout.version(app, n)),
        Layout.bytes(Layout.write(fleet.versionRecord(n, head, document, format, message, author))), PutOption.DEFAULT));
    ops.add(Op.put(Layout.bytes(Layout.last(app)), Layout.bytes(Long.toString(n)), PutOption.DEFAULT));
    ops.add(Op.put(Layout.bytes(Layout.rollout(app)), Layout.bytes(Layout.write(first)), PutOption.DEFAULT));
    ops.add(Op.delete(Layout.bytes(Layout.abort(app)), DeleteOption.DEFAULT));
    ops.add(Op.delete(Layout.bytes(Layout.root(app) + "votes/"), DeleteOption.builder().isPrefix(true).build()));
    TxnResponse txn = call(client.getKVClient().txn().If(guards.toArray(Cmp[]::new)).Then(ops.toArray(Op[]::new))
        .commit());
    if (!txn.isSucceeded()) {
      throw new IllegalStateException("the head, the versions or the rollout of " + app + " moved while this "
          + "rollout started; nothing was written");
    }
    written = txn.getHeader().getRevision();
    emit(first);
    LOG.atInfo().addKeyValue("rollout", first.path("id").asText()).log("rollout {} of {}: version {} from {}, steps {}",
        first.path("id").asText(), app, n, head, steps);
    return drive(first);
  }

  /** Runs the state machine from {@code r} to a final state. */
  private Result drive(ObjectNode start) {
    long began = System.nanoTime();
    ObjectNode r = start;
    while (Rollouts.active(r)) {
      String state = r.path("state").asText();
      if (state.equals(Rollouts.PREPARING)) {
        r = decidePrepare(r);
      } else if (state.equals(Rollouts.COMMITTED)) {
        r = bakeAndAdvance(r);
      } else {
        r = finishRollback(r);
      }
    }
    archive(r);
    ObjectNode end = r;
    notify(o -> o.ended(end.path("id").asText(), end.path("state").asText(), end.path("cause").asText(""),
        Duration.ofNanos(System.nanoTime() - began)));
    return result(r);
  }

  private void notify(Consumer<FleetEvents> call) {
    try {
      call.accept(observer);
    } catch (RuntimeException e) {
      LOG.warn("a fleet events observer threw: {}", e.toString());
    }
  }

  /** The record for a new round of {@code state} at {@code step}: its targets, fixed now, and its deadline. */
  private ObjectNode prepare(ObjectNode from, int step, String state) {
    ObjectNode r = from.deepCopy();
    Set<String> committed = new LinkedHashSet<>(Rollouts.strings(r.path("committed")));
    List<String> targets;
    if (state.equals(Rollouts.PREPARING)) {
      Map<String, Map<String, String>> live = liveMembers();
      targets = new ArrayList<>(Rollouts.select(steps(r).get(step), live));
      targets.removeAll(committed);
    } else {
      Set<String> alive = liveMembers().keySet();
      targets = committed.stream().filter(alive::contains).toList();
    }
    r.put("state", state);
    r.put("step", step);
    r.put("round", r.path("round").asLong() + (r.has("targets") ? 1 : 0));
    ArrayNode t = r.putArray("targets");
    targets.forEach(t::add);
    r.put("deadline", clock.millis() + prepareTimeout.toMillis());
    r.put("updated", clock.instant().toString());
    return r;
  }

  private static List<String> steps(JsonNode r) {
    return Rollouts.strings(r.path("steps"));
  }

  /** Collects the round's votes; commits the step if every target voted OK, otherwise fails the rollout. */
  private ObjectNode decidePrepare(ObjectNode r) {
    List<String> targets = Rollouts.strings(r.path("targets"));
    int step = r.path("step").asInt();
    boolean last = step == steps(r).size() - 1;
    if (targets.isEmpty()) {
      if (step == 0 && !last) {
        return fail(r, "the first step (" + steps(r).get(0) + ") matched no live node", "no-target");
      }
      if (last) {
        return promote(r); // nothing left to prepare: every live node serves it already
      }
      ObjectNode next = prepare(r, step + 1, Rollouts.PREPARING); // a step that adds nobody: on to the next
      write(next);
      return next;
    }
    faults.accept("prepare-written");
    long roundStarted = System.nanoTime();
    Votes votes = collect(r, targets);
    Duration prepared = Duration.ofNanos(System.nanoTime() - roundStarted);
    ObjectNode withVotes = r.deepCopy();
    withVotes.set("votes", votes.json());
    if (!votes.failure().isEmpty()) {
      return fail(withVotes, votes.failure(), votes.cause());
    }
    faults.accept("before-commit");
    ObjectNode c = withVotes.deepCopy();
    c.put("state", Rollouts.COMMITTED);
    ArrayNode committed = (ArrayNode) c.path("committed");
    targets.forEach(committed::add);
    c.put("committedAt", clock.millis());
    c.put("updated", clock.instant().toString());
    ObjectNode pointer = Layout.object().put("rollout", c.path("id").asText()).put("version", c.path("version").asLong());
    pointer.set("nodes", committed.deepCopy());
    long commitStarted = System.nanoTime();
    write(c, Op.put(Layout.bytes(Layout.canary(app)), Layout.bytes(Layout.write(pointer)), PutOption.DEFAULT));
    notify(o -> o.stepCommitted(c.path("id").asText(), step, prepared, Duration.ofNanos(System.nanoTime() - commitStarted)));
    faults.accept("after-commit");
    return c;
  }

  /** After a committed step: watches the committed nodes for the bake time, then the next step or promotion. */
  private ObjectNode bakeAndAdvance(ObjectNode r) {
    String id = r.path("id").asText();
    if (abortRequested(id)) {
      return fail(r, "aborted by an operator", "operator");
    }
    long until = clock.millis() + bake.toMillis();
    while (!bake.isZero()) {
      String problem = health(r);
      if (!problem.isEmpty()) {
        return fail(r, problem, problem.contains(" was lost after") ? "lost" : "unhealthy");
      }
      if (abortRequested(id)) {
        return fail(r, "aborted by an operator", "operator");
      }
      faults.accept("baking");
      if (clock.millis() >= until) {
        break;
      }
      sleep();
    }
    int step = r.path("step").asInt();
    if (step + 1 < steps(r).size()) {
      ObjectNode next = prepare(r, step + 1, Rollouts.PREPARING);
      next.remove("votes");
      write(next);
      return next;
    }
    return promote(r);
  }

  /** The last step: the head moves to the version and the canary pointer goes, in one transaction. */
  private ObjectNode promote(ObjectNode r) {
    ObjectNode d = r.deepCopy();
    d.put("state", Rollouts.DONE);
    d.put("reason", "promoted: version " + d.path("version").asLong() + " is the head");
    d.put("updated", clock.instant().toString());
    lost(d);
    write(d, Op.put(Layout.bytes(Layout.head(app)), Layout.bytes(Long.toString(d.path("version").asLong())),
        PutOption.DEFAULT), Op.delete(Layout.bytes(Layout.canary(app)), DeleteOption.DEFAULT));
    return d;
  }

  /** A round failed or health went bad: abort if nothing was committed, otherwise roll the committed back. */
  private ObjectNode fail(ObjectNode r, String reason, String cause) {
    LOG.atWarn().addKeyValue("rollout", r.path("id").asText()).log("rollout {} of {}: {}", r.path("id").asText(),
        app, reason);
    if (r.path("committed").isEmpty()) {
      ObjectNode a = r.deepCopy();
      a.put("cause", cause);
      a.put("state", Rollouts.ABORTED);
      a.put("reason", reason);
      a.put("updated", clock.instant().toString());
      write(a);
      return a;
    }
    ObjectNode b = prepare(r, r.path("step").asInt(), Rollouts.ROLLING_BACK);
    b.remove("votes");
    b.put("reason", reason);
    b.put("cause", cause);
    write(b);
    return b;
  }

  /** The committed nodes stage the previous version and vote; then the pointer goes, whatever they voted. */
  private ObjectNode finishRollback(ObjectNode r) {
    List<String> targets = Rollouts.strings(r.path("targets"));
    Votes votes = targets.isEmpty() ? new Votes(Layout.object(), "") : collect(r, targets);
    ObjectNode b = r.deepCopy();
    b.set("votes", votes.json());
    b.put("state", Rollouts.ROLLED_BACK);
    if (!votes.failure().isEmpty()) {
      b.put("rollbackProblems", votes.failure());
    }
    b.put("updated", clock.instant().toString());
    lost(b);
    write(b, Op.delete(Layout.bytes(Layout.canary(app)), DeleteOption.DEFAULT));
    return b;
  }

  /** Records the committed nodes that are no longer members. */
  private void lost(ObjectNode r) {
    Set<String> alive = liveMembers().keySet();
    ArrayNode lost = r.putArray("lost");
    Rollouts.strings(r.path("committed")).stream().filter(n -> !alive.contains(n)).forEach(lost::add);
  }

  /** The votes of a round, and the first reason to fail it (empty when every target voted OK). */
  private record Votes(ObjectNode json, String failure, String cause) {
    Votes(ObjectNode json, String failure) {
      this(json, failure, "");
    }
  }

  private Votes collect(ObjectNode r, List<String> targets) {
    String id = r.path("id").asText();
    long round = r.path("round").asLong();
    long deadline = r.path("deadline").asLong();
    String prefix = Layout.votes(app, id, round);
    while (true) {
      GetResponse got = retrying(() -> etcd.client().getKVClient().get(Layout.bytes(prefix),
          GetOption.builder().isPrefix(true).build()));
      ObjectNode json = Layout.object();
      List<String> nacks = new ArrayList<>();
      for (KeyValue kv : got.getKvs()) {
        String node = Layout.text(kv.getKey()).substring(prefix.length());
        JsonNode vote = Layout.parse(kv.getValue()).orElse(Layout.object().put("vote", "NACK"));
        json.set(node, vote);
        if (targets.contains(node) && !vote.path("vote").asText().equals("OK")) {
          List<String> problems = Rollouts.strings(vote.path("problems"));
          nacks.add(node + " refused it: " + (problems.isEmpty() ? "(no reason given)" : String.join("; ", problems)));
        }
      }
      if (!nacks.isEmpty()) {
        return new Votes(json, String.join("; ", nacks), "nack");
      }
      if (targets.stream().allMatch(json::has)) {
        return new Votes(json, "");
      }
      Set<String> alive = liveMembers().keySet();
      List<String> gone = targets.stream().filter(t -> !alive.contains(t) && !json.has(t)).toList();
      if (!gone.isEmpty()) {
        return new Votes(json, "target " + String.join(", ", gone) + " was lost before voting", "lost");
      }
      if (abortRequested(id)) {
        return new Votes(json, "aborted by an operator", "operator");
      }
      if (clock.millis() > deadline) {
        List<String> missing = targets.stream().filter(t -> !json.has(t)).toList();
        return new Votes(json, "no vote from " + String.join(", ", missing) + " within the prepare timeout of "
            + prepareTimeout.toMillis() + " ms", "timeout");
      }
      sleep();
    }
  }

  /** Why the committed nodes are not healthy enough, or empty. */
  private String health(ObjectNode r) {
    Map<String, JsonNode> records = memberRecords();
    List<String> bad = new ArrayList<>();
    for (String node : Rollouts.strings(r.path("committed"))) {
      JsonNode m = records.get(node);
      if (m == null) {
        bad.add(node + " was lost after it committed");
      } else if (m.path("health").asText().equals("unhealthy")) {
        bad.add(node + " is unhealthy: " + String.join("; ", Rollouts.strings(m.path("healthProblems"))));
      }
    }
    return bad.size() > maxUnhealthy ? String.join("; ", bad) : "";
  }

  private boolean abortRequested(String id) {
    GetResponse got = retrying(() -> etcd.client().getKVClient().get(Layout.bytes(Layout.abort(app))));
    return !got.getKvs().isEmpty() && Layout.text(got.getKvs().get(0).getValue()).equals(id);
  }

  private Map<String, Map<String, String>> liveMembers() {
    Map<String, Map<String, String>> out = new LinkedHashMap<>();
    memberRecords().forEach((node, json) -> {
      Map<String, String> labels = new HashMap<>();
      json.path("labels").fields().forEachRemaining(e -> labels.put(e.getKey(), e.getValue().asText()));
      out.put(node, labels);
    });
    return out;
  }

  private Map<String, JsonNode> memberRecords() {
    String prefix = Layout.members(app);
    GetResponse got = retrying(() -> etcd.client().getKVClient().get(Layout.bytes(prefix),
        GetOption.builder().isPrefix(true).build()));
    Map<String, JsonNode> out = new LinkedHashMap<>();
    for (KeyValue kv : got.getKvs()) {
      out.put(Layout.text(kv.getKey()).substring(prefix.length()), Layout.parse(kv.getValue()).orElse(Layout.object()));
    }
    return out;
  }

  /** Writes the rollout record (and {@code more}) if this coordinator still leads and wrote the record last. */
  private void write(ObjectNode r, Op... more) {
    String value = Layout.write(r);
    List<Op> ops = new ArrayList<>();
    ops.add(Op.put(Layout.bytes(Layout.rollout(app)), Layout.bytes(value), PutOption.DEFAULT));
    ops.addAll(List.of(more));
    TxnResponse txn = retrying(() -> etcd.client().getKVClient().txn().If(fence(),
        new Cmp(Layout.bytes(Layout.rollout(app)), Cmp.Op.EQUAL, CmpTarget.modRevision(written)))
        .Then(ops.toArray(Op[]::new)).commit());
    if (txn.isSucceeded()) {
      written = txn.getHeader().getRevision();
    } else {
      // A retried transaction whose first try went through (its answer lost with etcd) finds its own record.
      GetResponse now = retrying(() -> etcd.client().getKVClient().get(Layout.bytes(Layout.rollout(app))));
      if (now.getKvs().isEmpty() || !Layout.text(now.getKvs().get(0).getValue()).equals(value)) {
        throw new LostLeadership("the coordinator of rollout " + r.path("id").asText() + " lost its leadership (or "
            + "another wrote the rollout); it changed nothing more");
      }
      written = now.getKvs().get(0).getModRevision();
    }
    emit(r);
  }

  /** Keeps a finished rollout under {@code rollouts/{id}}; best effort. */
  private void archive(ObjectNode r) {
    String id = r.path("id").asText();
    if (id.isEmpty()) {
      return;
    }
    try {
      Client client = etcd.client();
      call(client.getKVClient().put(Layout.bytes(Layout.archive(app, id)), Layout.bytes(Layout.write(r))));
    } catch (RuntimeException e) {
      LOG.debug("archiving rollout {}: {}", id, e.toString());
    }
  }

  private long modRevision(String key) {
    Client client = etcd.client();
    GetResponse got = call(client.getKVClient().get(Layout.bytes(key)));
    return got.getKvs().isEmpty() ? 0 : got.getKvs().get(0).getModRevision();
  }

  private void emit(JsonNode r) {
    try {
      events.accept(r);
    } catch (RuntimeException e) {
      LOG.warn("a rollout event consumer threw: {}", e.toString());
    }
  }

  private Result result(JsonNode r) {
    return new Result(r.path("id").asText(), r.path("state").asText(), r.path("version").asLong(),
        r.path("reason").asText(""), r);
  }

  private void sleep() {
    try {
      Thread.sleep(poll.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  private <R> R call(CompletableFuture<R> future) {
    try {
      return future.get(etcd.timeout().toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new Fleet.Unreachable("interrupted while talking to etcd", e);
    } catch (ExecutionException | TimeoutException e) {
      future.cancel(true);
      throw unreachable(e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e);
    }
  }

  /**
   * Runs a call, and runs it again while etcd is away, for up to the lease TTL (past that the leadership is
   * gone anyway, and the fenced writes say so). A coordinator rides out an etcd restart this way.
   */
  private <R> R retrying(java.util.function.Supplier<CompletableFuture<R>> call) {
    long until = System.nanoTime() + Math.max(leaseTtl.toNanos(), etcd.timeout().toNanos());
    while (true) {
      try {
        return call(call.get());
      } catch (Fleet.Unreachable e) {
        if (System.nanoTime() > until) {
          throw e;
        }
        LOG.debug("etcd is away ({}); trying again", e.getMessage());
        sleep();
      }
    }
  }

  private RuntimeException unreachable(Throwable cause) {
    if (Etcd.refused(cause)) {
      return new Fleet.Refused(etcd.failure(cause), cause);
    }
    etcd.recover(etcd.client());
    return new Fleet.Unreachable(etcd.failure(cause), cause);
  }

  /** Configures a {@link Coordinator}. Not thread-safe. */
  public static final class Builder {
    private final Etcd etcd;
    private final String app;
    private List<String> steps = List.of("100%");
    private Duration bake = Duration.ZERO;
    private Duration prepareTimeout = Duration.ofSeconds(10);
    private Duration leaseTtl = Duration.ofSeconds(10);
    private Duration campaignTimeout = Duration.ofSeconds(15);
    private int maxUnhealthy;
    private Duration poll = Duration.ofMillis(20);
    private Consumer<JsonNode> events = r -> {};
    private FleetEvents observer = new FleetEvents() {};

    private Builder(Etcd etcd, String app) {
      this.etcd = etcd;
      this.app = app;
    }

    /**
     * The steps, canaries first: selectors such as {@code node-a}, {@code zone=eu-1}, {@code 1},
     * {@code 10%}, {@code 100%}. A last step that is not {@code 100%} leaves the rest on the old head until
     * promotion, which then reaches them through the head (default: one step, {@code 100%}).
     *
     * @throws IllegalArgumentException for an empty list or a selector of no known form
     */
    public Builder steps(List<String> selectors) {
      if (selectors.isEmpty()) {
        throw new IllegalArgumentException("at least one step");
      }
      selectors.forEach(Rollouts::requireSelector);
      this.steps = List.copyOf(selectors);
      return this;
    }

    /** How long committed nodes must stay healthy before the next step (default 0: no bake). */
    public Builder bake(Duration time) {
      this.bake = nonNegative(time, "bake");
      return this;
    }

    /** How long targets have to vote (default 10 s). */
    public Builder prepareTimeout(Duration time) {
      this.prepareTimeout = nonNegative(time, "prepareTimeout");
      return this;
    }

    /** The coordinator's lease: how soon another can take over after it dies (default 10 s). */
    public Builder leaseTtl(Duration ttl) {
      this.leaseTtl = nonNegative(ttl, "leaseTtl");
      return this;
    }

    /** How long to wait for the leadership another coordinator holds (default 15 s). */
    public Builder campaignTimeout(Duration time) {
      this.campaignTimeout = nonNegative(time, "campaignTimeout");
      return this;
    }

    /** How many committed nodes may be unhealthy or lost during a bake before it rolls back (default 0). */
    public Builder maxUnhealthy(int count) {
      if (count < 0) {
        throw new IllegalArgumentException("maxUnhealthy must be >= 0, was " + count);
      }
      this.maxUnhealthy = count;
      return this;
    }

    /** How often votes and health are read (default 20 ms). */
    public Builder pollInterval(Duration interval) {
      this.poll = nonNegative(interval, "pollInterval");
      return this;
    }

    /** Receives the rollout record at every state change (for {@code --json} lines and logs). */
    public Builder events(Consumer<JsonNode> consumer) {
      this.events = Objects.requireNonNull(consumer, "consumer");
      return this;
    }

    /** Receives steps and outcomes, for metrics ({@link FleetMetrics}). */
    public Builder events(FleetEvents fleetEvents) {
      this.observer = Objects.requireNonNull(fleetEvents, "fleetEvents");
      return this;
    }

    public Coordinator build() {
      return new Coordinator(this);
    }

    private static Duration nonNegative(Duration d, String what) {
      if (Objects.requireNonNull(d, what).isNegative()) {
        throw new IllegalArgumentException(what + " must not be negative, was " + d);
      }
      return d;
    }
  }
}
