package dev.relive.devloop;

import dev.relive.handoff.Handoff;
import dev.relive.handoff.serve.HeldSocket;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/**
 * {@code relive dev}: builds the project, runs it in a child JVM, and on every change rebuilds what changed
 * (and what depends on it) into a fresh directory, then restarts the application on the new build. A build
 * that fails leaves the last good one serving and says so until it is fixed. Everything happens on the
 * thread that calls {@link #run()}, one step after another: watch, scan, build, restart.
 */
public final class DevRunner implements AutoCloseable {
  /** Options that make a development JVM start sooner: C1 only, the serial collector, the JDK's class archive. */
  private static final String RUNNING = "running";
  static final List<String> FAST_START = List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xshare:auto");

  private final Path dir;
  private final DevSettings settings;
  private final DevEvents events;
  private final Path work;
  private volatile boolean closed;
  private @Nullable AppProcess app;
  private int generation;
  private int serving;
  private @Nullable ClassArchive archive;
  private @Nullable HotSwap hotswap;
  private @Nullable HeldSocket held;
  /** The build the application runs: what {@code .relive-dev/current}, on its class path, points at. */
  private @Nullable Path servingOutput;
  private List<Path> archivedClasspath = List.of();

  public DevRunner(Path dir, DevSettings settings, DevEvents events) {
    this.dir = dir.toAbsolutePath().normalize();
    this.settings = settings;
    this.events = events;
    this.work = this.dir.resolve(".relive-dev");
  }

