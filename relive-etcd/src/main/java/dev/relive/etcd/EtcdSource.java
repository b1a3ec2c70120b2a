package dev.relive.etcd;

import com.fasterxml.jackson.databind.JsonNode;
import dev.relive.config.ConfigException;
import dev.relive.config.ConfigNode;
import dev.relive.config.ConfigNode.ObjectNode;
import dev.relive.config.ConfigNode.ScalarNode;
import dev.relive.config.Origin;
import dev.relive.config.Problem;
import dev.relive.config.Registration;
import dev.relive.config.spi.ChangeTrigger;
import dev.relive.config.spi.ConfigSource;
import dev.relive.config.spi.SourceData;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.common.exception.CompactedException;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import io.etcd.jetcd.watch.WatchResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A configuration layer kept in etcd (see {@link EtcdSources}). It reads at a revision R and watches from
 * R + 1, so no change between the two is lost; every change makes it read again and tell the config to
 * reload, and a burst of changes costs one reload. A broken stream resumes from the last revision seen;
 * after a compaction past it, everything is read again and the watch restarts from the new revision. While
 * etcd is unreachable the layer keeps its last content (nothing served changes), its trigger reports the
 * outage, so {@code status()} is degraded, and it catches up when etcd returns. A layer that has never been
 * read when etcd is unreachable fails the read, naming the endpoints, so that start-up falls back to the
 * last-good cache or fails clearly.
 *
 * <p>Origins name the key and the revision read: {@code etcd:/relive/shop/versions/7@1234:3:9}.
 *
 * <p>Thread-safe.
 */
public final class EtcdSource implements ConfigSource {
  private static final Logger LOG = LoggerFactory.getLogger(EtcdSource.class);
  /** Stamps of the managed layout start with this, then the version and the document's SHA-256. */
  static final String VERSION_STAMP = "etcd-version:";

  enum Kind { MANAGED, KEY, PREFIX }

  private final Etcd etcd;
  private final Kind kind;
  private final String key;
  private final String app;
  private final String format;
  /** For the managed layout: this node's id, which the canary pointer may name. */
  private final String node;
  private final Object fetchLock = new Object();
  private volatile @Nullable State state;

  /** What one read returned, at which revision: content, or why the value there is not usable. */
  record State(long revision, SourceData data, OptionalLong version, ConfigException.@Nullable Source corrupt,
      boolean canary) {
    State(long revision, SourceData data, OptionalLong version) {
      this(revision, data, version, null, false);
    }

    static State corrupt(long revision, ConfigException.Source problem) {
      return new State(revision, new SourceData.Absent("corrupt"), OptionalLong.empty(), problem, false);
    }
  }

  EtcdSource(Etcd etcd, Kind kind, String key, String app, String format, String node) {
    this.etcd = etcd;
    this.kind = kind;
    this.key = key;
    this.app = app;
    this.format = format;
    this.node = node;
  }

  Etcd etcd() {
    return etcd;
  }

  /** The application of a managed layer. */
  String app() {
    return app;
  }

  /** The node a managed layer reads for (the canary pointer may name it). */
  public String node() {
    return node;
  }

  boolean managed() {
    return kind == Kind.MANAGED;
  }

  @Override
  public String name() {
    return "etcd:" + key;
  }

  /**
   * The content at the last revision read; the first call reads etcd.
   *
   * @throws IOException naming the endpoints, if etcd has never been read and cannot be reached now
   */
  @Override
  public SourceData read() throws IOException {
    State s = state;
    State now = s != null ? s : fetch();
    ConfigException.Source corrupt = now.corrupt();
    if (corrupt != null) {
      throw corrupt;
    }
    return now.data();
  }

  /** The managed version the layer holds now, if it is a managed layer that has read one. */
  public OptionalLong version() {
    State s = state;
    return s == null ? OptionalLong.empty() : s.version();
  }

  @Override
  public List<ChangeTrigger> triggers() {
    return List.of(new Follow());
  }

  /**
   * Reads the layer's keys and keeps the result if it is not older than what is held (reads are
   * serialised, and revisions only grow), so the layer never goes back in time.
   */
  State fetch() throws IOException {
    synchronized (fetchLock) {
      return keep(switch (kind) {
        case MANAGED -> readManaged();
        case KEY -> readKey();
        case PREFIX -> readPrefix();
      });
    }
  }

  /**
   * For the managed layout, when a watch event brought the head itself: reads only the version it names,
   * at the event's revision (one round trip instead of two).
   */
  State fetchHead(KeyValue head, long revision) throws IOException {
    synchronized (fetchLock) {
      State held = state;
      if (held != null && held.revision() >= revision) {
        return held;
      }
      return held != null && held.canary() ? keep(readManaged()) : keep(fromHead(head, revision));
    }
  }

