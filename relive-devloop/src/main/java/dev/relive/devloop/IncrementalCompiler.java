package dev.relive.devloop;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.FileObject;
import javax.tools.ForwardingJavaFileManager;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.StandardLocation;
import javax.tools.ToolProvider;
import org.jspecify.annotations.Nullable;

/**
 * Compiles a project's sources in this JVM, again and again, with one warm compiler: each build goes to a
 * fresh directory (the last good one is never touched) holding the unchanged classes (hard links to the last
 * good build's) and the recompiled ones. What is recompiled: the changed sources, the sources that failed
 * last time (until they compile), and — when a recompiled class's API changed or a class disappeared — the
 * sources whose classes use it, again and again until the APIs settle. A signature change therefore
 * recompiles its callers, a changed constant its users, a deleted class the classes that still name it (and
 * they fail, loudly, rather than at run time).
 *
 * <p>Not thread-safe: one build at a time.
 */
final class IncrementalCompiler {
  private final JavaCompiler javac;
  private final StandardJavaFileManager files;
  private final List<String> options;
  private final Path emptySourcePath;

  /** The last good build: its directory, and for each source the classes it produced. */
  private @Nullable Path good;
  private final Map<Path, Set<String>> classesOf = new HashMap<>();
  private final Map<String, ClassInfo> infos = new HashMap<>();
  /** Sources whose last compile failed: compiled with every build until they compile. */
  private final Set<Path> failing = new TreeSet<>();

  /** A compile problem as javac reports it. */
  record Problem(Path file, long line, long column, String message, String sourceLine, boolean error) {
    /** javac's own form: {@code file:line: error: message}, the source line, a caret under the column. */
    String render(Path base) {
      String where = (file.startsWith(base) ? base.relativize(file) : file) + ":" + line + ": "
          + (error ? "error" : "warning") + ": " + message;
      if (sourceLine.isEmpty() || column < 1) {
        return where;
      }
      return where + "\n" + sourceLine + "\n" + " ".repeat((int) Math.max(0, column - 1)) + "^";
    }
  }

  /** What a build did: its directory and what it compiled, or its problems (and then no directory). */
  record Build(@Nullable Path output, List<Path> compiled, List<Problem> problems, long millis) {
    boolean ok() {
      return output != null;
    }
  }

  IncrementalCompiler(List<String> options, Path workDir) throws IOException {
    JavaCompiler compiler = ToolProvider.getSystemJavaCompiler();
    if (compiler == null) {
      throw new IllegalStateException("no Java compiler in this runtime: run relive dev on a JDK, not a JRE");
    }
    this.javac = compiler;
    this.files = compiler.getStandardFileManager(null, Locale.ROOT, StandardCharsets.UTF_8);
    this.options = List.copyOf(options);
    this.emptySourcePath = Files.createDirectories(workDir.resolve("no-sources"));
  }

  /** The last good build's directory, if any. */
  @Nullable Path good() {
    return good;
  }

  /** Sources that failed and will be compiled again with the next build. */
  Set<Path> failing() {
    return Set.copyOf(failing);
  }

