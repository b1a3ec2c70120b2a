package dev.relive.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.relive.config.ConfigException;
import dev.relive.config.ConfigSnapshot;
import dev.relive.config.ConfigSources;
import dev.relive.config.ConfigTree;
import dev.relive.config.LiveConfig;
import com.fasterxml.jackson.databind.JsonNode;
import dev.relive.etcd.Coordinator;
import dev.relive.etcd.Etcd;
import dev.relive.etcd.Fleet;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code relive fleet}: the versions of an application kept in etcd, and the nodes that follow them. Every
 * subcommand exits 0 when it did what was asked, 1 for an invalid document or a rejected version, 2 on a
 * usage error and 3 when etcd does not answer.
 */
@Command(name = "fleet", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
    description = {
        "Publish, list, compare and roll back the versions of an application on etcd, and see which node serves",
        "which (nodes are relive watch --etcd, or a service with EtcdSources.managed and FleetMember).",
        "Exit 0 ok, 1 invalid or rejected, 2 usage, 3 etcd unreachable or timed out."},
    subcommands = {FleetCommand.Publish.class, FleetCommand.Rollout.class, FleetCommand.Abort.class,
        FleetCommand.History.class, FleetCommand.Diff.class, FleetCommand.Rollback.class, FleetCommand.Status.class})
