package dev.relive.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.relive.config.ConfigException;
import dev.relive.config.ConfigSnapshot;
import dev.relive.config.ConfigTree;
import dev.relive.config.LiveConfig;
import dev.relive.config.Problem;
import dev.relive.config.ReloadEvent;
import dev.relive.config.WatchMode;
import dev.relive.etcd.Etcd;
import dev.relive.etcd.EtcdSource;
import dev.relive.etcd.EtcdSources;
import dev.relive.etcd.Fleet;
import dev.relive.etcd.FleetMember;
import java.io.IOException;
import java.net.URI;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchService;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import org.jspecify.annotations.Nullable;

@Command(name = "watch", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
    description = {
    "Load FILEs (merged in order), keep watching them, and print one line per applied or rejected version.",
    "The first line is the initial load. Unchanged content prints nothing. Exits 0 on SIGINT or SIGTERM.",
    "With --json each line is {\"event\":\"applied\",\"version\":N,\"changed\":[...],\"hash\":...,\"config\":{...}}",
    "or {\"event\":\"rejected\",\"version\":N,\"problems\":[{\"path\",\"origin\",\"message\"}]}, where a rejected",
    "line's version is the one still serving (0 if none yet). SIGHUP reloads at once.",
    "",
    "With --etcd and --app the process is a fleet node: it follows the version relive fleet publish made the",
    "head (FILEs, if any, are layered below it), prints the same lines, and keeps its record in",
    "/relive/APP/members/NODE under a lease: what it serves, what it rejected, its health. With --cache it",
    "starts from its last good version when etcd is down; without, it exits 3 naming the endpoints."})
final class WatchCommand implements Callable<Integer> {
  @Mixin
  Inputs inputs;

  @Option(names = "--json", description = "print JSON lines (the format scripts rely on)")
  boolean json;

  @Option(names = "--quiet-period", paramLabel = "MILLIS", defaultValue = "100",
      description = "how long a changed file must stay unchanged before it is read (default ${DEFAULT-VALUE})")
  long quietMillis;

  @Option(names = "--watch-mode", paramLabel = "MODE", defaultValue = "AUTO",
      description = "AUTO (events, polling on network filesystems), EVENTS or POLL (default ${DEFAULT-VALUE})")
  WatchMode watchMode;

  @Option(names = "--poll-interval", paramLabel = "MILLIS", defaultValue = "1000",
      description = "how often polled files are read (default ${DEFAULT-VALUE})")
  long pollMillis;

  @Mixin
  EtcdOptions etcdOptions;

  @Option(names = "--node", paramLabel = "ID", description = "this node's id in the fleet (default: host name and pid)")
  @Nullable String node;

  @Option(names = "--label", paramLabel = "KEY=VALUE", description = "a label for the fleet record, such as zone=eu-1 (repeatable)")
  Map<String, String> labels = new LinkedHashMap<>();

  @Option(names = "--cache", paramLabel = "FILE",
      description = "keep the last good version here and start from it when a source (etcd) is unreachable")
  @Nullable Path cache;

  @Option(names = "--health-url", paramLabel = "URL",
      description = "the application's health for rollouts: unhealthy unless a GET of URL answers 2xx (read every second)")
  @Nullable URI healthUrl;

  @Option(names = "--lease-ttl", paramLabel = "SECONDS", defaultValue = "10",
      description = "how long the fleet record outlives this process if it stops without saying (default ${DEFAULT-VALUE})")
  long leaseTtlSeconds;

  @Spec
  CommandSpec spec;

  @SuppressWarnings("NullAway.Init") // set first thing in call()
  private PrintWriter out;
  private String lastRejection = "";
  private @Nullable LiveConfig<ConfigTree> live;
  private final List<ReloadEvent> early = new ArrayList<>();

  private volatile @Nullable FleetMember member;

