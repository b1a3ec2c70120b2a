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
import java.io.IOException;
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
import java.util.Arrays;
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
    "line's version is the one still serving (0 if none yet). SIGHUP reloads at once."})
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

  @Spec
  CommandSpec spec;

  @SuppressWarnings("NullAway.Init") // set first thing in call()
  private PrintWriter out;
  private String lastRejection = "";
  private @Nullable LiveConfig<ConfigTree> live;
  private final List<ReloadEvent> early = new ArrayList<>();

  @Override
  public Integer call() throws Exception {
    out = spec.commandLine().getOut();
    Exit.zeroOnSignal(() -> {
      synchronized (this) {
        out.flush();
      }
    });
    if (inputs.readsStandardInput()) {
      spec.commandLine().getErr().println("relive: watch follows files; standard input (-) cannot change. Use relive check -");
      return Exit.USAGE;
    }
    LiveConfig<ConfigTree> config = null;
    while (config == null) {
      byte[] seen = digest(inputs.watchable());
      try {
        config = inputs.builder().watchFiles(true).watchMode(watchMode).quietPeriod(Duration.ofMillis(quietMillis))
            .pollInterval(Duration.ofMillis(pollMillis)).subscriber(this::event).build();
      } catch (ConfigException e) {
        synchronized (this) {
          early.clear();
        }
        rejected(0, e.problems());
        waitForChange(seen);
      }
    }
    started(config);
    new CountDownLatch(1).await();
    return Exit.OK;
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

  private synchronized void started(LiveConfig<ConfigTree> config) {
    live = config;
    ConfigSnapshot<ConfigTree> first = config.history().get(config.history().size() - 1);
    applied(first, List.copyOf(first.tree().leaves().keySet()));
    List<ReloadEvent> pending = List.copyOf(early);
    early.clear();
    for (ReloadEvent e : pending) {
      if (!(e instanceof ReloadEvent.Applied a && a.version() == first.version())) {
        event(e);
      }
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

  /** Before the first good load: waits until the bytes of any file differ from {@code seen}. */
  private void waitForChange(byte[] seen) throws IOException, InterruptedException {
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
        var key = service.poll(1, TimeUnit.SECONDS);
        if (key != null) {
          key.pollEvents();
          key.reset();
          Thread.sleep(quietMillis);
        }
        if (!Arrays.equals(seen, digest(inputs.watchable()))) {
          return;
        }
      }
    }
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
