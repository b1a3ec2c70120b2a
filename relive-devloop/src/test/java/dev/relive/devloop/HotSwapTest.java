package dev.relive.devloop;

import static org.assertj.core.api.Assertions.assertThat;

import dev.relive.devloop.agent.HotSwapAgent;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which builds HotSwap takes, and the agent's fence. */
class HotSwapTest {
  @TempDir
  Path dir;

  /** Compiles {@code sources} (file name → text) into a new directory. */
  private Path build(String name, Map<String, String> sources) throws IOException {
    Path src = Files.createDirectories(dir.resolve(name + "-src"));
    Path out = Files.createDirectories(dir.resolve(name));
    List<String> args = new java.util.ArrayList<>(List.of("-d", out.toString()));
    for (var e : sources.entrySet()) {
      Path f = src.resolve(e.getKey());
      Files.writeString(f, e.getValue());
      args.add(f.toString());
    }
    assertThat(ToolProvider.getSystemJavaCompiler().run(null, null, null, args.toArray(String[]::new))).isZero();
    return out;
  }

  private static final String MAIN = "package p; public class Main { public static void main(String[] a) {} }";

  @Test
  void aBodyChange_isRedefined_aNewClassLoadsLater() throws Exception {
    Path a = build("a", Map.of("Main.java", MAIN, "G.java", "package p; public class G { static String t() { return \"a\"; } }"));
    Path b = build("b", Map.of("Main.java", MAIN, "G.java", "package p; public class G { static String t() { return N.n(); } }",
        "N.java", "package p; class N { static String n() { return \"b\"; } }"));
    HotSwap.Plan plan = HotSwap.plan(a, b, "p.Main");
    assertThat(plan.possible()).isTrue();
    assertThat(plan.redefine()).containsOnlyKeys("p.G");
    assertThat(plan.added()).containsExactly("p.N");
    assertThat(plan.notes()).isEmpty();
  }

  @Test
  void aStructuralChange_aDeletedClass_andTheMainClass_goToARestart_sayingWhy() throws Exception {
    Path a = build("a", Map.of("Main.java", MAIN, "G.java", "package p; public class G { static String t() { return \"a\"; } }"));
    Path method = build("m", Map.of("Main.java", MAIN,
        "G.java", "package p; public class G { static String t() { return u(); } static String u() { return \"\"; } }"));
    assertThat(HotSwap.plan(a, method, "p.Main").refusal())
        .isEqualTo("p.G changed its structure (new or changed: method 8 u()Ljava/lang/String;)");
    Path field = build("f", Map.of("Main.java", MAIN, "G.java", "package p; public class G { int x; static String t() { return \"a\"; } }"));
    assertThat(HotSwap.plan(a, field, "p.Main").refusal()).startsWith("p.G changed its structure (new or changed: field");
    Path gone = build("g", Map.of("Main.java", MAIN));
    assertThat(HotSwap.plan(a, gone, "p.Main").refusal()).isEqualTo("p.G was deleted");
    Path main = build("x", Map.of("Main.java", MAIN.replace("{}", "{ System.out.println(); }"),
        "G.java", "package p; public class G { static String t() { return \"a\"; } }"));
    assertThat(HotSwap.plan(a, main, "p.Main").refusal()).isEqualTo("the main class p.Main changed (main() runs only at start)");
  }

  @Test
  void aChangedStaticInitializer_isRedefinedWithANote() throws Exception {
    Path a = build("a", Map.of("Main.java", MAIN, "G.java", "package p; public class G { static String s = String.valueOf(1); }"));
    Path b = build("b", Map.of("Main.java", MAIN, "G.java", "package p; public class G { static String s = String.valueOf(2); }"));
    HotSwap.Plan plan = HotSwap.plan(a, b, "p.Main");
    assertThat(plan.redefine()).containsOnlyKeys("p.G");
    assertThat(plan.notes()).containsExactly("the static initializer of p.G changed: it does not run again (restart to run it)");
  }

  @Test
  void theAgent_isInertWithoutTheLaunchSecret_andHeardOnlyWithIt() throws Exception {
    Path app = build("app", Map.of("Probe.java", """
        public class Probe {
          public static void main(String[] a) throws Exception {
            Thread.sleep(300);
            boolean agent = Thread.getAllStackTraces().keySet().stream().anyMatch(t -> t.getName().equals("relive-dev-agent"));
            System.out.println(agent ? "agent running" : "no agent");
          }
        }
        """));
    try (HotSwap hotswap = new HotSwap(Files.createDirectories(dir.resolve("work")))) {
      String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
      List<String> command = new java.util.ArrayList<>(List.of(java));
      command.addAll(hotswap.jvmOptions());
      command.addAll(List.of("-cp", app.toString(), "Probe"));

      // A stray -javaagent (no secret): one line on stderr, no thread, no connection.
      ProcessBuilder stray = new ProcessBuilder(command);
      stray.environment().remove(HotSwapAgent.SECRET);
      assertThat(run(stray)).contains("relive dev agent: not started by relive dev", "no agent");

      // The wrong secret: the runner hangs up on it, and the agent stops.
      ProcessBuilder wrong = new ProcessBuilder(command);
      wrong.environment().put(HotSwapAgent.SECRET, "guess");
      wrong.environment().put("RELIVE_DEV_GENERATION", "7");
      assertThat(run(wrong)).contains("no agent");
      assertThat(hotswap.connected(7)).isFalse();

      // The launch's secret: heard.
      ProcessBuilder right = new ProcessBuilder(command);
      right.environment().putAll(hotswap.environment());
      right.environment().put("RELIVE_DEV_GENERATION", "8");
      Process p = right.redirectErrorStream(true).start();
      try {
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> hotswap.connected(8));
      } finally {
        p.waitFor(20, TimeUnit.SECONDS);
        p.destroyForcibly();
      }
    }
  }

  private static String run(ProcessBuilder pb) throws Exception {
    Process p = pb.redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    return out;
  }
}
