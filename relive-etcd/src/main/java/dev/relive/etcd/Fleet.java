package dev.relive.etcd;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeoutException;
import org.jspecify.annotations.Nullable;

/**
 * The fleet of one application in Relive's managed layout: publish a version, list and read versions,
 * roll back, and read what every member serves. What {@code relive fleet} does, as a library.
 *
 * <p>Publishing writes the version and moves the head in one transaction that also checks the head is still
 * the one read, so two publishers never lose a version: the loser reads again and retries (a few times,
 * then fails clearly). Content equal to the head's is not published again.
 *
 * <p>Thread-safe. Every call is bounded by the connection's timeout and throws {@link Unreachable} when etcd
 * does not answer, {@link Refused} when it refuses the credentials.
 */
public final class Fleet {
  Etcd etcd() {
    return etcd;
  }

  String app() {
    return app;
  }

  /** The largest document a version holds: etcd limits a request to 1.5 MiB, and the record carries more. */
  public static final int MAX_DOCUMENT_BYTES = Layout.MAX_DOCUMENT_BYTES;
  private static final int PUBLISH_ATTEMPTS = 50;

  private final Etcd etcd;
  private final String app;
  private final Clock clock;

  /** The fleet of {@code app} on this connection. */
  public Fleet(Etcd etcd, String app) {
    this(etcd, app, Clock.systemUTC());
  }

  Fleet(Etcd etcd, String app, Clock clock) {
    this.etcd = Objects.requireNonNull(etcd, "etcd");
    this.app = Layout.requireApp(Objects.requireNonNull(app, "app"));
    this.clock = clock;
  }