  /**
   * Builds into {@code output} (which must not exist). With {@code full}, every source in {@code all} is
   * compiled; otherwise {@code changed} (added or modified), the failing ones and their dependents, with the
   * classes of {@code deleted} sources gone. Resources are copied by the caller into the same directory.
   */
  Build build(Set<Path> all, Set<Path> changed, Set<Path> deleted, boolean full, List<Path> classpath, Path output)
      throws IOException {
    long started = System.nanoTime();
    Path last = good;
    boolean fresh = full || last == null;
    Set<Path> toCompile = new LinkedHashSet<>();
    if (fresh) {
      toCompile.addAll(all);
    } else {
      changed.stream().filter(all::contains).forEach(toCompile::add);
      failing.stream().filter(all::contains).forEach(toCompile::add);
    }
    Set<Path> gone = new HashSet<>(deleted);
    if (fresh) {
      gone.addAll(classesOf.keySet());
    }
    // What the dependents are compared against: the classes as the last good build had them.
    Map<String, String> apiBefore = new HashMap<>();
    Set<Path> leaving = new HashSet<>(toCompile);
    leaving.addAll(gone);
    for (Path source : leaving) {
      for (String c : classesOf.getOrDefault(source, Set.of())) {
        ClassInfo info = infos.get(c);
        if (info != null) {
          apiBefore.put(c, info.api());
        }
      }
    }
    Files.createDirectories(output);
    if (!fresh) {
      linkAll(Objects.requireNonNull(last), output, classFiles(leaving));
    }
    Map<Path, Set<String>> newClassesOf = new HashMap<>(classesOf);
    Map<String, ClassInfo> newInfos = new HashMap<>(infos);
    for (Path source : leaving) {
      for (String c : newClassesOf.getOrDefault(source, Set.of())) {
        newInfos.remove(c);
      }
      newClassesOf.remove(source);
    }
    List<Path> compiled = new ArrayList<>();
    Set<String> constantHolders = new HashSet<>();
    apiBefore.keySet().forEach(c -> {
      ClassInfo info = infos.get(c);
      if (info != null && info.constants()) {
        constantHolders.add(c);
      }
    });
    Set<Path> round = toCompile;
    while (true) {
      Set<String> apiChanged = new HashSet<>();
      if (!round.isEmpty()) {
        Compiled result = compile(round, classpath, output);
        compiled.addAll(round);
        if (result.problems().stream().anyMatch(Problem::error)) {
          deleteTree(output);
          failing.addAll(round);
          failing.addAll(toCompile);
          return new Build(null, compiled, result.problems(), (System.nanoTime() - started) / 1_000_000);
        }
        for (Map.Entry<Path, Set<String>> e : result.classesOf().entrySet()) {
          newClassesOf.put(e.getKey(), e.getValue());
          for (String c : e.getValue()) {
            ClassInfo info = ClassInfo.read(Files.readAllBytes(output.resolve(c + ".class")));
            newInfos.put(c, info);
            if (info.constants()) {
              constantHolders.add(c);
            }
            String before = apiBefore.remove(c);
            if (before != null && !before.equals(info.api())) {
              apiChanged.add(c);
            }
          }
        }
      }
      apiChanged.addAll(apiBefore.keySet()); // classes that are no more
      apiBefore.clear();
      Set<Path> next = dependents(apiChanged, constantHolders, all, compiled, newClassesOf, newInfos);
      if (next.isEmpty()) {
        break;
      }
      for (Path source : next) {
        for (String c : newClassesOf.getOrDefault(source, Set.of())) {
          ClassInfo info = newInfos.remove(c);
          if (info != null) {
            apiBefore.put(c, info.api());
          }
          Files.deleteIfExists(output.resolve(c + ".class"));
        }
        newClassesOf.remove(source);
      }
      round = next;
    }
    classesOf.clear();
    classesOf.putAll(newClassesOf);
    infos.clear();
    infos.putAll(newInfos);
    failing.clear();
    good = output;
    return new Build(output, compiled, List.of(), (System.nanoTime() - started) / 1_000_000);
  }

  private record Compiled(Map<Path, Set<String>> classesOf, List<Problem> problems) {}

  /**
   * The sources not compiled in this build yet whose classes use a class whose API changed (or that is gone):
   * by their class files' references, and, for classes holding constants (inlined into their users without a
   * trace), by their source text naming the class.
   */
  private static Set<Path> dependents(Set<String> apiChanged, Set<String> constantHolders, Set<Path> all,
      List<Path> compiled, Map<Path, Set<String>> classesOf, Map<String, ClassInfo> infos) throws IOException {
    Set<Path> next = new LinkedHashSet<>();
    if (apiChanged.isEmpty()) {
      return next;
    }
    List<java.util.regex.Pattern> named = apiChanged.stream().filter(constantHolders::contains)
        .map(c -> java.util.regex.Pattern.compile("\\b" + java.util.regex.Pattern.quote(simpleName(c)) + "\\b"))
        .toList();
    for (Path source : all) {
      if (compiled.contains(source)) {
        continue;
      }
      boolean uses = false;
      for (String c : classesOf.getOrDefault(source, Set.of())) {
        ClassInfo info = infos.get(c);
        if (info != null && info.references().stream().anyMatch(apiChanged::contains)) {
          uses = true;
          break;
        }
      }
      if (!uses && !named.isEmpty() && Files.isRegularFile(source)) {
        String text = Files.readString(source, StandardCharsets.UTF_8);
        uses = named.stream().anyMatch(p -> p.matcher(text).find());
      }
      if (uses) {
        next.add(source);
      }
    }
    return next;
  }

