package dev.relive.etcd;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.relive.config.ConfigSnapshot;
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
  private volatile @Nullable ObjectNode lastRejection;
  private long lease;
  private io.etcd.jetcd.support.@Nullable CloseableClient keepAlive;
  private long backoffMillis = 200;
  private volatile boolean closed;
  private volatile boolean registered;

  private FleetMember(Etcd etcd, String app, String node, Map<String, String> labels, LiveConfig<?> config,
      Duration ttl) {
    this.etcd = etcd;
    this.app = app;
    this.node = node;
    this.labels = Map.copyOf(labels);
    this.config = config;
    this.ttlSeconds = Math.max(1, ttl.toSeconds());
    this.started = Clock.systemUTC().instant();
    this.work = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "relive-etcd-member-" + node);
      t.setDaemon(true);
      return t;
    });
    this.subscription = config.subscribe(event -> {
      if (event instanceof ReloadEvent.Rejected r) {
        lastRejection = rejection(r);
      }
      if (event instanceof ReloadEvent.Applied || event instanceof ReloadEvent.RolledBack
          || event instanceof ReloadEvent.Rejected || event instanceof ReloadEvent.Unchanged) {
        later(this::publish);
      }
    });
  }

  /**
   * Registers {@code config}'s node in the fleet of {@code app} and keeps its record current. Registration
   * happens in the background: if etcd is unreachable it is retried, with backoff, until it works.
   *
   * @param node   the node's id ({@link #defaultNodeId()} when in doubt)
   * @param labels such as {@code zone=eu-1}, for selecting nodes
   */
  public static FleetMember register(Etcd etcd, String app, LiveConfig<?> config, String node,
      Map<String, String> labels) {
    return register(etcd, app, config, node, labels, Duration.ofSeconds(10));
  }

  /** Like {@link #register(Etcd, String, LiveConfig, String, Map)}, with the lease's TTL. */
  public static FleetMember register(Etcd etcd, String app, LiveConfig<?> config, String node,
      Map<String, String> labels, Duration ttl) {
    Layout.requireApp(app);
    if (node.isEmpty() || node.contains("/")) {
      throw new IllegalArgumentException(String.format("a node id is non-empty and has no '/', was '%s'", node));
    }
    FleetMember m = new FleetMember(Objects.requireNonNull(etcd, "etcd"), app, node, labels,
        Objects.requireNonNull(config, "config"), ttl);
    config.status().lastRejection().ifPresent(r -> m.lastRejection = m.rejection(r));
    m.work.execute(m::register);
    return m;
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
    out.put("health", status.degraded() ? "degraded" : "ok");
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
    var unused = work.submit(() -> {
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