  @Override
  public Integer call() throws Exception {
    out = spec.commandLine().getOut();
    if (inputs.readsStandardInput()) {
      spec.commandLine().getErr().println("relive: watch follows files; standard input (-) cannot change. Use relive check -");
      return Exit.USAGE;
    }
    if (!etcdOptions.present()) {
      inputs.requireFiles("relive watch follows files, or etcd with --etcd and --app");
    }
    if (leaseTtlSeconds < 1) {
      throw new IllegalArgumentException("--lease-ttl must be at least 1 second, was " + leaseTtlSeconds);
    }
    Etcd etcd = etcdOptions.present() ? etcdOptions.connect() : null;
    Fleet fleet = etcd == null ? null : new Fleet(etcd, etcdOptions.app());
    Exit.zeroOnSignal(() -> {
      FleetMember m = member;
      if (m != null) {
        m.close(); // revokes the lease: the record goes now, not a TTL later
      }
      synchronized (this) {
        out.flush();
      }
    });
    String nodeId = node != null ? node : FleetMember.defaultNodeId();
    EtcdSource managed = etcd == null ? null : EtcdSources.managed(etcd, etcdOptions.app(), nodeId);
    LiveConfig<ConfigTree> config = null;
    while (config == null) {
      String seen = state(fleet);
      LiveConfig.Builder<ConfigTree> builder = inputs.builder().watchFiles(!inputs.watchable().isEmpty())
          .watchMode(watchMode).quietPeriod(Duration.ofMillis(quietMillis)).pollInterval(Duration.ofMillis(pollMillis))
          .subscriber(this::event);
      if (managed != null) {
        builder.source(managed);
      }
      if (cache != null) {
        builder.lastGoodCache(cache);
      }
      try {
        config = builder.build();
      } catch (ConfigException e) {
        synchronized (this) {
          early.clear();
        }
        if (fleet != null && unreachable(fleet)) {
          spec.commandLine().getErr().println("relive: " + e.problems().get(0)
              + (cache == null ? " and there is no --cache to start from" : " and the cache " + cache + " holds no good version"));
          spec.commandLine().getErr().flush();
          return Exit.UNREACHABLE;
        }
        rejected(0, e.problems());
        waitForChange(seen, fleet);
      }
    }
    started(config);
    if (managed != null) {
      FleetMember.Builder joining = FleetMember.join(managed, config).labels(labels)
          .leaseTtl(Duration.ofSeconds(leaseTtlSeconds));
      if (healthUrl != null) {
        joining.health(new UrlHealth(healthUrl, Duration.ofMillis(etcdOptions.timeoutMillis)));
      }
      member = joining.start();
    }
    new CountDownLatch(1).await();
    return Exit.OK;
  }

  private static boolean unreachable(Fleet fleet) {
    try {
      fleet.head();
      return false;
    } catch (Fleet.Unreachable e) {
      return true;
    }
  }

  /**
   * Events from the first load on. The first applied version is printed by {@link #started} once the config
   * exists; events that arrive before that (the file watch starts inside build) wait for it, in order.
   */
  private synchronized void event(ReloadEvent event) {
    if (live == null) {
      early.add(event);
      return;
    }
    if (event instanceof ReloadEvent.Applied a) {
      live.history().stream().filter(s -> s.version() == a.version()).findFirst()
          .ifPresent(s -> applied(s, a.changedPaths()));
    } else if (event instanceof ReloadEvent.RolledBack r) {
      live.history().stream().filter(s -> s.version() == r.version()).findFirst()
          .ifPresent(s -> applied(s, r.changedPaths()));
    } else if (event instanceof ReloadEvent.Rejected r) {
      rejected(r.servingVersion(), r.problems());
    }
  }

  /**
   * Prints what happened up to the first version, in order: a source that could not be read before the
   * last-good cache served (a rejected line, version 0), then the first version with every key.
   */
  private synchronized void started(LiveConfig<ConfigTree> config) {
    live = config;
    ConfigSnapshot<ConfigTree> first = config.history().get(config.history().size() - 1);
    List<ReloadEvent> pending = List.copyOf(early);
    early.clear();
    boolean firstPrinted = false;
    for (ReloadEvent e : pending) {
      if (!firstPrinted && e instanceof ReloadEvent.Applied a && a.version() == first.version()) {
        applied(first, List.copyOf(first.tree().leaves().keySet()));
        firstPrinted = true;
      } else if (firstPrinted || e instanceof ReloadEvent.Rejected) {
        event(e);
      }
    }
    if (!firstPrinted) {
      applied(first, List.copyOf(first.tree().leaves().keySet()));
    }
  }

