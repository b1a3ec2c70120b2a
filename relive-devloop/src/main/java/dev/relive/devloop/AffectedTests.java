package dev.relive.devloop;

import dev.relive.devloop.tests.RunTests;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.junit.platform.launcher.core.LauncherFactory;

/**
 * The tests a build affects, run after it in a JVM of their own: the project's tests are compiled against the
 * new build; a test class runs when it refers — through any chain of classes, read from the class files — to a
 * class the build changed or added, or when it changed itself. Results go out as a {@code tests} event; a
 * failing test never holds up a reload. One run at a time, on a thread of its own.
 */
final class AffectedTests implements AutoCloseable {
  private static final long TIMEOUT_MINUTES = 10;

  private final Path dir;
  private final Path work;
  private final List<Path> testDirs;
  private final DevEvents events;
  private final IncrementalCompiler compiler;
  private final ExecutorService thread = Executors.newSingleThreadExecutor(r -> {
    Thread t = new Thread(r, "relive-dev-tests");
    t.setDaemon(true);
    return t;
  });
  private @Nullable Path previousTests;
  private volatile @Nullable Process running;

  AffectedTests(Path dir, Path work, List<Path> testDirs, DevEvents events) throws IOException {
    this.dir = dir;
    this.work = work;
    this.testDirs = testDirs;
    this.events = events;
    this.compiler = new IncrementalCompiler(List.of("-g", "-parameters", "-proc:none"), work.resolve("tests-compiler"));
  }

  /**
   * After build {@code generation} (its classes in {@code after}; {@code before} the build it replaced, or null
   * for the first, which only compiles the tests: the baseline later builds are compared with), on a thread of
   * its own.
   */
  void afterBuild(int generation, @Nullable Path before, Path after, List<Path> testClasspath) {
    Set<String> changed;
    try {
      changed = changed(before == null || !Files.isDirectory(before) ? Map.of() : HotSwap.classes(before),
          HotSwap.classes(after));
    } catch (IOException e) {
      events.info("affected tests: cannot compare the builds: " + e.getMessage());
      return;
    }
    // A copy of the build: the runner cleans old builds while the tests may still run.
    Path main = work.resolve("tests-main-" + generation);
    try {
      IncrementalCompiler.linkAll(after, main, Set.of());
    } catch (IOException e) {
      events.info("affected tests: " + e.getMessage());
      return;
    }
    boolean baseline = before == null;
    var unused = thread.submit(() -> runFor(generation, main, changed, testClasspath, baseline));
  }