  /**
   * Runs until {@link #close()} or an interrupt.
   *
   * @throws IllegalStateException when the environment is not development, or there is no main class
   */
  public void run() throws IOException, InterruptedException {
    settings.fenced(System.getenv()).ifPresent(why -> {
      throw new IllegalStateException(why);
    });
    String main = settings.mainClass(dir).orElseThrow(() -> new IllegalStateException("no main class: pass --main, "
        + "set main in " + DevSettings.FILE + ", or <mainClass> in pom.xml"));
    String signal = settings.signal();
    Files.createDirectories(work);
    cleanBuilds(null);
    if (!settings.listen().isBlank() && held == null) {
      held = HeldSocket.bindOnStdin(HeldSocket.address(settings.listen()));
      events.info("holding 127.0.0.1:" + held.port() + " across restarts (" + settings.listen() + ")");
    }
    List<Path> sourceDirs = resolveAll(settings.sourceDirs());
    List<Path> resourceDirs = resolveAll(settings.resourceDirs());
    List<Path> roots = new ArrayList<>(sourceDirs);
    roots.addAll(resourceDirs);
    roots.addAll(resolveAll(settings.watch()));
    List<Path> testDirs = settings.test() ? resolveAll(settings.testSourceDirs()) : List.of();
    roots.addAll(testDirs);
    List<Path> classpathInputs = Classpaths.inputs(dir, settings);
    roots.addAll(classpathInputs);
    List<String> exclude = new ArrayList<>(settings.ignored());
    exclude.add(".relive-dev/**");
    ProjectFiles files = new ProjectFiles(dir, roots, settings.included(), exclude);
    IncrementalCompiler compiler = new IncrementalCompiler(List.of("-g", "-parameters", "-proc:none"), work);
    Map<Path, ProjectFiles.Stamp> previous = files.scan();
    List<Path> classpath = null;
    boolean needFull = true;
    List<Path> testClasspath = List.of();
    try (TreeWatcher watcher = new TreeWatcher(files); HotSwap agents = new HotSwap(work);
        AffectedTests tests = new AffectedTests(dir, work, testDirs, events)) {
      hotswap = settings.hotswap() ? agents : null;
      long firstEvent = 0;
      Set<Path> changed = new TreeSet<>(previous.keySet());
      Set<Path> deleted = new TreeSet<>();
      while (!closed) {
        long began = System.nanoTime();
        boolean classpathChanged = classpath == null || changed.stream().anyMatch(classpathInputs::contains)
            || deleted.stream().anyMatch(classpathInputs::contains);
        int build = ++generation;
        List<DevEvents.Problem> problems = new ArrayList<>();
        if (classpathChanged) {
          if (settings.classpath().isEmpty()) {
            events.info(classpath == null ? "resolving the classpath" : "pom.xml changed: resolving the classpath again");
          }
          try {
            classpath = Classpaths.resolve(dir, settings, work);
            if (settings.test()) {
              testClasspath = Classpaths.resolveTests(dir, settings, work);
            }
            needFull = true;
          } catch (Classpaths.Unresolved e) {
            problems.add(new DevEvents.Problem(classpathInputs.isEmpty() ? "classpath" : "pom.xml", 0, 0,
                String.valueOf(e.getMessage()), String.valueOf(e.getMessage())));
          }
        }
        if (problems.isEmpty()) {
          problems.addAll(beforeBuild());
        }
        IncrementalCompiler.Build result = null;
        if (problems.isEmpty()) {
          Set<Path> all = javaFiles(sourceDirs);
          Set<Path> javaChanged = new TreeSet<>(changed);
          javaChanged.retainAll(all);
          Set<Path> javaDeleted = new TreeSet<>(deleted);
          javaDeleted.removeIf(p -> !p.toString().endsWith(".java"));
          result = compiler.build(all, javaChanged, javaDeleted, needFull, List.copyOf(classpath),
              work.resolve("build-" + build));
          if (result.ok()) {
            copyResources(resourceDirs, Path.of(String.valueOf(result.output())), changed, deleted, needFull);
            needFull = false;
          } else {
            for (IncrementalCompiler.Problem p : result.problems()) {
              if (p.error()) {
                problems.add(new DevEvents.Problem(relative(p.file()), p.line(), p.column(), p.message(), p.render(dir)));
              }
            }
          }
        }
        long compiled = System.nanoTime();
        if (!problems.isEmpty()) {
          events.buildFailed(build, problems, serving);
        } else {
          Path output = Path.of(String.valueOf(java.util.Objects.requireNonNull(result).output()));
          Path before = servingOutput;
          AppProcess old = app;
          String reason = old == null ? "first start"
              : !settings.hotswap() ? "hotswap = false" : hotswapBlocker(classpathChanged, changed, resourceDirs);
          HotSwap.Plan plan = null;
          if (old != null && reason == null) {
            plan = HotSwap.plan(java.util.Objects.requireNonNull(servingOutput), output, main);
            reason = plan.refusal();
            if (reason == null && !old.alive()) {
              reason = "generation " + old.generation() + " is not running";
            }
            if (reason == null && !agents.connected(old.generation())) {
              reason = "the agent of generation " + old.generation() + " is not connected";
            }
          }
          if (old != null && plan != null && reason == null) {
            point(output);
            reason = agents.redefine(old.generation(), plan.redefine());
            if (reason == null) {
              Map<String, Long> ms = inProcess("swap", firstEvent, began, compiled);
              serving = build;
              servingOutput = output;
              List<String> why = new ArrayList<>();
              why.add("method bodies only: " + plan.redefine().size() + " class(es) redefined"
                  + (plan.added().isEmpty() ? "" : ", " + plan.added().size() + " new"));
              why.addAll(plan.notes());
              events.reloaded(build, old.pid(), "hotswap", String.join("; ", why),
                  changed.stream().map(this::relative).toList(), ms);
            }
          }
          // Not with a held socket: an application that closed its inherited channel cannot adopt it again in the
          // same JVM (System.inheritedChannel() returns the closed one); a fresh JVM gets fd 0 anew.
          if (reason != null && old != null && settings.hotswap() && held == null && old.alive() && !classpathChanged
              && agents.connected(old.generation())) {
            // The class-loader tier: the same warm JVM, the application's classes in a fresh loader.
            point(output);
            String why = agents.restartLoader(old.generation());
            if (why == null) {
              Map<String, Long> ms = inProcess("restart", firstEvent, began, compiled);
              serving = build;
              servingOutput = output;
              events.reloaded(build, old.pid(), "classloader", reason + "; the application restarted in a fresh class "
                  + "loader", changed.stream().map(this::relative).toList(), ms);
              reason = null;
            } else {
              reason = reason + "; not in-process: " + why;
            }
          }
          if (reason != null) {
            restart(build, main, output, List.copyOf(classpath), reason, old, signal, began, compiled, firstEvent,
                changed);
          }
          if (settings.test()) {
            tests.afterBuild(build, before, output, testClasspath);
          }
          cleanBuilds(output);
        }
        // wait for the next change
        changed.clear();
        deleted.clear();
        while (!closed && changed.isEmpty() && deleted.isEmpty()) {
          firstEvent = watcher.await(settings.quietPeriod(), Duration.ofSeconds(2));
          Map<Path, ProjectFiles.Stamp> now = files.scan();
          ProjectFiles.Diff diff = ProjectFiles.diff(previous, now);
          previous = now;
          changed.addAll(diff.added());
          changed.addAll(diff.changed());
          deleted.addAll(diff.deleted());
        }
      }
    } finally {
      stopApp(signal);
      hotswap = null;
      ClassArchive cds = archive;
      if (cds != null) {
        cds.close();
      }
    }
  }

