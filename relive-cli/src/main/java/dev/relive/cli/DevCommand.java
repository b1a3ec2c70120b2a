package dev.relive.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.relive.devloop.DevEvents;
import dev.relive.devloop.DevRunner;
import dev.relive.devloop.DevSettings;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "dev", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
    description = {
        "Run the project in DIR (default .) and keep it running the code as saved: every change compiles in this",
        "process (the changed sources and those that depend on them) into a fresh build, and the application",
        "restarts on it. A failed build leaves the last good one serving and is printed as javac prints it.",
        "A Maven project needs nothing more (classpath, layout and main class from pom.xml); others: --src,",
        "--classpath or --classpath-cmd, --main. Settings can live in relive-dev.toml (relive dev --init).",
        "Refuses to run where RELIVE_ENV says staging or production. Exits 0 on SIGINT or SIGTERM.",
        "With --json, standard output carries only these lines (the app's output goes to standard error):",
        "{\"event\":\"started\",\"generation\":1,\"pid\":N,\"ms\":{\"compile\",\"start\",\"total\"}}",
        "{\"event\":\"reloaded\",\"generation\":N,\"pid\":N,\"tier\":\"hotswap|classloader|restart\",\"reason\":\"...\",\"changed\":[...],",
        "  \"ms\":{\"detect\",\"compile\",\"swap\" or \"stop\",\"restart\",\"total\"}}",
        "{\"event\":\"build-failed\",\"generation\":N,\"serving\":M,\"problems\":[{\"file\",\"line\",\"column\",\"message\"}]}",
        "{\"event\":\"app-exited\",\"generation\":N,\"code\":C}",
        "{\"event\":\"tests\",\"generation\":N,\"classes\":[...],\"passed\":N,\"failed\":M,\"failures\":[...],\"ms\":N}"})
final class DevCommand implements Callable<Integer> {
  @Parameters(index = "0", arity = "0..1", paramLabel = "DIR", description = "the project (default: .)")
  @Nullable Path dir;

  @Option(names = "--init", description = "write a commented " + DevSettings.FILE + " into DIR and exit")
  boolean init;

  @Option(names = "--main", paramLabel = "CLASS", description = "the main class (default: from pom.xml)")
  @Nullable String main;

  @Option(names = "--src", paramLabel = "DIR", description = "a source directory (repeatable; default src/main/java)")
  List<String> src = List.of();

  @Option(names = "--resources", paramLabel = "DIR",
      description = "a resource directory (repeatable; default src/main/resources)")
  List<String> resources = List.of();

  @Option(names = "--classpath", paramLabel = "PATH", split = ":",
      description = "the dependency classpath, instead of resolving it through Maven (lib/*.jar allowed)")
  List<String> classpath = List.of();

  @Option(names = "--classpath-cmd", paramLabel = "COMMAND", description = "a shell command that prints the classpath")
  @Nullable String classpathCmd;

  @Option(names = "--maven", paramLabel = "COMMAND", description = "how to run Maven (default: ./mvnw if present, else mvn)")
  @Nullable String maven;

  @Option(names = "--jvm-arg", paramLabel = "OPTION", description = "an option for the application's JVM (repeatable)")
  List<String> jvmArgs = List.of();

  @Option(names = "--arg", paramLabel = "ARG", description = "an argument for the application (repeatable)")
  List<String> args = List.of();

  @Option(names = "--quiet-period", paramLabel = "DURATION",
      description = "how long files must stay unchanged before a build (default 100ms)")
  @Nullable String quietPeriod;

  @Option(names = "--listen", paramLabel = "HOST:PORT",
      description = "hold the app's listening socket across restarts (the app adopts it from fd 0: "
          + "System.inheritedChannel(), Handoff.listen); a request during a restart waits for the new code")
  @Nullable String listen;

  @Option(names = "--test", description = "after each good build, run the tests that reach a changed class")
  boolean test;

  @Option(names = "--no-hotswap", description = "restart on every change, never redefine classes in the running JVM")
  boolean noHotswap;

  @Option(names = "--json", description = "print the events as JSON lines (the contract above)")
  boolean json;

  @Spec
  CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    Path project = (dir != null ? dir : Path.of(".")).toAbsolutePath().normalize();
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    if (init) {
      Path file = project.resolve(DevSettings.FILE);
      if (Files.exists(file)) {
        err.println("relive: " + file + " exists; not overwritten");
        return Exit.USAGE;
      }
      Files.writeString(file, DevSettings.template());
      out.println("wrote " + file);
      return Exit.OK;
    }
    if (!Files.isDirectory(project)) {
      throw new IllegalArgumentException(project + " is not a directory");
    }
    Map<String, Object> overrides = new HashMap<>();
    if (main != null) {
      overrides.put("main", main);
    }
    if (!src.isEmpty()) {
      overrides.put("src", src);
    }
    if (!resources.isEmpty()) {
      overrides.put("resources", resources);
    }
    if (!classpath.isEmpty()) {
      overrides.put("classpath", classpath);
    }
    if (classpathCmd != null) {
      overrides.put("classpathCmd", classpathCmd);
    }
    if (maven != null) {
      overrides.put("maven", maven);
    }
    if (!jvmArgs.isEmpty()) {
      overrides.put("jvmArgs", jvmArgs);
    }
    if (!args.isEmpty()) {
      overrides.put("args", args);
    }
    if (quietPeriod != null) {
      overrides.put("quietPeriod", Durations.parse(quietPeriod, "--quiet-period"));
    }
    if (listen != null) {
      overrides.put("listen", listen);
    }
    if (noHotswap) {
      overrides.put("hotswap", false);
    }
    if (test) {
      overrides.put("test", true);
    }
    DevSettings settings = DevSettings.load(project).with(overrides);
    settings.fenced(System.getenv()).ifPresent(why -> {
      throw new IllegalArgumentException(why);
    });
    DevRunner runner = new DevRunner(project, settings, new Printer(out, err, json));
    Exit.zeroOnSignal(runner::close);
    try {
      runner.run();
    } catch (IllegalStateException e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
    return Exit.OK;
  }

