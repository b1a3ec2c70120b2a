package dev.relive.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.relive.config.ConfigException;
import dev.relive.config.ConfigNode;
import dev.relive.config.ConfigSnapshot;
import dev.relive.config.ConfigSources;
import dev.relive.config.ConfigTree;
import dev.relive.config.LiveConfig;
import dev.relive.config.spi.ConfigSource;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "diff", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
    description = {
    "Print the keys whose values differ from A to B, with old and new values (secrets redacted).",
    "Files may be in different formats. Exit 0 when equal, 1 when they differ, 2 on an invalid file or usage error."})
final class DiffCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "A")
  Path a;

  @Parameters(index = "1", paramLabel = "B")
  Path b;

  @Option(names = "--json", description = "one JSON object per changed key: {\"path\",\"before\",\"after\"}")
  boolean json;

  @Spec
  CommandSpec spec;

  @Override
  public Integer call() throws IOException {
    ConfigSnapshot<ConfigTree> before;
    ConfigSnapshot<ConfigTree> after;
    try {
      before = load(a);
      after = load(b);
    } catch (ConfigException e) {
      Loading.printProblems(e.problems(), spec.commandLine().getErr());
      return Exit.USAGE;
    }
    List<ConfigTree.ValueChange> changes = before.changesTo(after);
    print(changes, json, spec.commandLine().getOut());
    return changes.isEmpty() ? Exit.OK : Exit.INVALID;
  }

  /** One line per changed key: {@code ~ path: old -> new}, or with {@code json} {"path","before","after"}. */
  static void print(List<ConfigTree.ValueChange> changes, boolean json, PrintWriter out) throws IOException {
    for (ConfigTree.ValueChange change : changes) {
      if (json) {
        ObjectNode line = Loading.JSON.createObjectNode();
        line.put("path", change.path());
        line.set("before", change.before().map(DiffCommand::toJson).orElse(null));
        line.set("after", change.after().map(DiffCommand::toJson).orElse(null));
        out.println(Loading.JSON.writeValueAsString(line));
      } else {
        String marker = change.before().isEmpty() ? "+" : change.after().isEmpty() ? "-" : "~";
        boolean secret = change.before().or(change::after).filter(DiffCommand::redacted).isPresent();
        out.println(marker + " " + change.path() + ": " + (secret ? (marker.equals("~") ? "changed" : marker.equals("+")
            ? "added" : "removed") + " (secret)" : render(change.before()) + " -> " + render(change.after())));
      }
    }
    out.flush();
  }

  private static ConfigSnapshot<ConfigTree> load(Path file) {
    return load(ConfigSources.file(file));
  }

  /** One source, loaded once, untyped. */
  static ConfigSnapshot<ConfigTree> load(ConfigSource source) {
    try (LiveConfig<ConfigTree> config = LiveConfig.builder(ConfigTree.class).name("relive")
        .source(source).executor(Runnable::run).reloadOnSighup(false).build()) {
      return config.snapshot();
    }
  }

  private static boolean redacted(ConfigNode node) {
    return node instanceof ConfigNode.ScalarNode s && s.text().equals(ConfigTree.REDACTED);
  }

  private static JsonNode toJson(ConfigNode node) {
    try {
      return Loading.JSON.readTree(ConfigTree.toJson(node));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A value as its file wrote it ({@code 3.10}, {@code 0xFF}), strings quoted; containers as JSON. */
  private static String render(Optional<ConfigNode> node) {
    return node.map(n -> n instanceof ConfigNode.ScalarNode s && s.kind() != ConfigNode.ScalarNode.Kind.NULL
        ? (s.kind() == ConfigNode.ScalarNode.Kind.STRING ? Loading.JSON.getNodeFactory().textNode(s.written()).toString()
            : s.written())
        : toJson(n).toString()).orElse("(absent)");
  }
}
