package dev.relive.devloop;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What gets recompiled, and that the result runs: callers of a changed signature, users of a constant. */
class IncrementalCompilerTest {
  @TempDir
  Path dir;

  private Path src;
  private IncrementalCompiler compiler;
  private int builds;

  @BeforeEach
  void setUp() throws IOException {
    src = Files.createDirectories(dir.resolve("src"));
    compiler = new IncrementalCompiler(List.of("-g", "-parameters"), dir.resolve("work"));
  }

  private Path write(String cls, String body) throws IOException {
    Path f = src.resolve(cls.replace('.', '/') + ".java");
    Files.createDirectories(f.getParent());
    Files.writeString(f, body);
    return f;
  }

  private Set<Path> all() throws IOException {
    try (Stream<Path> walk = Files.walk(src)) {
      return walk.filter(p -> p.toString().endsWith(".java")).collect(Collectors.toSet());
    }
  }

  private IncrementalCompiler.Build build(Set<Path> changed, Set<Path> deleted) throws IOException {
    return compiler.build(all(), changed, deleted, false, List.of(), dir.resolve("out-" + (++builds)));
  }

  private Object run(IncrementalCompiler.Build build, String cls) throws Exception {
    try (URLClassLoader loader = new URLClassLoader(new URL[] {build.output().toUri().toURL()}, null)) {
      return loader.loadClass(cls).getMethod("run").invoke(null);
    }
  }

  private static Set<String> names(List<Path> files) {
    return files.stream().map(p -> p.getFileName().toString()).collect(Collectors.toSet());
  }

  @Test
  void aBodyChange_recompilesOnlyItsFile_aSignatureChange_recompilesTheCallersToo() throws Exception {
    Path greeter = write("app.Greeter", "package app; public class Greeter { public static String hi(String n) { return \"hi \" + n; } }");
    write("app.Main", "package app; public class Main { public static String run() { return Greeter.hi(\"you\"); } }");
    write("app.Other", "package app; public class Other { public static String run() { return \"other\"; } }");
    IncrementalCompiler.Build first = build(Set.of(), Set.of());
    assertThat(first.ok()).isTrue();
    assertThat(run(first, "app.Main")).isEqualTo("hi you");

    write("app.Greeter", "package app; public class Greeter { public static String hi(String n) { return \"hello \" + n; } }");
    IncrementalCompiler.Build body = build(Set.of(greeter), Set.of());
    assertThat(names(body.compiled())).containsExactly("Greeter.java");
    assertThat(run(body, "app.Main")).isEqualTo("hello you");

    write("app.Greeter", "package app; public class Greeter { public static String hi(Object n) { return \"hey \" + n; } }");
    IncrementalCompiler.Build signature = build(Set.of(greeter), Set.of());
    assertThat(names(signature.compiled())).containsExactlyInAnyOrder("Greeter.java", "Main.java");
    assertThat(run(signature, "app.Main")).isEqualTo("hey you"); // no NoSuchMethodError
    assertThat(Files.exists(first.output())).as("earlier builds are left as they were").isTrue();
  }

  @Test
  void aChangedConstant_recompilesItsUsers_whoInlinedIt() throws Exception {
    Path limits = write("app.Limits", "package app; public class Limits { public static final int MAX = 3; }");
    write("app.Main", "package app; public class Main { public static Object run() { return Limits.MAX; } }");
    build(Set.of(), Set.of());
    write("app.Limits", "package app; public class Limits { public static final int MAX = 7; }");
    IncrementalCompiler.Build b = build(Set.of(limits), Set.of());
    assertThat(run(b, "app.Main")).isEqualTo(7);
  }

  @Test
  void aSyntaxError_failsWithFileLineAndCaret_keepsTheLastGood_andTheFileIsRetriedUntilItCompiles() throws Exception {
    Path main = write("app.Main", "package app; public class Main { public static String run() { return \"one\"; } }");
    Path other = write("app.Other", "package app; public class Other { }");
    IncrementalCompiler.Build good = build(Set.of(), Set.of());
    write("app.Main", "package app;\npublic class Main {\n  public static String run() { return \"two\" }\n}\n");
    IncrementalCompiler.Build bad = build(Set.of(main), Set.of());
    assertThat(bad.ok()).isFalse();
    IncrementalCompiler.Problem p = bad.problems().get(0);
    assertThat(p.line()).isEqualTo(3);
    assertThat(p.render(dir)).startsWith("src/app/Main.java:3: error: ';' expected")
        .contains("  public static String run() { return \"two\" }\n").endsWith("^");
    assertThat(compiler.good()).isEqualTo(good.output());
    // A change elsewhere does not hide the broken file: it is compiled again, and fails again.
    write("app.Other", "package app; public class Other { int x; }");
    IncrementalCompiler.Build still = build(Set.of(other), Set.of());
    assertThat(still.ok()).isFalse();
    assertThat(names(still.compiled())).contains("Main.java");
    write("app.Main", "package app; public class Main { public static String run() { return \"two\"; } }");
    IncrementalCompiler.Build fixed = build(Set.of(main), Set.of());
    assertThat(fixed.ok()).isTrue();
    assertThat(run(fixed, "app.Main")).isEqualTo("two");
  }

  @Test
  void addedAndDeletedClasses_andADeletedClassStillUsed_failsTheUser() throws Exception {
    Path helper = write("app.Helper", "package app; public class Helper { public static String h() { return \"h\"; } }");
    write("app.Main", "package app; public class Main { public static String run() { return Helper.h(); } }");
    build(Set.of(), Set.of());
    Path extra = write("app.Extra", "package app; public class Extra { public static String run() { return \"new\"; } }");
    IncrementalCompiler.Build added = build(Set.of(extra), Set.of());
    assertThat(run(added, "app.Extra")).isEqualTo("new");
    Files.delete(extra);
    IncrementalCompiler.Build removed = build(Set.of(), Set.of(extra));
    assertThat(Files.exists(removed.output().resolve("app/Extra.class"))).isFalse();
    Files.delete(helper);
    IncrementalCompiler.Build broken = build(Set.of(), Set.of(helper));
    assertThat(broken.ok()).isFalse();
    assertThat(broken.problems().get(0).render(dir)).startsWith("src/app/Main.java:1: error: cannot find symbol");
  }
}