final class FleetCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  /** Without a subcommand: the usage, as a usage error. */
  @Override
  public Integer call() {
    spec.commandLine().usage(spec.commandLine().getErr());
    return Exit.USAGE;
  }

  /** What every fleet subcommand shares: the connection, the app, JSON lines, and the output. */
  abstract static class Base implements Callable<Integer> {
    @Mixin
    EtcdOptions etcdOptions;

    @Option(names = "--json", description = "print one JSON object per line")
    boolean json;

    @Spec
    CommandSpec spec;

    /** The connection, while {@link #run} runs. */
    @SuppressWarnings("NullAway.Init")
    Etcd etcd;

    @Override
    public final Integer call() throws Exception {
      String app = etcdOptions.app();
      try (Etcd connection = etcdOptions.connect()) {
        etcd = connection;
        int code = run(new Fleet(connection, app), app, spec.commandLine().getOut());
        spec.commandLine().getOut().flush();
        return code;
      }
    }

    abstract int run(Fleet fleet, String app, PrintWriter out) throws Exception;

    void print(ObjectNode line) throws IOException {
      spec.commandLine().getOut().println(Loading.JSON.writeValueAsString(line));
    }

    /** A version that must exist, or a usage error naming it. */
    static Fleet.Version existing(Fleet fleet, String app, long n) {
      return fleet.version(n).orElseThrow(() -> new IllegalArgumentException("there is no version " + n + " of " + app));
    }
  }

  static Instant seconds(Instant t) {
    return t.truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
  }

  @Command(name = "publish", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
      description = {
          "Validate FILE as relive check does and publish it as the next version: the version and the head move",
          "in one etcd transaction, so concurrent publishers never lose a version. Content equal to the head's",
          "is not published again. Nothing is written when FILE is invalid (exit 1) or over 1 MiB."})
  static final class Publish extends Base {
    @Mixin
    Candidate candidate;

    @Option(names = {"-m", "--message"}, paramLabel = "TEXT", defaultValue = "", description = "why, for the history")
    String message;

    @Option(names = "--author", paramLabel = "NAME", defaultValue = "${env:USER:-unknown}",
        description = "who, for the history (default: $USER)")
    String author;

    @Override
    int run(Fleet fleet, String app, PrintWriter out) throws Exception {
      Optional<byte[]> bytes = candidate.validated(spec.commandLine().getErr());
      if (bytes.isEmpty()) {
        return Exit.INVALID;
      }
      Fleet.Published p = fleet.publish(bytes.get(), candidate.format(), message, author);
      if (json) {
        ObjectNode line = Loading.JSON.createObjectNode().put("event", p.unchanged() ? "unchanged" : "published")
            .put("app", app).put("version", p.version());
        print(line);
      } else if (p.unchanged()) {
        out.printf("unchanged: version %d of %s already has this content%n", p.version(), app);
      } else {
        out.printf("published version %d of %s%n", p.version(), app);
      }
      return Exit.OK;
    }
  }

  /** The document publish and rollout take: read, limited to 1 MiB, validated as relive check does. */
  static final class Candidate {
    @Parameters(index = "0", arity = "0..1", paramLabel = "FILE",
        description = "the document; - reads standard input (see --format)")
    @Nullable Path file;

    @Option(names = "--format", paramLabel = "FORMAT",
        description = "yaml, json, toml or properties, when FILE's extension does not say (yaml for -)")
    @Nullable String format;

    @Option(names = "--schema", paramLabel = "SCHEMA.json", description = "also validate against this JSON Schema")
    @Nullable Path schema;

    @Option(names = "--schema-allow-remote", description = "let the schema's $ref fetch http(s) URLs")
    boolean allowRemote;

    String format() {
      Path f = Objects.requireNonNull(file, "file");
      return format != null ? format.toLowerCase(Locale.ROOT) : f.toString().equals("-") ? "yaml" : extension(f);
    }

    /**
     * The document's bytes if it is valid; otherwise prints its problems (or its size) and "Nothing was
     * published." and returns empty.
     *
     * @throws IllegalArgumentException when FILE is missing, does not exist or has no known format
     */
    Optional<byte[]> validated(PrintWriter err) throws java.io.IOException {
      Path f = file;
      if (f == null) {
        throw new IllegalArgumentException("FILE is required");
      }
      boolean stdin = f.toString().equals("-");
      String fmt = format();
      byte[] bytes;
      try {
        bytes = stdin ? System.in.readAllBytes() : Files.readAllBytes(f);
      } catch (NoSuchFileException e) {
        throw new IllegalArgumentException(f + " does not exist", e);
      }
      String name = stdin ? "stdin" : f.toString();
      if (bytes.length > Fleet.MAX_DOCUMENT_BYTES) {
        err.printf("relive: %s is %d bytes; a version holds at most %d (etcd limits a request to 1.5 MiB). Nothing "
            + "was published.%n", name, bytes.length, Fleet.MAX_DOCUMENT_BYTES);
        err.flush();
        return Optional.empty();
      }
      LiveConfig.Builder<ConfigTree> check = Loading.builder(List.of(ConfigSources.document(name, bytes, fmt)),
          Optional.ofNullable(schema), allowRemote).executor(Runnable::run).reloadOnSighup(false);
      try (LiveConfig<ConfigTree> valid = check.build()) {
        valid.snapshot(); // valid: bound and checked like relive check
      } catch (ConfigException e) {
        Loading.printProblems(e.problems(), err);
        err.println("Nothing was published.");
        err.flush();
        return Optional.empty();
      }
      return Optional.of(bytes);
    }

    private static String extension(Path file) {
      String name = String.valueOf(file.getFileName());
      int dot = name.lastIndexOf('.');
      String ext = dot < 0 ? "" : name.substring(dot + 1).toLowerCase(Locale.ROOT);
      return switch (ext) {
        case "yaml", "yml" -> "yaml";
        case "json", "toml", "properties" -> ext;
        default -> throw new IllegalArgumentException("cannot tell the format of " + file + " from its name; pass --format");
      };
    }
  }

  /** How a two-phase rollout runs: shared by rollout, rollback, abort. */
  static final class Phases {
    @Option(names = "--prepare-timeout", paramLabel = "DURATION", defaultValue = "10s",
        description = "how long targets have to stage the version and vote (default ${DEFAULT-VALUE})")
    String prepareTimeout;

    @Option(names = "--bake", paramLabel = "DURATION", defaultValue = "0s",
        description = "how long committed nodes must stay healthy before the next step (default ${DEFAULT-VALUE})")
    String bake;

    @Option(names = "--max-unhealthy", paramLabel = "N", defaultValue = "0",
        description = "committed nodes that may be unhealthy or lost during a bake (default ${DEFAULT-VALUE})")
    int maxUnhealthy;

    Coordinator.Builder coordinator(Etcd etcd, String app, List<String> steps, java.util.function.Consumer<JsonNode> events) {
      return Coordinator.builder(etcd, app).steps(steps).prepareTimeout(Durations.parse(prepareTimeout, "--prepare-timeout"))
          .bake(Durations.parse(bake, "--bake")).maxUnhealthy(maxUnhealthy).leaseTtl(Duration.ofSeconds(10))
          .events(events);
    }
  }

  @Command(name = "rollout", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
      description = {
          "Roll FILE out to the fleet as one decision: validated here as publish does, then every target node stages",
          "it through its own pipeline (its validators, schema and participants) and votes; a step commits in one",
          "transaction only if every target voted OK, otherwise nothing served changes. Steps go canaries first;",
          "after each committed step the nodes must stay healthy for --bake, or the committed nodes are rolled back.",
          "The last step moves the head. One line per state change. Exit 0 when promoted, 1 when aborted or rolled",
          "back (with the reason), 2 on a usage error or when another rollout runs, 3 when etcd does not answer."})
  static final class Rollout extends Base {
    @Mixin
    Candidate candidate;

    @Mixin
    Phases phases;

    @Option(names = "--canary", paramLabel = "SELECTOR",
        description = "the first step: node ids (a,b), labels (zone=eu-1), a count (1) or a percentage (10%)")
    @Nullable String canary;

    @Option(names = "--steps", paramLabel = "SELECTOR,...", split = ",", defaultValue = "100%",
        description = "the steps after the canary, each cumulative, such as 10%,100% (default ${DEFAULT-VALUE})")
    List<String> steps;

    @Option(names = "--resume", description = "finish the rollout a coordinator left running (no FILE)")
    boolean resume;

    @Option(names = {"-m", "--message"}, paramLabel = "TEXT", defaultValue = "", description = "why, for the history")
    String message;

    @Option(names = "--author", paramLabel = "NAME", defaultValue = "${env:USER:-unknown}",
        description = "who, for the history (default: $USER)")
    String author;

    @Override
    int run(Fleet fleet, String app, PrintWriter out) throws Exception {
      List<String> all = new ArrayList<>();
      if (canary != null) {
        all.add(canary);
      }
      all.addAll(steps);
      Coordinator coordinator = phases.coordinator(etcd, app, all, r -> report(r, out)).build();
      Coordinator.Result result;
      if (resume) {
        result = coordinator.resume();
      } else {
        Optional<byte[]> bytes = candidate.validated(spec.commandLine().getErr());
        if (bytes.isEmpty()) {
          return Exit.INVALID;
        }
        try {
          result = coordinator.rollout(bytes.get(), candidate.format(), message, author);
        } catch (IllegalStateException e) {
          throw new IllegalArgumentException(e.getMessage(), e);
        }
      }
      if (result.id().isEmpty()) {
        report(result.record(), out);
      }
      return result.promoted() ? Exit.OK : Exit.INVALID;
    }

    private void report(JsonNode r, PrintWriter out) {
      RolloutReport.print(r, json, out);
    }
  }

  @Command(name = "abort", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
      description = {"Stop the running rollout: a step that is preparing is aborted, committed nodes are rolled back.",
          "If its coordinator is gone, this command finishes the job itself. Exit 0, or 1 when none is running."})
  static final class Abort extends Base {
    @Override
    int run(Fleet fleet, String app, PrintWriter out) throws Exception {
      Optional<String> id = Coordinator.builder(etcd, app).events(r -> RolloutReport.print(r, json, out)).build()
          .abort();
      if (id.isEmpty()) {
        spec.commandLine().getErr().println("relive: no rollout of " + app + " is running");
        return Exit.INVALID;
      }
      if (!json) {
        out.println("asked rollout " + id.get() + " to stop");
      }
      return Exit.OK;
    }
  }

  @Command(name = "history", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
      description = "Every published version, oldest first: number, time, author, message; the head is marked.")
  static final class History extends Base {
    @Override
    int run(Fleet fleet, String app, PrintWriter out) throws Exception {
      OptionalLong head = fleet.head();
      List<Fleet.Version> versions = fleet.history();
      if (versions.isEmpty() && !json) {
        out.println("no version of " + app + " is published yet");
      }
      for (Fleet.Version v : versions) {
        boolean isHead = head.isPresent() && head.getAsLong() == v.version();
        if (json) {
          print(Loading.JSON.createObjectNode().put("version", v.version()).put("time", v.time().toString())
              .put("author", v.author()).put("message", v.message()).put("parent", v.parent()).put("head", isHead));
        } else {
          out.printf("%s %4d  %s  %-12s %s%n", isHead ? "*" : " ", v.version(), seconds(v.time()), v.author(),
              v.message());
        }
      }
      return Exit.OK;
    }
  }

  @Command(name = "diff", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
      description = {"The keys whose values differ from version A to version B, secrets redacted.",
          "Exit 0 when equal, 1 when they differ, 2 when a version does not exist."})
  static final class Diff extends Base {
    @Parameters(index = "0", paramLabel = "A")
    long a;

    @Parameters(index = "1", paramLabel = "B")
    long b;

    @Override
    int run(Fleet fleet, String app, PrintWriter out) throws Exception {
      ConfigSnapshot<ConfigTree> before = load(fleet, app, a);
      ConfigSnapshot<ConfigTree> after = load(fleet, app, b);
      List<ConfigTree.ValueChange> changes = before.changesTo(after);
      DiffCommand.print(changes, json, out);
      return changes.isEmpty() ? Exit.OK : Exit.INVALID;
    }

    private static ConfigSnapshot<ConfigTree> load(Fleet fleet, String app, long n) {
      Fleet.Version v = existing(fleet, app, n);
      try {
        return DiffCommand.load(ConfigSources.document("etcd:/relive/" + app + "/versions/" + n,
            v.document().getBytes(StandardCharsets.UTF_8), v.format()));
      } catch (ConfigException e) {
        throw new IllegalArgumentException("version " + n + " does not load: " + e.getMessage(), e);
      }
    }
  }

  @Command(name = "rollback", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
      description = {"Roll version N's content out again as a new version, through the same two phases as rollout",
          "(history only grows, as the engine's rollback). If it equals the head's content nothing is published."})
  static final class Rollback extends Base {
    @Parameters(index = "0", paramLabel = "N")
    long n;

    @Option(names = "--author", paramLabel = "NAME", defaultValue = "${env:USER:-unknown}",
        description = "who, for the history (default: $USER)")
    String author;

    @Mixin
    Phases phases;

    @Override
    int run(Fleet fleet, String app, PrintWriter out) throws Exception {
      existing(fleet, app, n);
      Coordinator.Result r;
      try {
        r = phases.coordinator(etcd, app, List.of("100%"), rec -> RolloutReport.print(rec, json, out)).build()
            .rollbackTo(n, author);
      } catch (IllegalStateException e) {
        throw new IllegalArgumentException(e.getMessage(), e);
      }
      if (r.id().isEmpty()) {
        RolloutReport.print(r.record(), json, out);
      }
      return r.promoted() ? Exit.OK : Exit.INVALID;
    }
  }

  @Command(name = "status", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
      description = {"The head and every live node: the version it serves, its hash, health and labels, the last",
          "version it rejected and why, and how long it has been behind the head.",
          "Exit 1 when a node rejected the head's version (it keeps serving its last good)."})
  static final class Status extends Base {
    @Override
    int run(Fleet fleet, String app, PrintWriter out) throws Exception {
      Fleet.Status status = fleet.status();
      Optional<Fleet.Rollout> rollout = fleet.rollout();
      Instant now = Instant.now();
      long head = status.head().orElse(0);
      if (json) {
        ObjectNode line = Loading.JSON.createObjectNode().put("event", "head").put("app", app);
        if (status.head().isPresent()) {
          line.put("version", head);
        } else {
          line.putNull("version");
        }
        status.headSince().ifPresent(t -> line.put("since", t.toString()));
        line.put("members", status.members().size());
        print(line);
        if (rollout.isPresent()) {
          Fleet.Rollout ro = rollout.get();
          ObjectNode rl = Loading.JSON.createObjectNode().put("event", "rollout").put("id", ro.id())
              .put("state", ro.state()).put("version", ro.version()).put("from", ro.from()).put("step", ro.step());
          rl.set("steps", Loading.JSON.valueToTree(ro.steps()));
          rl.set("targets", Loading.JSON.valueToTree(ro.targets()));
          rl.set("committed", Loading.JSON.valueToTree(ro.committed()));
          rl.set("votes", Loading.JSON.valueToTree(ro.votes()));
          rl.set("lost", Loading.JSON.valueToTree(ro.lost()));
          rl.put("reason", ro.reason());
          print(rl);
        }
      } else {
        out.println(status.head().isEmpty() ? app + ": no version published yet"
            : app + ": head is version " + head + status.headSince().map(t -> " (since " + seconds(t) + ", " + ago(t, now) + " ago)")
                .orElse(""));
        rollout.ifPresent(ro -> {
          out.println("rollout " + ro.id() + " of version " + ro.version() + " (from " + ro.from() + "): "
              + ro.state().toLowerCase(Locale.ROOT).replace('_', ' ') + (ro.active() ? ", step " + (ro.step() + 1) + "/"
              + ro.steps().size() + " (" + String.join(" -> ", ro.steps()) + ")" : "")
              + (ro.reason().isEmpty() ? "" : ": " + ro.reason()));
          if (ro.active()) {
            out.println("    targets: " + String.join(", ", ro.targets()) + "; committed: "
                + (ro.committed().isEmpty() ? "none" : String.join(", ", ro.committed())));
          }
          ro.votes().forEach((node, vote) -> out.println("    vote " + node + ": " + vote));
          if (!ro.lost().isEmpty()) {
            out.println("    lost: " + String.join(", ", ro.lost()));
          }
        });
        out.println(status.members().isEmpty() ? "no node is following " + app
            : String.format("%-24s %-8s %-13s %-9s %s", "NODE", "VERSION", "HASH", "HEALTH", "LABELS"));
      }
      boolean rejectedHead = false;
      for (Fleet.Member m : status.members()) {
        boolean behind = status.head().isPresent() && m.version().orElse(0) < head;
        Optional<Fleet.Rejection> rejection = m.lastRejection();
        boolean rejectsHead = rejection.isPresent() && rejection.get().version().orElse(-1) == head;
        rejectedHead |= rejectsHead;
        if (json) {
          ObjectNode line = Loading.JSON.createObjectNode().put("event", "member").put("node", m.node());
          ObjectNode labels = line.putObject("labels");
          m.labels().forEach(labels::put);
          if (m.version().isPresent()) {
            line.put("version", m.version().getAsLong());
          } else {
            line.putNull("version");
          }
          line.put("hash", m.hash()).put("health", m.health());
          ArrayNode healthProblems = line.putArray("healthProblems");
          m.healthProblems().forEach(healthProblems::add);
          ArrayNode reasons = line.putArray("degradedReasons");
          m.degradedReasons().forEach(reasons::add);
          line.put("behind", behind);
          if (behind) {
            status.headSince().ifPresent(t -> line.put("behindSeconds", Duration.between(t, now).toSeconds()));
          }
          line.put("servingSince", m.servingSince().toString()).put("started", m.started().toString());
          rejection.ifPresent(r -> {
            ObjectNode rj = line.putObject("lastRejection");
            if (r.version().isPresent()) {
              rj.put("version", r.version().getAsLong());
            } else {
              rj.putNull("version");
            }
            rj.put("stage", r.stage()).put("time", r.time().toString());
            ArrayNode problems = rj.putArray("problems");
            r.problems().forEach(problems::add);
          });
          print(line);
        } else {
          String labels = m.labels().entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
              .collect(Collectors.joining(","));
          out.printf("%-24s %-8s %-13s %-9s %s%n", m.node(), m.version().isPresent() ? m.version().getAsLong() : "-",
              m.hash().length() > 12 ? m.hash().substring(0, 12) : m.hash(), m.health(), labels);
          if (behind) {
            out.println("    behind the head" + status.headSince().map(t -> " for " + ago(t, now)).orElse(""));
          }
          m.healthProblems().forEach(r -> out.println("    unhealthy: " + r));
          m.degradedReasons().forEach(r -> out.println("    degraded: " + r));
          rejection.ifPresent(r -> {
            out.println("    rejected " + (r.version().isPresent() ? "version " + r.version().getAsLong() : "a change")
                + " at " + seconds(r.time()) + " (" + r.stage() + "), keeps serving its last good:");
            r.problems().forEach(p -> out.println("      " + p));
          });
        }
      }
      return rejectedHead ? Exit.INVALID : Exit.OK;
    }

    private static String ago(Instant then, Instant now) {
      Duration d = Duration.between(then, now);
      if (d.isNegative()) {
        d = Duration.ZERO;
      }
      long s = d.toSeconds();
      return s < 120 ? s + " s" : s < 7200 ? s / 60 + " min" : s / 3600 + " h";
    }
  }
}