  /** etcd did not answer within the timeout, or refused the connection. */
  public static final class Unreachable extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Unreachable(String message, @Nullable Throwable cause) {
      super(message, cause);
    }
  }

  /** etcd answered with a refusal: missing or wrong credentials, or a role without the permission. */
  public static final class Refused extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Refused(String message, @Nullable Throwable cause) {
      super(message, cause);
    }
  }

  /**
   * One published version.
   *
   * @param document the document's text; empty in listings
   */
  public record Version(long version, String format, String sha256, String author, String message, Instant time,
      long parent, String document) {}

  /**
   * What a publication did.
   *
   * @param unchanged true when the content equals the head's: nothing was written
   */
  public record Published(long version, boolean unchanged) {}

  /** One member's record, as it wrote it. */
  public record Member(String node, Map<String, String> labels, OptionalLong version, String hash, String health,
      List<String> healthProblems, List<String> degradedReasons, Optional<Rejection> lastRejection,
      Instant servingSince, Instant started, Instant updated) {}

  /** The last version a member refused, and why. */
  public record Rejection(OptionalLong version, String stage, Instant time, List<String> problems) {}

  /**
   * The current (or last) rollout, as its coordinator last wrote it.
   *
   * @param state   PREPARING, COMMITTED, ROLLING_BACK (running), or DONE, ABORTED, ROLLED_BACK
   * @param step    the current step, from 0
   * @param votes   each voter of the current round: "OK", or "NACK: " and its problems
   */
  public record Rollout(String id, String state, long version, long from, int step, List<String> steps,
      List<String> targets, List<String> committed, Map<String, String> votes, String reason, List<String> lost) {
    /** True while it runs. */
    public boolean active() {
      return state.equals(Rollouts.PREPARING) || state.equals(Rollouts.COMMITTED) || state.equals(Rollouts.ROLLING_BACK);
    }
  }

  /** The current (or last) rollout, with the votes cast so far in its current round. */
  public Optional<Rollout> rollout() {
    Client client = etcd.client();
    JsonNode r = pointers(client).rollout();
    if (r.isMissingNode()) {
      return Optional.empty();
    }
    Map<String, String> votes = new TreeMap<>();
    r.path("votes").fields().forEachRemaining(e -> votes.put(e.getKey(), vote(e.getValue())));
    if (Rollouts.active(r)) {
      String prefix = Layout.votes(app, r.path("id").asText(), r.path("round").asLong());
      GetResponse got = call(client, client.getKVClient().get(Layout.bytes(prefix), GetOption.builder().isPrefix(true).build()));
      for (KeyValue kv : got.getKvs()) {
        votes.put(Layout.text(kv.getKey()).substring(prefix.length()), Layout.parse(kv.getValue()).map(Fleet::vote)
            .orElse("NACK: unreadable vote"));
      }
    }
    return Optional.of(new Rollout(r.path("id").asText(), r.path("state").asText(), r.path("version").asLong(),
        r.path("from").asLong(), r.path("step").asInt(), Rollouts.strings(r.path("steps")),
        Rollouts.strings(r.path("targets")), Rollouts.strings(r.path("committed")), votes, r.path("reason").asText(""),
        Rollouts.strings(r.path("lost"))));
  }

  private static String vote(JsonNode v) {
    String vote = v.path("vote").asText("NACK");
    List<String> problems = Rollouts.strings(v.path("problems"));
    return problems.isEmpty() ? vote : vote + ": " + String.join("; ", problems);
  }

  /** The head and every live member. */
  public record Status(OptionalLong head, Optional<Instant> headSince, List<Member> members) {}

  /**
   * Publishes a document as the next version and moves the head to it, unless it equals the head's content.
   * Every node applies it on its own (validating it itself); for all-or-nothing across the fleet, canaries
   * and health, use {@link Coordinator}.
   *
   * @throws IllegalArgumentException for a document over 1 MiB
   * @throws IllegalStateException while a rollout is running (it would promote over this version), or if
   *     other publishers kept winning the race ({@value #PUBLISH_ATTEMPTS} attempts)
   */
  public Published publish(byte[] document, String format, String message, String author) {
    requireSize(document);
    String sha = Layout.sha256(document);
    Client client = etcd.client();
    for (int attempt = 0; attempt < PUBLISH_ATTEMPTS; attempt++) {
      Pointers p = pointers(client);
      if (p.rolloutActive()) {
        throw new IllegalStateException("rollout " + p.rollout().path("id").asText() + " of " + app + " is running; "
            + "publishing now would be overtaken when it promotes. Wait for it, or relive fleet abort it");
      }
      if (p.head().isPresent()) {
        Optional<Version> served = version(p.head().getAsLong());
        if (served.isPresent() && served.get().sha256().equals(sha)) {
          return new Published(p.head().getAsLong(), true);
        }
      }
      long next = p.next();
      ObjectNode record = versionRecord(next, p.head().orElse(0), document, format, message, author);
      TxnResponse txn = call(client, client.getKVClient().txn().If(p.unchanged().toArray(Cmp[]::new)).Then(
          Op.put(Layout.bytes(Layout.version(app, next)), Layout.bytes(Layout.write(record)), PutOption.DEFAULT),
          Op.put(Layout.bytes(Layout.last(app)), Layout.bytes(Long.toString(next)), PutOption.DEFAULT),
          Op.put(Layout.bytes(Layout.head(app)), Layout.bytes(Long.toString(next)), PutOption.DEFAULT)).commit());
      if (txn.isSucceeded()) {
        return new Published(next, false);
      }
      backOff(attempt);
    }
    throw new IllegalStateException("other publishers moved the head " + PUBLISH_ATTEMPTS + " times while this one "
        + "tried; this one wrote nothing");
  }

  static void requireSize(byte[] document) {
    if (document.length > Layout.MAX_DOCUMENT_BYTES) {
      throw new IllegalArgumentException(String.format("the document is %d bytes, more than the limit of %d "
          + "(etcd's requests are limited to 1.5 MiB)", document.length, Layout.MAX_DOCUMENT_BYTES));
    }
  }

  /** A version record's JSON. */
  ObjectNode versionRecord(long n, long parent, byte[] document, String format, String message, String author) {
    ObjectNode record = Layout.object();
    record.put("version", n);
    record.put("format", format);
    record.put("sha256", Layout.sha256(document));
    record.put("author", author);
    record.put("message", message);
    record.put("time", clock.instant().toString());
    record.put("parent", parent);
    record.put("document", new String(document, StandardCharsets.UTF_8));
    return record;
  }

  /**
   * The head, the highest version written and the rollout record, read at one revision, with the comparisons
   * that hold while none of them has moved.
   */
  record Pointers(OptionalLong head, OptionalLong last, JsonNode rollout, List<Cmp> unchanged) {
    /** The number the next version gets. */
    long next() {
      return Math.max(head.orElse(0), last.orElse(0)) + 1;
    }

    boolean rolloutActive() {
      return Rollouts.active(rollout);
    }
  }

  Pointers pointers(Client client) {
    List<String> keys = List.of(Layout.head(app), Layout.last(app), Layout.rollout(app));
    TxnResponse r = call(client, client.getKVClient().txn().Then(keys.stream()
        .map(k -> Op.get(Layout.bytes(k), GetOption.DEFAULT)).toArray(Op[]::new)).commit());
    List<Cmp> unchanged = new ArrayList<>();
    OptionalLong head = OptionalLong.empty();
    OptionalLong last = OptionalLong.empty();
    JsonNode rollout = Layout.JSON.missingNode();
    for (int i = 0; i < keys.size(); i++) {
      List<KeyValue> kvs = r.getGetResponses().get(i).getKvs();
      ByteSequence key = Layout.bytes(keys.get(i));
      if (kvs.isEmpty()) {
        unchanged.add(new Cmp(key, Cmp.Op.EQUAL, CmpTarget.version(0)));
        continue;
      }
      KeyValue kv = kvs.get(0);
      unchanged.add(new Cmp(key, Cmp.Op.EQUAL, CmpTarget.modRevision(kv.getModRevision())));
      switch (i) {
        case 0 -> head = OptionalLong.of(Long.parseLong(Layout.text(kv.getValue()).trim()));
        case 1 -> last = OptionalLong.of(Long.parseLong(Layout.text(kv.getValue()).trim()));
        default -> rollout = Layout.parse(kv.getValue()).orElse(Layout.JSON.missingNode());
      }
    }
    return new Pointers(head, last, rollout, unchanged);
  }

  /** The version the head names, if any. */
  public OptionalLong head() {
    Client client = etcd.client();
    GetResponse head = call(client, client.getKVClient().get(Layout.bytes(Layout.head(app))));
    return head.getKvs().isEmpty() ? OptionalLong.empty()
        : OptionalLong.of(Long.parseLong(Layout.text(head.getKvs().get(0).getValue()).trim()));
  }

  /** One version with its document, if it exists and is a readable record. */
  public Optional<Version> version(long n) {
    Client client = etcd.client();
    GetResponse r = call(client, client.getKVClient().get(Layout.bytes(Layout.version(app, n))));
    return r.getKvs().isEmpty() ? Optional.empty() : Layout.parse(r.getKvs().get(0).getValue()).map(j -> toVersion(j, true));
  }

  /** Every published version, oldest first, without documents. */
  public List<Version> history() {
    Client client = etcd.client();
    GetResponse r = call(client, client.getKVClient().get(Layout.bytes(Layout.versions(app)),
        GetOption.builder().isPrefix(true).build()));
    List<Version> out = new ArrayList<>();
    for (KeyValue kv : r.getKvs()) {
      Layout.parse(kv.getValue()).map(j -> toVersion(j, false)).ifPresent(out::add);
    }
    out.sort(Comparator.comparingLong(Version::version));
    return out;
  }

  /**
   * Publishes version {@code n}'s content again, as a new version, the way the engine rolls back.
   *
   * @throws IllegalArgumentException if there is no version {@code n}
   */
  public Published rollback(long n, String author) {
    Version v = version(n).orElseThrow(() -> new IllegalArgumentException("there is no version " + n + " of " + app));
    return publish(v.document().getBytes(StandardCharsets.UTF_8), v.format(), "rollback to version " + n, author);
  }

  /** The head, when it moved there, and every member with a live lease, by node id. */
  public Status status() {
    OptionalLong head = head();
    Optional<Instant> since = head.isPresent() ? version(head.getAsLong()).map(Version::time) : Optional.empty();
    Client client = etcd.client();
    GetResponse r = call(client, client.getKVClient().get(Layout.bytes(Layout.members(app)),
        GetOption.builder().isPrefix(true).build()));
    List<Member> members = new ArrayList<>();
    for (KeyValue kv : r.getKvs()) {
      Layout.parse(kv.getValue()).map(Fleet::toMember).ifPresent(members::add);
    }
    members.sort(Comparator.comparing(Member::node));
    return new Status(head, since, members);
  }

  private static Version toVersion(JsonNode j, boolean withDocument) {
    return new Version(j.path("version").asLong(), j.path("format").asText(""), j.path("sha256").asText(""),
        j.path("author").asText(""), j.path("message").asText(""), instant(j.path("time").asText("")),
        j.path("parent").asLong(), withDocument ? j.path("document").asText("") : "");
  }

  private static Member toMember(JsonNode j) {
    Map<String, String> labels = new TreeMap<>();
    j.path("labels").fields().forEachRemaining(e -> labels.put(e.getKey(), e.getValue().asText()));
    List<String> reasons = new ArrayList<>();
    j.path("degradedReasons").forEach(n -> reasons.add(n.asText()));
    Optional<Rejection> rejection = Optional.empty();
    JsonNode r = j.path("lastRejection");
    if (r.isObject()) {
      List<String> problems = new ArrayList<>();
      r.path("problems").forEach(p -> problems.add(p.path("origin").asText() + ": "
          + (p.path("path").asText().isEmpty() ? "" : p.path("path").asText() + ": ") + p.path("message").asText()));
      rejection = Optional.of(new Rejection(number(r.path("version")), r.path("stage").asText(),
          instant(r.path("time").asText("")), problems));
    }
    return new Member(j.path("node").asText(), labels, number(j.path("version")), j.path("hash").asText(""),
        j.path("health").asText("unknown"), Rollouts.strings(j.path("healthProblems")), reasons, rejection, instant(j.path("servingSince").asText("")),
        instant(j.path("started").asText("")), instant(j.path("updated").asText("")));
  }

  private static OptionalLong number(JsonNode n) {
    return n.isIntegralNumber() ? OptionalLong.of(n.asLong()) : OptionalLong.empty();
  }

  private static Instant instant(String text) {
    try {
      return Instant.parse(text);
    } catch (RuntimeException e) {
      return Instant.EPOCH;
    }
  }

  /** Another publisher won: wait a random while (up to 2^attempt ms, at most 128) so the racers spread out. */
  private static void backOff(int attempt) {
    try {
      Thread.sleep(ThreadLocalRandom.current().nextLong(1L << Math.min(attempt, 7)) + 1);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new Unreachable("interrupted while publishing", e);
    }
  }

  /** Waits for one call on {@code client}, bounded by the timeout; when etcd did not answer, see {@link Etcd#recover}. */
  private <R> R call(Client client, CompletableFuture<R> future) {
    try {
      return future.get(etcd.timeout().toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new Unreachable("interrupted while talking to etcd", e);
    } catch (ExecutionException | TimeoutException e) {
      future.cancel(true);
      Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
      if (Etcd.refused(cause)) {
        throw new Refused(etcd.failure(cause), cause);
      }
      etcd.recover(client);
      throw new Unreachable(etcd.failure(cause), cause);
    }
  }
}
