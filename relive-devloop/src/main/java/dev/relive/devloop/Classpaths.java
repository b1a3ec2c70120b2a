package dev.relive.devloop;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The application's dependency classpath: given, printed by a command, or resolved through Maven once per
 * pom content (cached under {@code .relive-dev/}).
 */
final class Classpaths {
  /** The dependency plugin, pinned, so resolution does not depend on the project's plugin versions. */
  static final String DEPENDENCY_PLUGIN = "org.apache.maven.plugins:maven-dependency-plugin:3.8.1:build-classpath";

  private Classpaths() {}

  /** Why the classpath could not be had, with the tool's last output. */
  static final class Unresolved extends Exception {
    private static final long serialVersionUID = 1L;

    Unresolved(String message) {
      super(message);
    }
  }

  /** Where the classpath comes from, for the watch list: the pom, or nothing. */
  static List<Path> inputs(Path dir, DevSettings s) {
    return s.classpath().isEmpty() && s.classpathCmd().isBlank() && Files.isRegularFile(dir.resolve("pom.xml"))
        ? List.of(dir.resolve("pom.xml")) : List.of();
  }

  /** The tests' classpath: {@code testClasspath}, else Maven's test scope, else the application's. */
  static List<Path> resolveTests(Path dir, DevSettings s, Path cache)
      throws Unresolved, IOException, InterruptedException {
    if (!s.testClasspath().isEmpty()) {
      List<Path> out = new ArrayList<>();
      for (String entry : s.testClasspath()) {
        out.addAll(expand(dir, entry));
      }
      return out;
    }
    Path pom = dir.resolve("pom.xml");
    if (!Files.isRegularFile(pom) || !s.classpath().isEmpty() || !s.classpathCmd().isBlank()) {
      return resolve(dir, s, cache);
    }
    return maven(dir, s, cache, pom, "test");
  }

  static List<Path> resolve(Path dir, DevSettings s, Path cache) throws Unresolved, IOException, InterruptedException {
    if (!s.classpath().isEmpty()) {
      List<Path> out = new ArrayList<>();
      for (String entry : s.classpath()) {
        out.addAll(expand(dir, entry));
      }
      return out;
    }
    if (!s.classpathCmd().isBlank()) {
      return split(run(dir, List.of("sh", "-c", s.classpathCmd()), "classpath-cmd"));
    }
    Path pom = dir.resolve("pom.xml");
    if (!Files.isRegularFile(pom)) {
      return List.of();
    }
    String text = Files.readString(pom, StandardCharsets.UTF_8);
    if (!text.contains("<dependency>") && !text.contains("<parent>")) {
      return List.of(); // nothing to resolve: no need for Maven at all
    }
    return maven(dir, s, cache, pom, "runtime");
  }

  /** The classpath of {@code scope} as Maven resolves it, cached per pom content. */
  private static List<Path> maven(Path dir, DevSettings s, Path cache, Path pom, String scope)
      throws Unresolved, IOException, InterruptedException {
    String prefix = scope.equals("runtime") ? "classpath-" : scope + "-classpath-";
    Path cached = cache.resolve(prefix + sha(Files.readAllBytes(pom)) + ".txt");
    if (!Files.isRegularFile(cached)) {
      Files.createDirectories(cache);
      Path out = cache.resolve(prefix + "tmp");
      List<String> command = new ArrayList<>(maven(dir, s));
      command.addAll(List.of("-q", "-B", "-f", pom.toString(), DEPENDENCY_PLUGIN, "-Dmdep.outputFile=" + out,
          "-Dmdep.includeScope=" + scope));
      run(dir, command, "Maven");
      Files.move(out, cached, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }
    return split(Files.readString(cached, StandardCharsets.UTF_8));
  }

  private static List<String> maven(Path dir, DevSettings s) {
    if (!s.maven().isBlank()) {
      return List.of("sh", "-c", s.maven() + " \"$@\"", "maven");
    }
    Path wrapper = dir.resolve("mvnw");
    return Files.isExecutable(wrapper) ? List.of(wrapper.toString()) : List.of("mvn");
  }

  private static String run(Path dir, List<String> command, String what)
      throws Unresolved, IOException, InterruptedException {
    Process p;
    try {
      p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
    } catch (IOException e) {
      throw new Unresolved(what + " could not be started (" + String.join(" ", command) + "): " + e.getMessage());
    }
    byte[] output = p.getInputStream().readAllBytes();
    if (!p.waitFor(10, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      throw new Unresolved(what + " did not finish within 10 minutes");
    }
    String text = new String(output, StandardCharsets.UTF_8);
    if (p.exitValue() != 0) {
      List<String> lines = text.lines().toList();
      throw new Unresolved(what + " failed (exit " + p.exitValue() + "):\n  "
          + String.join("\n  ", lines.subList(Math.max(0, lines.size() - 20), lines.size())));
    }
    return text;
  }

  private static List<Path> split(String text) {
    List<Path> out = new ArrayList<>();
    for (String e : text.trim().split(File.pathSeparator, -1)) {
      if (!e.isBlank()) {
        out.add(Path.of(e.trim()));
      }
    }
    return out;
  }

  /** An entry relative to the project; {@code lib/*.jar} is every jar in lib. */
  private static List<Path> expand(Path dir, String entry) throws IOException {
    Path p = dir.resolve(entry);
    String name = String.valueOf(p.getFileName());
    if (!name.contains("*")) {
      return List.of(p);
    }
    List<Path> out = new ArrayList<>();
    try (DirectoryStream<Path> s = Files.newDirectoryStream(p.getParent(), name)) {
      s.forEach(out::add);
    }
    out.sort(null);
    return out;
  }

  static String sha(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes), 0, 12);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