  private State keep(State read) {
    State held = state;
    if (held == null || read.revision() >= held.revision()) {
      state = read;
      return read;
    }
    return held;
  }

  private GetResponse get(String k, GetOption option) throws IOException {
    io.etcd.jetcd.Client client = etcd.client();
    try {
      return client.getKVClient().get(Layout.bytes(k), option).get(etcd.timeout().toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while reading etcd", e);
    } catch (ExecutionException | TimeoutException e) {
      Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
      if (!Etcd.refused(cause)) {
        etcd.recover(client);
      }
      throw new IOException(etcd.failure(cause), cause);
    }
  }

  /**
   * The canary pointer and the head in one read (they are one range): the version the pointer names if it
   * names this node, else the head's.
   */
  private State readManaged() throws IOException {
    GetResponse pointers = get(Layout.canary(app), GetOption.builder()
        .withRange(Layout.bytes(Layout.afterHead(app))).build());
    long revision = pointers.getHeader().getRevision();
    KeyValue head = null;
    KeyValue canary = null;
    for (KeyValue kv : pointers.getKvs()) {
      String k = Layout.text(kv.getKey());
      if (k.equals(key)) {
        head = kv;
      } else if (k.equals(Layout.canary(app))) {
        canary = kv;
      }
    }
    if (canary != null) {
      JsonNode pointer = Layout.parse(canary.getValue()).orElse(null);
      if (pointer != null && pointer.path("version").isIntegralNumber() && covers(pointer)) {
        return read(pointer.path("version").asLong(), Layout.canary(app), canary.getModRevision(), revision, true);
      }
    }
    if (head == null) {
      return new State(revision, new SourceData.Absent("no version of " + app + " is published yet"), OptionalLong.empty());
    }
    return fromHead(head, revision);
  }

  private boolean covers(JsonNode pointer) {
    for (JsonNode n : pointer.path("nodes")) {
      if (n.asText().equals(node)) {
        return true;
      }
    }
    return false;
  }

  /** The version the head names, read at {@code revision}. */
  private State fromHead(KeyValue headKv, long revision) throws IOException {
    String headText = Layout.text(headKv.getValue()).trim();
    long n;
    try {
      n = Long.parseLong(headText);
    } catch (NumberFormatException e) {
      return State.corrupt(revision, corrupt(key, headKv.getModRevision(), "the head is '" + shorten(headText)
          + "', not a version number"));
    }
    return read(n, key, headKv.getModRevision(), revision, false);
  }

  /**
   * Version {@code n}'s document as this layer's content, for a node staging a rollout's candidate (or the
   * version it rolls back to) in place of what the layer holds.
   */
  SourceData versionData(long n) throws IOException {
    long revision = get(Layout.head(app), GetOption.DEFAULT).getHeader().getRevision();
    State s = read(n, Layout.rollout(app), 0, revision, false);
    ConfigException.Source corrupt = s.corrupt();
    if (corrupt != null) {
      throw corrupt;
    }
    return s.data();
  }

  /** Version {@code n} at {@code revision}; {@code pointer} (and its mod revision) named it. */
  private State read(long n, String pointer, long pointerRevision, long revision, boolean canary) throws IOException {
    String versionKey = Layout.version(app, n);
    GetResponse record = get(versionKey, GetOption.builder().withRevision(revision).build());
    if (record.getKvs().isEmpty()) {
      return State.corrupt(revision, corrupt(pointer, pointerRevision, "it names version " + n
          + ", which does not exist"));
    }
    KeyValue kv = record.getKvs().get(0);
    JsonNode json = Layout.parse(kv.getValue()).orElse(null);
    JsonNode document = json == null ? null : json.get("document");
    JsonNode fmt = json == null ? null : json.get("format");
    if (document == null || !document.isTextual() || fmt == null || !fmt.isTextual()) {
      return State.corrupt(revision, corrupt(versionKey, kv.getModRevision(),
          "not a Relive version record (JSON with a text \"document\" and its \"format\")"));
    }
    byte[] bytes = document.asText().getBytes(StandardCharsets.UTF_8);
    String origin = "etcd:" + versionKey + "@" + kv.getModRevision();
    return new State(revision, new SourceData.Document(bytes, fmt.asText(), VERSION_STAMP + n + ":" + Layout.sha256(bytes),
        origin), OptionalLong.of(n), null, canary);
  }

  private State readKey() throws IOException {
    GetResponse r = get(key, GetOption.DEFAULT);
    long revision = r.getHeader().getRevision();
    if (r.getKvs().isEmpty()) {
      return new State(revision, new SourceData.Absent(key + " does not exist"), OptionalLong.empty());
    }
    KeyValue kv = r.getKvs().get(0);
    return new State(revision, new SourceData.Document(kv.getValue().getBytes(), format, "rev:" + kv.getModRevision(),
        "etcd:" + key + "@" + kv.getModRevision()), OptionalLong.empty());
  }

  /** Keys below the prefix as a tree: {@code /app/config/db/url} is {@code db.url}. */
  private State readPrefix() throws IOException {
    GetResponse r = get(key, GetOption.builder().isPrefix(true).build());
    long revision = r.getHeader().getRevision();
    Map<String, Object> root = new LinkedHashMap<>();
    StringBuilder stamp = new StringBuilder();
    for (KeyValue kv : r.getKvs()) {
      String full = Layout.text(kv.getKey());
      stamp.append(full).append('@').append(kv.getModRevision()).append('\n');
      List<String> segments = new ArrayList<>();
      for (String s : full.substring(key.length()).split("/", -1)) {
        if (!s.isEmpty()) {
          segments.add(s);
        }
      }
      if (segments.isEmpty()) {
        continue;
      }
      Origin origin = Origin.of("etcd:" + full + "@" + kv.getModRevision());
      insert(root, segments, ScalarNode.string(Layout.text(kv.getValue()), origin));
    }
    ObjectNode tree = toNode(root, Origin.of("etcd:" + key + "@" + revision));
    return new State(revision, new SourceData.Tree(tree, Layout.sha256(stamp.toString().getBytes(StandardCharsets.UTF_8))),
        OptionalLong.empty());
  }

  /** A value where keys continue below it is kept under the key "" (a Map component takes it whole). */
  @SuppressWarnings("unchecked")
  private static void insert(Map<String, Object> node, List<String> segments, ScalarNode value) {
    Map<String, Object> at = node;
    for (int i = 0; i < segments.size() - 1; i++) {
      Object next = at.get(segments.get(i));
      if (!(next instanceof Map)) {
        Map<String, Object> child = new LinkedHashMap<>();
        if (next != null) {
          child.put("", next);
        }
        at.put(segments.get(i), child);
        next = child;
      }
      at = (Map<String, Object>) next;
    }
    String last = segments.get(segments.size() - 1);
    if (at.get(last) instanceof Map<?, ?> below) {
      ((Map<String, Object>) below).put("", value);
    } else {
      at.put(last, value);
    }
  }

  @SuppressWarnings("unchecked")
  private static ObjectNode toNode(Map<String, Object> map, Origin origin) {
    Map<String, ConfigNode> fields = new LinkedHashMap<>();
    map.forEach((k, v) -> fields.put(k, v instanceof Map<?, ?> m ? toNode((Map<String, Object>) m, origin) : (ConfigNode) v));
    return new ObjectNode(fields, origin);
  }

  private static ConfigException.Source corrupt(String k, long modRevision, String message) {
    return new ConfigException.Source(List.of(new Problem("", new Origin("etcd:" + k + "@" + modRevision, 1, 1), message)));
  }

  private static String shorten(String s) {
    return s.length() <= 40 ? s : s.substring(0, 37) + "...";
  }

  /**
   * The watch, as a trigger: reads once, watches from the revision after it, reads again on every change, and
   * recovers from every way the stream can end.
   *
   * <p>Implementation notes: everything runs on one thread of its own ({@code work}), never on jetcd's
   * callback threads, which must not block. The stream is resumed here, not left to jetcd: jetcd resumes
   * some errors by itself but not a stream the server ended (it only reports completion), and it closes the
   * watcher on others; so on any end this class closes the watcher and watches again from the revision after
   * the last one it read, with backoff while etcd is away. If that revision has been compacted, it reads
   * everything again and watches from the new revision. Callbacks of a replaced watcher are ignored.
   */
  private final class Follow implements ChangeTrigger {
    private final ScheduledExecutorService work = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "relive-etcd-" + kind.name().toLowerCase(java.util.Locale.ROOT));
      t.setDaemon(true);
      return t;
    });
    private @Nullable Changes changes;
    private Watch.@Nullable Watcher watcher;
    /** Which watcher is current; callbacks carry the generation they were made for. */
    private long generation;
    private long backoffMillis = 100;
    private volatile boolean stopped;

    @Override
    public String name() {
      return "etcd watch " + key;
    }

    @Override
    public Registration start(Changes sink) {
      this.changes = sink;
      later(this::connect);
      return this::stop;
    }

    private Changes sink() {
      return Objects.requireNonNull(changes, "started");
    }

    /** Reads, tells the config if that changed anything, and watches from the revision after the read. */
    private void connect() {
      if (stopped) {
        return;
      }
      State before = state;
      State now;
      try {
        now = fetch();
      } catch (IOException e) {
        sink().unhealthy(String.valueOf(e.getMessage()));
        retry(this::connect);
        return;
      }
      if (before == null || before.revision() != now.revision()) {
        sink().changed("etcd " + key + "@" + now.revision());
      }
      watch(now.revision() + 1);
    }

    /** Watches from {@code fromRevision}; the first response (created, or an event) shows etcd answers. */
    private void watch(long fromRevision) {
      closeWatcher();
      long mine = ++generation;
      WatchOption.Builder option = WatchOption.builder().withRevision(fromRevision).withCreateNotify(true);
      if (kind == Kind.PREFIX) {
        option.isPrefix(true);
      }
      String watched = key;
      if (kind == Kind.MANAGED) {
        watched = Layout.canary(app);
        option.withRange(Layout.bytes(Layout.afterHead(app)));
      }
      io.etcd.jetcd.Client client = etcd.client();
      watcher = client.getWatchClient().watch(Layout.bytes(watched), option.build(), new Watch.Listener() {
        @Override
        public void onNext(WatchResponse response) {
          later(() -> changed(mine, response));
        }

        @Override
        public void onError(Throwable error) {
          later(() -> ended(mine, client, error));
        }

        @Override
        public void onCompleted() {
          later(() -> ended(mine, client, null));
        }
      });
    }

    private void changed(long of, WatchResponse response) {
      if (stopped || of != generation) {
        return;
      }
      backoffMillis = 100;
      sink().healthy();
      if (response.getEvents().isEmpty()) {
        return; // created, or a progress notice
      }
      try {
        WatchEvent last = response.getEvents().get(response.getEvents().size() - 1);
        boolean onlyHead = response.getEvents().stream().allMatch(e -> e.getEventType() == WatchEvent.EventType.PUT
            && Layout.text(e.getKeyValue().getKey()).equals(key));
        State now = kind == Kind.MANAGED && onlyHead
            ? fetchHead(last.getKeyValue(), response.getHeader().getRevision()) : fetch();
        sink().changed("etcd " + key + "@" + now.revision());
      } catch (IOException e) {
        // Unreachable right after an event: the stream's end follows, and with it a read from where we are.
        sink().unhealthy(String.valueOf(e.getMessage()));
      }
    }

    /** The stream ended (an error, or the server ended it): watch again from where the last read was. */
    private void ended(long of, io.etcd.jetcd.Client client, @Nullable Throwable error) {
      if (stopped || of != generation) {
        return;
      }
      closeWatcher();
      generation++;
      if (error instanceof CompactedException || (error != null && error.getCause() instanceof CompactedException)) {
        LOG.info("etcd compacted past the revision {} watched from; reading everything again", key);
        connect();
        return;
      }
      sink().unhealthy("the etcd watch of " + key + " ended (" + (error == null ? "closed by the server"
          : error.getMessage()) + "); resuming");
      if (error == null || !Etcd.refused(error)) {
        etcd.recover(client);
      }
      State held = state;
      retry(held == null ? this::connect : () -> watch(held.revision() + 1));
    }

    private void retry(Runnable task) {
      if (stopped) {
        return;
      }
      // Doubling up to a second, with jitter so that a fleet does not come back in step: a returning etcd is
      // found within about a second, and a hundred nodes retrying cost it nothing.
      long delay = backoffMillis / 2 + ThreadLocalRandom.current().nextLong(backoffMillis / 2 + 1);
      backoffMillis = Math.min(backoffMillis * 2, 1_000);
      try {
        var unused = work.schedule(task, delay, TimeUnit.MILLISECONDS);
      } catch (RejectedExecutionException e) {
        // stopped meanwhile
      }
    }

    /** Runs a task on the trigger's thread, unless it has stopped (jetcd's callbacks may come after). */
    private void later(Runnable task) {
      if (!stopped) {
        try {
          work.execute(task);
        } catch (RejectedExecutionException e) {
          // stopped meanwhile
        }
      }
    }

    private void closeWatcher() {
      Watch.Watcher w = watcher;
      watcher = null;
      if (w != null) {
        try {
          w.close();
        } catch (RuntimeException e) {
          LOG.debug("closing the watch of {}: {}", key, e.toString());
        }
      }
    }

    private void stop() {
      stopped = true;
      try {
        work.execute(this::closeWatcher);
      } catch (RejectedExecutionException e) {
        // already stopping
      }
      work.shutdown();
      try {
        if (!work.awaitTermination(5, TimeUnit.SECONDS)) {
          work.shutdownNow();
        }
      } catch (InterruptedException e) {
        work.shutdownNow();
        Thread.currentThread().interrupt();
      }
    }
  }
}