  /** The events as text for people, or as JSON lines for scripts. */
  private static final class Printer implements DevEvents {
    private final PrintWriter out;
    private final PrintWriter err;
    private final boolean json;

    Printer(PrintWriter out, PrintWriter err, boolean json) {
      this.out = out;
      this.err = err;
      this.json = json;
    }

    @Override
    public synchronized void started(int generation, long pid, Map<String, Long> ms) {
      if (json) {
        ObjectNode line = event("started").put("generation", generation).put("pid", pid);
        line.set("ms", Loading.JSON.valueToTree(ms));
        emit(line);
      } else {
        say("build " + generation + " serving (pid " + pid + "), compiled in " + ms.get("compile") + " ms, started in "
            + ms.get("start") + " ms");
      }
    }

    @Override
    public synchronized void reloaded(int generation, long pid, String tier, String reason, List<String> changed,
        Map<String, Long> ms) {
      if (json) {
        ObjectNode line = event("reloaded").put("generation", generation).put("pid", pid).put("tier", tier)
            .put("reason", reason);
        ArrayNode c = line.putArray("changed");
        changed.forEach(c::add);
        line.set("ms", Loading.JSON.valueToTree(ms));
        emit(line);
      } else {
        StringBuilder phases = new StringBuilder();
        ms.forEach((k, v) -> {
          if (!k.equals("total")) {
            phases.append(phases.length() == 0 ? "" : ", ").append(k).append(' ').append(v);
          }
        });
        say("build " + generation + " serving (" + tier + ", pid " + pid + ") after " + String.join(", ", changed)
            + ": " + ms.get("total") + " ms (" + phases + "); " + reason);
      }
    }

    @Override
    public synchronized void buildFailed(int generation, List<Problem> problems, int serving) {
      if (json) {
        ObjectNode line = event("build-failed").put("generation", generation).put("serving", serving);
        ArrayNode list = line.putArray("problems");
        for (Problem p : problems) {
          list.addObject().put("file", p.file()).put("line", p.line()).put("column", p.column())
              .put("message", p.message());
        }
        emit(line);
      } else {
        out.println();
        out.println("relive dev: BUILD " + generation + " FAILED (" + problems.size() + (problems.size() == 1
            ? " problem)" : " problems)"));
        problems.forEach(p -> out.println(p.rendered()));
        say(serving == 0 ? "nothing is serving yet; waiting for a fix"
            : "serving build " + serving + " (last good); build " + generation + " failed");
        out.println();
      }
      out.flush();
    }

    @Override
    public synchronized void appExited(int generation, int code) {
      if (json) {
        emit(event("app-exited").put("generation", generation).put("code", code));
      } else {
        say("the application of build " + generation + " exited with code " + code + "; waiting for the next change");
      }
    }

    @Override
    public synchronized void tests(int generation, List<String> classes, int passed, int failed, List<String> failures,
        long ms) {
      if (json) {
        ObjectNode line = event("tests").put("generation", generation);
        ArrayNode c = line.putArray("classes");
        classes.forEach(c::add);
        line.put("passed", passed).put("failed", failed);
        ArrayNode f = line.putArray("failures");
        failures.forEach(f::add);
        emit(line.put("ms", ms));
      } else {
        say("tests after build " + generation + ": " + passed + " passed, " + failed + " failed in " + ms + " ms ("
            + String.join(", ", classes) + ")" + (failures.isEmpty() ? "" : "\n  " + String.join("\n  ", failures)));
      }
    }

    @Override
    public synchronized void output(String line) {
      (json ? err : out).println(line);
      (json ? err : out).flush();
    }

    @Override
    public synchronized void info(String message) {
      if (!json) {
        say(message);
      }
    }

    private void say(String text) {
      out.println("relive dev: " + text);
      out.flush();
    }

    private static ObjectNode event(String name) {
      return Loading.JSON.createObjectNode().put("event", name);
    }

    private void emit(ObjectNode line) {
      try {
        out.println(Loading.JSON.writeValueAsString(line));
      } catch (JsonProcessingException e) {
        throw new UncheckedIOException(e);
      }
      out.flush();
    }
  }
}