  /** {@code com/example/Outer$Inner} → {@code Outer}: the name a source writes to use it. */
  private static String simpleName(String internalName) {
    String s = internalName.substring(internalName.lastIndexOf('/') + 1);
    int dollar = s.indexOf('$');
    return dollar > 0 ? s.substring(0, dollar) : s;
  }

  private Compiled compile(Set<Path> sources, List<Path> classpath, Path output) throws IOException {
    List<Path> cp = new ArrayList<>();
    cp.add(output);
    cp.addAll(classpath);
    files.setLocationFromPaths(StandardLocation.CLASS_OUTPUT, List.of(output));
    files.setLocationFromPaths(StandardLocation.CLASS_PATH, cp);
    files.setLocationFromPaths(StandardLocation.SOURCE_PATH, List.of(emptySourcePath));
    Map<Path, Set<String>> produced = new HashMap<>();
    ForwardingJavaFileManager<StandardJavaFileManager> recording = new ForwardingJavaFileManager<>(files) {
      @Override
      public JavaFileObject getJavaFileForOutput(Location location, String className, JavaFileObject.Kind kind,
          @Nullable FileObject sibling) throws IOException {
        if (sibling != null && kind == JavaFileObject.Kind.CLASS) {
          produced.computeIfAbsent(Path.of(sibling.toUri()), k -> new TreeSet<>()).add(className.replace('.', '/'));
        }
        return super.getJavaFileForOutput(location, className, kind, sibling);
      }
    };
    DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
    Iterable<? extends JavaFileObject> units = files.getJavaFileObjectsFromPaths(sources);
    List<String> opts = new ArrayList<>(options);
    opts.add("-implicit:none");
    javac.getTask(null, recording, diagnostics, opts, null, units).call();
    List<Problem> problems = new ArrayList<>();
    for (Diagnostic<? extends JavaFileObject> d : diagnostics.getDiagnostics()) {
      if (d.getKind() != Diagnostic.Kind.ERROR && d.getKind() != Diagnostic.Kind.WARNING
          && d.getKind() != Diagnostic.Kind.MANDATORY_WARNING) {
        continue;
      }
      JavaFileObject source = d.getSource();
      Path file = source == null ? Path.of("") : Path.of(URI.create(source.toUri().toString()));
      problems.add(new Problem(file, d.getLineNumber(), d.getColumnNumber(), d.getMessage(Locale.ROOT),
          sourceLine(file, d.getLineNumber()), d.getKind() == Diagnostic.Kind.ERROR));
    }
    return new Compiled(produced, problems);
  }

  private static String sourceLine(Path file, long line) {
    if (line < 1 || !Files.isRegularFile(file)) {
      return "";
    }
    try (Stream<String> lines = Files.lines(file, StandardCharsets.UTF_8)) {
      return lines.skip(line - 1).findFirst().orElse("");
    } catch (IOException | UncheckedIOException e) {
      return "";
    }
  }

  private Set<Path> classFiles(Set<Path> sources) {
    Set<Path> out = new HashSet<>();
    for (Path s : sources) {
      for (String c : classesOf.getOrDefault(s, Set.of())) {
        out.add(Path.of(c + ".class"));
      }
    }
    return out;
  }

  /** Hard-links every file of {@code from} into {@code to}, but the class files in {@code except} (relative). */
  static void linkAll(Path from, Path to, Set<Path> except) throws IOException {
    try (Stream<Path> walk = Files.walk(from)) {
      for (Path p : (Iterable<Path>) walk::iterator) {
        Path rel = from.relativize(p);
        Path target = to.resolve(rel.toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(target);
        } else if (!except.contains(rel)) {
          link(p, target);
        }
      }
    }
  }

  /** A hard link (the file is never written in place afterwards), or a copy where links are not possible. */
  static void link(Path existing, Path target) throws IOException {
    Files.createDirectories(Objects.requireNonNull(target.getParent()));
    try {
      Files.createLink(target, existing);
    } catch (FileAlreadyExistsException e) {
      Files.delete(target);
      Files.createLink(target, existing);
    } catch (UnsupportedOperationException | IOException e) {
      Files.copy(existing, target, StandardCopyOption.REPLACE_EXISTING);
    }
  }

  static void deleteTree(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      walk.sorted(Comparator.reverseOrder()).forEach(p -> {
        try {
          Files.deleteIfExists(p);
        } catch (IOException e) {
          // left for the next clean
        }
      });
    } catch (IOException | UncheckedIOException e) {
      // left for the next clean
    }
  }
}
