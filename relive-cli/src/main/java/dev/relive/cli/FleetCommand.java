package dev.relive.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.relive.config.ConfigException;
import dev.relive.config.ConfigSnapshot;
import dev.relive.config.ConfigSources;
import dev.relive.config.ConfigTree;
import dev.relive.config.LiveConfig;
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
import java.util.List;
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
    subcommands = {FleetCommand.Publish.class, FleetCommand.History.class, FleetCommand.Diff.class,
        FleetCommand.Rollback.class, FleetCommand.Status.class})
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

    @Override
    public final Integer call() throws Exception {
      String app = etcdOptions.app();
      try (Etcd etcd = etcdOptions.connect()) {
        int code = run(new Fleet(etcd, app), app, spec.commandLine().getOut());
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
    @Parameters(index = "0", paramLabel = "FILE", description = "the document; - reads standard input (see --format)")
    Path file;

    @Option(names = "--format", paramLabel = "FORMAT",
        description = "yaml, json, toml or properties, when FILE's extension does not say (yaml for -)")
    @Nullable String format;

    @Option(names = "--schema", paramLabel = "SCHEMA.json", description = "also validate against this JSON Schema")
    @Nullable Path schema;

    @Option(names = "--schema-allow-remote", description = "let the schema's $ref fetch http(s) URLs")
    boolean allowRemote;

    @Option(names = {"-m", "--message"}, paramLabel = "TEXT", defaultValue = "", description = "why, for the history")
    String message;

    @Option(names = "--author", paramLabel = "NAME", defaultValue = "${env:USER:-unknown}",
        description = "who, for the history (default: $USER)")
    String author;

    @Override
    int run(Fleet fleet, String app, PrintWriter out) throws Exception {
      boolean stdin = file.toString().equals("-");
      String fmt = format != null ? format.toLowerCase(Locale.ROOT) : stdin ? "yaml" : extension(file);
      byte[] bytes;
      try {
        bytes = stdin ? System.in.readAllBytes() : Files.readAllBytes(file);
      } catch (NoSuchFileException e) {
        throw new IllegalArgumentException(file + " does not exist", e);
      }
      String name = stdin ? "stdin" : file.toString();
      if (bytes.length > Fleet.MAX_DOCUMENT_BYTES) {
        spec.commandLine().getErr().printf("relive: %s is %d bytes; a version holds at most %d (etcd limits a request "
            + "to 1.5 MiB). Nothing was published.%n", name, bytes.length, Fleet.MAX_DOCUMENT_BYTES);
        spec.commandLine().getErr().flush();
        return Exit.INVALID;
      }
      LiveConfig.Builder<ConfigTree> check = Loading.builder(List.of(ConfigSources.document(name, bytes, fmt)),
          Optional.ofNullable(schema), allowRemote).executor(Runnable::run).reloadOnSighup(false);
      try (LiveConfig<ConfigTree> valid = check.build()) {
        valid.snapshot(); // valid: bound and checked like relive check
      } catch (ConfigException e) {
        Loading.printProblems(e.problems(), spec.commandLine().getErr());
        spec.commandLine().getErr().println("Nothing was published.");
        spec.commandLine().getErr().flush();
        return Exit.INVALID;
      }
      Fleet.Published p = fleet.publish(bytes, fmt, message, author);
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
      description = {"Publish version N's content again as a new version (history only grows, as the engine's",
          "rollback). If it equals the head's content nothing is published."})
  static final class Rollback extends Base {
    @Parameters(index = "0", paramLabel = "N")
    long n;

    @Option(names = "--author", paramLabel = "NAME", defaultValue = "${env:USER:-unknown}",
        description = "who, for the history (default: $USER)")
    String author;

    @Override
    int run(Fleet fleet, String app, PrintWriter out) throws Exception {
      existing(fleet, app, n);
      Fleet.Published p = fleet.rollback(n, author);
      if (json) {
        print(Loading.JSON.createObjectNode().put("event", p.unchanged() ? "unchanged" : "published").put("app", app)
            .put("version", p.version()).put("contentOf", n));
      } else if (p.unchanged()) {
        out.printf("unchanged: the head (version %d) already has version %d's content%n", p.version(), n);
      } else {
        out.printf("published version %d of %s with the content of version %d%n", p.version(), app, n);
      }
      return Exit.OK;
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
      } else {
        out.println(status.head().isEmpty() ? app + ": no version published yet"
            : app + ": head is version " + head + status.headSince().map(t -> " (since " + seconds(t) + ", " + ago(t, now) + " ago)")
                .orElse(""));
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