  private void runFor(int generation, Path main, Set<String> changedMain, List<Path> testClasspath, boolean baseline) {
    long began = System.nanoTime();
    try {
      Set<Path> sources = new TreeSet<>();
      for (Path d : testDirs) {
        if (Files.isDirectory(d)) {
          try (Stream<Path> s = Files.walk(d)) {
            s.filter(p -> p.toString().endsWith(".java")).forEach(sources::add);
          }
        }
      }
      if (sources.isEmpty()) {
        return;
      }
      List<Path> cp = new ArrayList<>(testClasspath);
      cp.add(0, main);
      Path out = work.resolve("tests-" + generation);
      IncrementalCompiler.Build build = compiler.build(sources, sources, Set.of(), true, cp, out);
      if (!build.ok()) {
        List<String> problems = build.problems().stream().filter(IncrementalCompiler.Problem::error)
            .map(p -> p.render(dir)).toList();
        events.tests(generation, List.of(), 0, 0, problems, millis(began));
        return;
      }
      Path tests = Path.of(String.valueOf(build.output()));
      Set<String> changed = new HashSet<>(changedMain);
      Path before = previousTests;
      changed.addAll(changed(before == null ? Map.of() : HotSwap.classes(before), HotSwap.classes(tests)));
      List<String> affected = affected(main, tests, changed);
      if (before != null) {
        IncrementalCompiler.deleteTree(before);
      }
      previousTests = tests;
      if (affected.isEmpty() || baseline) {
        return;
      }
      run(generation, affected, cp, tests, began);
    } catch (IOException | RuntimeException e) {
      events.info("affected tests: " + e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      IncrementalCompiler.deleteTree(main);
    }
  }

  /** Top-level test classes that reach a changed class through the classes' references. */
  private static List<String> affected(Path main, Path tests, Set<String> changed) throws IOException {
    Map<String, Set<String>> usedBy = new HashMap<>();
    Map<String, Path> all = new HashMap<>(HotSwap.classes(main));
    Map<String, Path> testClasses = HotSwap.classes(tests);
    all.putAll(testClasses);
    for (var e : all.entrySet()) {
      for (String ref : ClassInfo.read(Files.readAllBytes(e.getValue())).references()) {
        usedBy.computeIfAbsent(ref.replace('/', '.'), k -> new HashSet<>()).add(e.getKey());
      }
    }
    Set<String> reached = new HashSet<>(changed);
    Deque<String> todo = new ArrayDeque<>(changed);
    while (!todo.isEmpty()) {
      for (String user : usedBy.getOrDefault(todo.pop(), Set.of())) {
        if (reached.add(user)) {
          todo.add(user);
        }
      }
    }
    // A nested class's test reaches its top-level class, which the launcher runs with its nested ones.
    Set<String> out = new TreeSet<>();
    for (String c : reached) {
      String top = c.contains("$") ? c.substring(0, c.indexOf('$')) : c;
      if (testClasses.containsKey(top)) {
        out.add(top);
      }
    }
    return List.copyOf(out);
  }

  private void run(int generation, List<String> classes, List<Path> cp, Path tests, long began)
      throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-cp"));
    StringBuilder path = new StringBuilder(tests.toString());
    cp.forEach(p -> path.append(File.pathSeparatorChar).append(p));
    // The launcher and this module last: the project's own JUnit versions come first where they overlap.
    path.append(File.pathSeparatorChar).append(jarOf(LauncherFactory.class));
    path.append(File.pathSeparatorChar).append(jarOf(RunTests.class));
    command.add(path.toString());
    command.add(RunTests.class.getName());
    command.addAll(classes);
    Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
    running = p;
    int passed = 0;
    int failed = 0;
    List<String> failures = new ArrayList<>();
    try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line = in.readLine(); line != null; line = in.readLine()) {
        if (line.startsWith(RunTests.RESULT)) {
          for (String part : line.substring(RunTests.RESULT.length()).split(" ", -1)) {
            if (part.startsWith("passed=")) {
              passed = Integer.parseInt(part.substring(7));
            } else if (part.startsWith("failed=")) {
              failed = Integer.parseInt(part.substring(7));
            }
          }
        } else if (line.startsWith(RunTests.FAILURE)) {
          failures.add(line.substring(RunTests.FAILURE.length()));
        } else {
          events.output("[tests] " + line);
        }
      }
    }
    if (!p.waitFor(TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      failures.add("the tests did not finish within " + TIMEOUT_MINUTES + " minutes");
    }
    running = null;
    events.tests(generation, classes, passed, failed, failures, millis(began));
  }

  private static String jarOf(Class<?> type) {
    try {
      return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    } catch (URISyntaxException | RuntimeException e) {
      throw new IllegalStateException("cannot find the jar of " + type.getName(), e);
    }
  }

  /** The classes of {@code now} that {@code was} lacks or had with other bytes. */
  private static Set<String> changed(Map<String, Path> was, Map<String, Path> now) throws IOException {
    Set<String> out = new HashSet<>();
    for (var e : now.entrySet()) {
      Path old = was.get(e.getKey());
      if (old == null || !Arrays.equals(Files.readAllBytes(old), Files.readAllBytes(e.getValue()))) {
        out.add(e.getKey());
      }
    }
    return out;
  }

  private static long millis(long began) {
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - began);
  }

  @Override
  public void close() {
    Process p = running;
    if (p != null) {
      p.destroyForcibly();
    }
    thread.shutdownNow();
    try {
      thread.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