  /** The phases of an in-process reload (HotSwap: {@code swap}; class-loader tier: {@code restart}), ending now. */
  private static Map<String, Long> inProcess(String phase, long firstEvent, long began, long compiled) {
    long now = System.nanoTime();
    Map<String, Long> ms = new LinkedHashMap<>();
    long detect = firstEvent == 0 ? 0 : millis(firstEvent, began);
    ms.put("detect", detect);
    ms.put("compile", millis(began, compiled));
    ms.put(phase, millis(compiled, now));
    ms.put("total", detect + millis(began, now));
    return ms;
  }

  /** The restart tier: stop the running generation (if any), start one on {@code output}. */
  private void restart(int build, String main, Path output, List<Path> classpath, String reason,
      @Nullable AppProcess old, String signal, long began, long compiled, long firstEvent, Set<Path> changed)
      throws IOException {
    if (old != null) {
      old.stop(signal, settings.killDelay());
      HotSwap agents = hotswap;
      if (agents != null) {
        agents.forget(old.generation());
      }
      ClassArchive cds = archive;
      if (cds != null) {
        cds.dumpInBackground(); // the run that just ended listed its classes
      }
    }
    long stopped = System.nanoTime();
    point(output);
    servingOutput = output;
    AppProcess started = start(build, main, classpath);
    app = started;
    long restarted = System.nanoTime();
    Map<String, Long> ms = new LinkedHashMap<>();
    if (serving == 0) {
      ms.put("compile", millis(began, compiled));
      ms.put("start", millis(compiled, restarted));
      ms.put("total", millis(began, restarted));
      serving = build;
      events.started(build, started.pid(), ms);
    } else {
      long detect = firstEvent == 0 ? 0 : millis(firstEvent, began);
      ms.put("detect", detect);
      ms.put("compile", millis(began, compiled));
      ms.put("restart", millis(compiled, restarted));
      ms.put("stop", millis(compiled, stopped));
      ms.put("total", detect + millis(began, restarted));
      serving = build;
      events.reloaded(build, started.pid(), "restart", String.valueOf(reason),
          changed.stream().map(this::relative).toList(), ms);
    }
  }

  /**
   * Starts a generation: the dependencies first (so their class archive applies), then the build; the
   * archive's options, the fast-start options, then the project's own (which win).
   */
  private AppProcess start(int build, String main, List<Path> classpath) throws IOException {
    ClassArchive cds = archive;
    if (cds == null || !classpath.equals(archivedClasspath)) {
      cds = new ClassArchive(work, classpath);
      archive = cds;
      archivedClasspath = classpath;
    }
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(cds.options());
    command.addAll(FAST_START);
    HotSwap agents = hotswap;
    if (agents != null) {
      command.addAll(agents.jvmOptions());
    }
    command.addAll(settings.jvmArgs());
    StringBuilder cp = new StringBuilder();
    classpath.forEach(p -> cp.append(p).append(java.io.File.pathSeparatorChar));
    if (agents != null) {
      // The dependencies in the JVM's loader; the application's classes (.relive-dev/running, the serving build
      // kept in step by HotSwap) in the launcher's child loader, which the class-loader tier replaces.
      command.add("--add-opens=java.base/java.lang=ALL-UNNAMED");
      command.add("-cp");
      command.add(cp.length() == 0 ? "." : cp.substring(0, cp.length() - 1));
      command.addAll(HotSwap.launch(main, work.resolve(RUNNING)));
    } else {
      cp.append(work.resolve(RUNNING));
      command.add("-cp");
      command.add(cp.toString());
      command.add(main);
    }
    command.addAll(settings.args());
    Map<String, String> env = new LinkedHashMap<>(settings.env());
    env.put("RELIVE_DEV_GENERATION", Integer.toString(build));
    env.put("RELIVE_DEV_PID", Long.toString(ProcessHandle.current().pid()));
    if (agents != null) {
      env.putAll(agents.environment());
    }
    if (held != null) {
      env.put(Handoff.GENERATION, Integer.toString(build)); // Handoff.listen adopts the held socket
    }
    return AppProcess.start(command, env, dir, build, held != null, events::output,
        code -> events.appExited(build, code));
  }

  /**
   * Why a build cannot be hot-swapped whatever its classes say (the classpath or a resource changed), or null.
   */
  private static @Nullable String hotswapBlocker(boolean classpathChanged, Set<Path> changed, List<Path> resourceDirs) {
    if (classpathChanged) {
      return "the dependencies changed";
    }
    for (Path p : changed) {
      if (resourceDirs.stream().anyMatch(p::startsWith)) {
        return "a resource changed (" + p.getFileName() + ")";
      }
      if (!p.toString().endsWith(".java")) {
        return p.getFileName() + " changed";
      }
    }
    return null;
  }