  private synchronized void applied(ConfigSnapshot<ConfigTree> snapshot, List<String> changed) {
    lastRejection = "";
    ConfigTree redacted = snapshot.tree();
    if (json) {
      ObjectNode line = Loading.JSON.createObjectNode();
      line.put("event", "applied");
      line.put("version", snapshot.version());
      ArrayNode paths = line.putArray("changed");
      changed.forEach(paths::add);
      line.put("hash", snapshot.hash());
      try {
        line.set("config", Loading.JSON.readTree(redacted.toJson()));
        out.println(Loading.JSON.writeValueAsString(line));
      } catch (JsonProcessingException e) {
        throw new UncheckedIOException(e);
      }
    } else {
      out.printf("version %d applied (%s), hash %s%n", snapshot.version(),
          changed.isEmpty() ? "no keys" : String.join(", ", changed), snapshot.hash().substring(0, 12));
    }
    out.flush();
  }

  private synchronized void rejected(long servingVersion, List<Problem> problems) {
    String key = servingVersion + " " + problems;
    if (key.equals(lastRejection)) {
      return; // the same bad content again: nothing new to say
    }
    lastRejection = key;
    if (json) {
      ObjectNode line = Loading.JSON.createObjectNode();
      line.put("event", "rejected");
      line.put("version", servingVersion);
      ArrayNode list = line.putArray("problems");
      for (Problem p : problems) {
        ObjectNode node = list.addObject();
        node.put("path", p.path());
        node.put("origin", p.origin().toString());
        node.put("message", p.message());
      }
      try {
        out.println(Loading.JSON.writeValueAsString(line));
      } catch (JsonProcessingException e) {
        throw new UncheckedIOException(e);
      }
    } else {
      out.println(servingVersion == 0 ? "rejected; nothing is serving yet:" : "rejected; version " + servingVersion
          + " keeps serving:");
      problems.forEach(p -> out.println("  " + p));
    }
    out.flush();
  }

  /**
   * Before the first good load: waits until the bytes of any file, or the fleet's head, differ from
   * {@code seen}. Files are watched; the head is read every half second.
   */
  private void waitForChange(String seen, @Nullable Fleet fleet) throws IOException, InterruptedException {
    try (WatchService service = FileSystems.getDefault().newWatchService()) {
      Set<Path> dirs = new HashSet<>();
      for (Path f : inputs.watchable()) {
        Path dir = java.util.Objects.requireNonNull(f.toAbsolutePath().normalize().getParent());
        if (dirs.add(dir)) {
          dir.register(service, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_DELETE,
              StandardWatchEventKinds.ENTRY_MODIFY);
        }
      }
      while (true) {
        var key = service.poll(fleet == null ? 1000 : 500, TimeUnit.MILLISECONDS);
        if (key != null) {
          key.pollEvents();
          key.reset();
          Thread.sleep(quietMillis);
        }
        if (!seen.equals(state(fleet))) {
          return;
        }
      }
    }
  }

  /** The files' bytes and the fleet's head (unreachable counts as a state too), as one digest. */
  private String state(@Nullable Fleet fleet) {
    String head = "";
    if (fleet != null) {
      try {
        head = fleet.head().toString();
      } catch (Fleet.Unreachable e) {
        head = "unreachable";
      }
    }
    return HexFormat.of().formatHex(digest(inputs.watchable())) + "|" + head;
  }

  private static byte[] digest(List<Path> files) {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      for (Path f : files) {
        try {
          md.update(Files.readAllBytes(f));
        } catch (NoSuchFileException e) {
          md.update((byte) 0);
        } catch (IOException e) {
          md.update((byte) 1);
        }
        md.update((byte) '|');
      }
      return md.digest();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