  /**
   * Makes {@code .relive-dev/running}, the directory on the application's class path, mirror {@code build}
   * (hard links; changed files replaced, files gone removed). Not a symbolic link: the JDK's class loader
   * resolves its directories once, so a new class in a later build would not be found through a link.
   */
  private void point(Path build) throws IOException {
    Path running = work.resolve(RUNNING);
    Files.createDirectories(running);
    Set<Path> wanted = new java.util.HashSet<>();
    try (Stream<Path> s = Files.walk(build)) {
      for (Path from : (Iterable<Path>) s::iterator) {
        Path rel = build.relativize(from);
        Path to = running.resolve(rel.toString());
        wanted.add(rel);
        if (Files.isDirectory(from)) {
          Files.createDirectories(to);
        } else if (!Files.exists(to) || !Files.isSameFile(from, to)) {
          Path tmp = to.resolveSibling(to.getFileName() + ".relive-tmp");
          IncrementalCompiler.link(from, tmp);
          Files.move(tmp, to, java.nio.file.StandardCopyOption.ATOMIC_MOVE, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
      }
    }
    try (Stream<Path> s = Files.walk(running)) {
      List<Path> gone = s.filter(p -> !wanted.contains(running.relativize(p))).sorted(java.util.Comparator.reverseOrder())
          .toList();
      for (Path p : gone) {
        Files.deleteIfExists(p);
      }
    }
  }

  private List<DevEvents.Problem> beforeBuild() throws IOException, InterruptedException {
    List<DevEvents.Problem> out = new ArrayList<>();
    for (String command : settings.beforeBuild()) {
      Process p = new ProcessBuilder("sh", "-c", command).directory(dir.toFile()).redirectErrorStream(true).start();
      String output = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
      if (!p.waitFor(5, TimeUnit.MINUTES)) {
        p.destroyForcibly();
        out.add(new DevEvents.Problem(DevSettings.FILE, 0, 0, "before-build '" + command + "' did not finish in 5 minutes",
            "before-build '" + command + "' did not finish in 5 minutes"));
      } else if (p.exitValue() != 0) {
        String message = "before-build '" + command + "' failed (exit " + p.exitValue() + "):\n" + output.strip();
        out.add(new DevEvents.Problem(DevSettings.FILE, 0, 0, message, message));
      }
      if (!out.isEmpty()) {
        break;
      }
    }
    return out;
  }

  /** Copies resources into the build: all of them for a full build, else the changed ones (and drops deleted). */
  private static void copyResources(List<Path> resourceDirs, Path output, Set<Path> changed, Set<Path> deleted,
      boolean full) throws IOException {
    for (Path root : resourceDirs) {
      if (!Files.isDirectory(root)) {
        continue;
      }
      if (full) {
        IncrementalCompiler.linkAll(root, output, Set.of());
        continue;
      }
      for (Path p : changed) {
        if (p.startsWith(root) && Files.isRegularFile(p)) {
          Path target = output.resolve(root.relativize(p).toString());
          Files.deleteIfExists(target);
          Files.createDirectories(java.util.Objects.requireNonNull(target.getParent()));
          Files.copy(p, target);
        }
      }
      for (Path p : deleted) {
        if (p.startsWith(root)) {
          Files.deleteIfExists(output.resolve(root.relativize(p).toString()));
        }
      }
    }
  }

  private static Set<Path> javaFiles(List<Path> sourceDirs) throws IOException {
    Set<Path> out = new TreeSet<>();
    for (Path d : sourceDirs) {
      if (Files.isDirectory(d)) {
        try (Stream<Path> walk = Files.walk(d)) {
          walk.filter(p -> p.toString().endsWith(".java") && Files.isRegularFile(p)).forEach(out::add);
        }
      }
    }
    return out;
  }

  /** Keeps the serving build and the newest; deletes older build directories. */
  private void cleanBuilds(@Nullable Path keep) throws IOException {
    try (Stream<Path> list = Files.list(work)) {
      for (Path p : (Iterable<Path>) list::iterator) {
        if (p.getFileName().toString().startsWith("build-") && !p.equals(keep)) {
          IncrementalCompiler.deleteTree(p);
        }
      }
    }
  }

  private List<Path> resolveAll(List<String> paths) {
    return paths.stream().map(p -> dir.resolve(p).normalize()).toList();
  }

  private String relative(Path p) {
    return p.startsWith(dir) ? dir.relativize(p).toString() : p.toString();
  }

  private static long millis(long from, long to) {
    return TimeUnit.NANOSECONDS.toMillis(to - from);
  }

  private void stopApp(String signal) {
    AppProcess a = app;
    app = null;
    if (a != null) {
      a.stop(signal, settings.killDelay());
    }
  }

  /** Stops watching and stops the application (within the kill delay). */
  @Override
  public void close() {
    closed = true;
    stopApp(settings.stopSignal().trim().isEmpty() ? "TERM" : settings.signal());
  }
}
