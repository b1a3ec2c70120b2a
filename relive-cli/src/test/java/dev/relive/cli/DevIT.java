package dev.relive.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code relive dev} end-to-end through the packaged jar, on projects the test writes: one warm runner goes
 * through edits, a syntax error, a signature change, added and deleted classes, a burst of saves and an app
 * that crashes on start; a Maven project gets a new dependency; the environment fence holds.
 */
class DevIT {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  @TempDir
  Path dir;

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  /** Saves a file as an editor does: written beside, renamed over. */
  private void save(String path, String content) throws IOException {
    Path file = dir.resolve(path);
    Files.createDirectories(file.getParent());
    Path tmp = file.resolveSibling("." + file.getFileName() + ".swp");
    Files.writeString(tmp, content);
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  private static String get(int port) {
    try {
      return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/")).timeout(Duration.ofSeconds(2))
          .build(), HttpResponse.BodyHandlers.ofString()).body();
    } catch (IOException e) {
      return "(down: " + e.getClass().getSimpleName() + ")";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "(interrupted)";
    }
  }

  private static JsonNode event(CliProcess dev) throws Exception {
    return JSON.readTree(dev.nextLine(WAIT));
  }

  private static String server(int port, String body) {
    return """
        package app;
        import com.sun.net.httpserver.HttpServer;
        import java.net.InetSocketAddress;
        public class Main {
          public static void main(String[] args) throws Exception {
            %s
            HttpServer s = HttpServer.create(new InetSocketAddress("127.0.0.1", %d), 0);
            s.createContext("/", ex -> {
              byte[] b = ("" + Greeting.text()).getBytes();
              ex.getResponseHeaders().add("X-Generation", System.getenv("RELIVE_DEV_GENERATION"));
              ex.sendResponseHeaders(200, b.length);
              ex.getResponseBody().write(b);
              ex.close();
            });
            s.start();
            Runtime.getRuntime().addShutdownHook(new Thread(() -> s.stop(0)));
          }
        }
        """.formatted(body, port);
  }

  @Test
  void oneRunner_editsErrorsSignaturesClassesBurstsAndACrash() throws Exception {
    int port = freePort();
    save("src/app/Main.java", server(port, ""));
    save("src/app/Greeting.java", "package app; public class Greeting { public static String text() { return \"one\"; } }");
    try (CliProcess dev = CliProcess.start(dir, "dev", "--json", "--src", "src", "--main", "app.Main",
        "--quiet-period", "50ms")) {
      JsonNode started = event(dev);
      assertThat(started.get("event").asText()).isEqualTo("started");
      assertThat(started.get("generation").asInt()).isEqualTo(1);
      await().atMost(WAIT).until(() -> get(port).equals("one"));

      // An edit of a method body: HotSwap, in the same JVM; the new code answers.
      save("src/app/Greeting.java", "package app; public class Greeting { public static String text() { return \"two\"; } }");
      JsonNode reloaded = event(dev);
      assertThat(reloaded.get("event").asText()).isEqualTo("reloaded");
      assertThat(reloaded.get("tier").asText()).isEqualTo("hotswap");
      assertThat(reloaded.get("pid").asLong()).as("no restart").isEqualTo(started.get("pid").asLong());
      assertThat(reloaded.get("reason").asText()).isEqualTo("method bodies only: 1 class(es) redefined");
      assertThat(reloaded.get("changed")).extracting(JsonNode::asText).containsExactly("src/app/Greeting.java");
      assertThat(reloaded.get("ms").has("swap")).isTrue();
      await().atMost(WAIT).until(() -> get(port).equals("two"));

      // A syntax error: reported with file and line; the last good build keeps serving.
      save("src/app/Greeting.java", "package app;\npublic class Greeting {\n  public static String text() { return \"x\" }\n}\n");
      JsonNode failed = event(dev);
      assertThat(failed.get("event").asText()).isEqualTo("build-failed");
      assertThat(failed.get("serving").asInt()).isEqualTo(2);
      assertThat(failed.at("/problems/0/file").asText()).isEqualTo("src/app/Greeting.java");
      assertThat(failed.at("/problems/0/line").asInt()).isEqualTo(3);
      assertThat(failed.at("/problems/0/message").asText()).isEqualTo("';' expected");
      assertThat(get(port)).isEqualTo("two");
      assertThat(dev.stderr()).doesNotContain("[gen 3");

      // Fixed, with a changed signature (String -> Object) that Main uses: both recompile, no NoSuchMethodError;
      // a structural change, so the class-loader tier (the app stops its server in a shutdown hook): the same
      // JVM, main() run again in a fresh loader.
      save("src/app/Greeting.java", "package app; public class Greeting { public static Object text() { return \"three\"; } }");
      JsonNode fixed = event(dev);
      assertThat(fixed.get("event").asText()).isEqualTo("reloaded");
      assertThat(fixed.get("tier").asText()).isEqualTo("classloader");
      assertThat(fixed.get("reason").asText()).startsWith("app.").endsWith("the application restarted in a fresh class loader");
      assertThat(fixed.get("pid").asLong()).isEqualTo(started.get("pid").asLong());
      await().atMost(WAIT).until(() -> get(port).equals("three"));
      // A body edit after it is hot-swapped into the new loader's classes.
      save("src/app/Greeting.java", "package app; public class Greeting { public static Object text() { return \"three!\"; } }");
      assertThat(event(dev).get("tier").asText()).isEqualTo("hotswap");
      await().atMost(WAIT).until(() -> get(port).equals("three!"));

      // A new class, used; then deleted again with its use.
      save("src/app/Extra.java", "package app; public class Extra { public static String more() { return \"+extra\"; } }");
      save("src/app/Greeting.java", "package app; public class Greeting { public static Object text() { return \"four\" + Extra.more(); } }");
      await().atMost(WAIT).until(() -> get(port).equals("four+extra"));
      Files.delete(dir.resolve("src/app/Extra.java"));
      save("src/app/Greeting.java", "package app; public class Greeting { public static Object text() { return \"five\"; } }");
      await().atMost(WAIT).until(() -> get(port).equals("five"));
      List<String> lines = new ArrayList<>(dev.unread());
      assertThat(lines).noneMatch(l -> l.contains("build-failed")).allMatch(l -> l.contains("\"reloaded\""));

      // A burst of 50 saves is one or two builds (hot-swapped: counted from the events).
      for (int i = 0; i < 50; i++) {
        save("src/app/Greeting.java", "package app; public class Greeting { public static Object text() { return \"burst" + i + "\"; } }");
      }
      await().atMost(WAIT).until(() -> get(port).equals("burst49"));
      // A marker after the burst (a new class, in its own file): the builds before it are the burst's.
      save("src/app/Marker.java", "package app; public class Marker {}");
      long builds = 0;
      for (JsonNode e = event(dev); !e.path("changed").toString().contains("Marker.java"); e = event(dev)) {
        builds += e.get("event").asText().equals("reloaded") ? 1 : 0;
      }
      assertThat(builds).as("builds for 50 saves").isBetween(1L, 2L);

      // An app that crashes on start is reported, and the runner waits for the next change.
      save("src/app/Main.java", server(port, "if (true) throw new IllegalStateException(\"boom\");"));
      JsonNode crashed = null;
      while (crashed == null) {
        JsonNode e = event(dev);
        if (e.get("event").asText().equals("app-exited")) {
          crashed = e;
        }
      }
      assertThat(crashed.get("code").asInt()).isEqualTo(1);
      assertThat(dev.stderr()).contains("IllegalStateException: boom");
      save("src/app/Main.java", server(port, ""));
      assertThat(event(dev).get("event").asText()).as("the next event is the next build, not a restart loop")
          .isEqualTo("reloaded");
      await().atMost(WAIT).until(() -> get(port).equals("burst49"));
      assertThat(dev.terminate()).isZero();
    }
    await().atMost(WAIT).until(() -> get(port).startsWith("(down"));
  }

  /** An app that serves on the socket relive dev holds (fd 0), and finishes the request in hand on SIGTERM. */
  private static final String HELD_PORT_APP = """
      package app;
      import java.nio.ByteBuffer;
      import java.nio.channels.ServerSocketChannel;
      import java.nio.channels.SocketChannel;
      import java.util.concurrent.CountDownLatch;
      import java.util.concurrent.TimeUnit;
      public class Main {
        public static void main(String[] a) throws Exception {
          ServerSocketChannel server = (ServerSocketChannel) System.inheritedChannel();
          CountDownLatch done = new CountDownLatch(1);
          Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try { server.close(); done.await(5, TimeUnit.SECONDS); } catch (Exception e) { }
          }));
          while (true) {
            SocketChannel c;
            try { c = server.accept(); } catch (java.io.IOException closed) { done.countDown(); return; }
            try (c) {
              ByteBuffer in = ByteBuffer.allocate(4096);
              while (!new String(in.array(), 0, in.position()).contains("\\r\\n\\r\\n") && c.read(in) > 0) { }
              byte[] body = String.valueOf(Greeting.text()).getBytes();
              c.write(ByteBuffer.wrap(("HTTP/1.0 200 OK\\r\\nContent-Length: " + body.length + "\\r\\n\\r\\n").getBytes()));
              c.write(ByteBuffer.wrap(body));
            }
          }
        }
      }
      """;

  @Test
  void theHeldPort_answersEveryRequestSentDuringRestarts() throws Exception {
    int port = freePort();
    save("src/app/Main.java", HELD_PORT_APP);
    save("src/app/Greeting.java", "package app; public class Greeting { public static String text() { return \"v0\"; } }");
    try (CliProcess dev = CliProcess.start(dir, "dev", "--json", "--src", "src", "--main", "app.Main",
        "--quiet-period", "50ms", "--listen", "127.0.0.1:" + port)) {
      assertThat(event(dev).get("event").asText()).as(dev.stderr()).isEqualTo("started");
      await().atMost(WAIT).until(() -> get(port).equals("v0"));
      List<String> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
      java.util.concurrent.atomic.AtomicLong answered = new java.util.concurrent.atomic.AtomicLong();
      java.util.concurrent.atomic.AtomicBoolean running = new java.util.concurrent.atomic.AtomicBoolean(true);
      Thread load = new Thread(() -> {
        while (running.get()) {
          String body = get(port);
          if (body.startsWith("(down")) {
            failures.add(body);
          } else {
            answered.incrementAndGet();
          }
        }
      });
      load.start();
      try {
        for (int i = 1; i <= 3; i++) {
          // A new method each time: a structural change, so a restart (a new JVM) every time.
          save("src/app/Greeting.java", "package app; public class Greeting { public static String text() { return \"v" + i
              + "\"; } static void m" + i + "() {} }");
          JsonNode e = event(dev);
          assertThat(e.get("tier").asText()).isEqualTo("restart");
          int want = i;
          await().atMost(WAIT).until(() -> get(port).equals("v" + want));
        }
      } finally {
        running.set(false);
        load.join(10_000);
      }
      assertThat(failures).as("refused or cut requests during restarts").isEmpty();
      assertThat(answered.get()).isPositive();
      assertThat(dev.terminate()).isZero();
    }
  }

  @Test
  void aMavenProject_resolvesItsClasspath_andAPomChangeAddsADependency() throws Exception {
    int port = freePort();
    String pom = """
        <project xmlns="http://maven.apache.org/POM/4.0.0">
          <modelVersion>4.0.0</modelVersion>
          <groupId>test</groupId><artifactId>app</artifactId><version>1</version>
          <properties><relive.main>app.Main</relive.main></properties>
          <dependencies>
            <dependency><groupId>org.jspecify</groupId><artifactId>jspecify</artifactId><version>1.0.0</version></dependency>
            %s
          </dependencies>
        </project>
        """;
    save("pom.xml", pom.formatted(""));
    save("src/main/java/app/Main.java", server(port, ""));
    save("src/main/java/app/Greeting.java",
        "package app; public class Greeting { public static String text() { return \"plain\"; } }");
    String maven = Path.of("..", "mvnw").toAbsolutePath().normalize() + " -o";
    try (CliProcess dev = CliProcess.start(dir, "dev", "--json", "--maven", maven)) {
      assertThat(event(dev).get("event").asText()).as(dev.stderr()).isEqualTo("started");
      await().atMost(WAIT).until(() -> get(port).equals("plain"));
      save("pom.xml", pom.formatted("<dependency><groupId>org.snakeyaml</groupId><artifactId>snakeyaml-engine</artifactId>"
          + "<version>3.2</version></dependency>"));
      save("src/main/java/app/Greeting.java", "package app; public class Greeting { public static String text() { return "
          + "org.snakeyaml.engine.v2.common.SpecVersion.class.getSimpleName(); } }");
      JsonNode e = event(dev);
      while (!e.get("event").asText().equals("reloaded") || !e.get("changed").toString().contains("pom.xml")) {
        e = event(dev);
      }
      await().atMost(WAIT).until(() -> get(port).equals("SpecVersion"));
      assertThat(Files.list(dir.resolve(".relive-dev")).map(p -> p.getFileName().toString())
          .filter(n -> n.startsWith("classpath-")).count()).isEqualTo(2);
      assertThat(dev.terminate()).isZero();
    }
  }

  @Test
  void affectedTests_runTheTestsThatReachTheChangedClass_andNotTheOthers() throws Exception {
    int port = freePort();
    save("pom.xml", """
        <project xmlns="http://maven.apache.org/POM/4.0.0">
          <modelVersion>4.0.0</modelVersion>
          <groupId>test</groupId><artifactId>app</artifactId><version>1</version>
          <properties><relive.main>app.Main</relive.main></properties>
          <dependencies>
            <dependency><groupId>org.junit.jupiter</groupId><artifactId>junit-jupiter</artifactId><version>5.11.4</version>
              <scope>test</scope></dependency>
          </dependencies>
        </project>
        """);
    save("src/main/java/app/Main.java", server(port, ""));
    save("src/main/java/app/Greeting.java",
        "package app; public class Greeting { public static String text() { return \"hello\"; } }");
    save("src/main/java/app/Other.java", "package app; public class Other { public static int two() { return 2; } }");
    save("src/test/java/app/GreetingTest.java", """
        package app;
        import org.junit.jupiter.api.Test;
        import static org.junit.jupiter.api.Assertions.assertEquals;
        class GreetingTest {
          @Test void greets() { assertEquals("hello", Greeting.text()); }
          @Test void isShort() { assertEquals(true, Greeting.text().length() < 10); }
        }
        """);
    save("src/test/java/app/OtherTest.java", """
        package app;
        import org.junit.jupiter.api.Test;
        import static org.junit.jupiter.api.Assertions.assertEquals;
        class OtherTest {
          @Test void two() { assertEquals(2, Other.two()); }
        }
        """);
    String maven = Path.of("..", "mvnw").toAbsolutePath().normalize() + " -o";
    try (CliProcess dev = CliProcess.start(dir, "dev", "--json", "--test", "--maven", maven, "--quiet-period", "50ms")) {
      assertThat(event(dev).get("event").asText()).as(dev.stderr()).isEqualTo("started");
      await().atMost(WAIT).until(() -> get(port).equals("hello"));

      save("src/main/java/app/Greeting.java",
          "package app; public class Greeting { public static String text() { return \"bye\"; } }");
      JsonNode tests = next(dev, "tests");
      assertThat(tests.get("classes")).as(tests.toString()).extracting(JsonNode::asText).containsExactly("app.GreetingTest");
      assertThat(tests.get("passed").asInt()).isEqualTo(1);
      assertThat(tests.get("failed").asInt()).isEqualTo(1);
      assertThat(tests.get("failures").get(0).asText()).startsWith("GreetingTest.greets()").contains("bye");
      assertThat(get(port)).as("a failing test does not hold up the reload").isEqualTo("bye");

      save("src/main/java/app/Other.java", "package app; public class Other { public static int two() { return Integer.parseInt(\"2\"); } }");
      tests = next(dev, "tests");
      assertThat(tests.get("classes")).extracting(JsonNode::asText).containsExactly("app.OtherTest");
      assertThat(tests.get("passed").asInt()).isEqualTo(1);
      assertThat(tests.get("failed").asInt()).isZero();
      assertThat(dev.terminate()).isZero();
    }
  }

  /** The next event called {@code name}, skipping others. */
  private static JsonNode next(CliProcess dev, String name) throws Exception {
    for (JsonNode e = event(dev); ; e = event(dev)) {
      if (e.get("event").asText().equals(name)) {
        return e;
      }
    }
  }

  @Test
  void theEnvironmentFence_refusesStagingAndProduction() throws Exception {
    save("src/app/Main.java", "package app; public class Main { public static void main(String[] a) {} }");
    for (String env : List.of("production", "Staging", "prod")) {
      try (CliProcess dev = CliProcess.start(dir, Map.of("RELIVE_ENV", env), "dev", "--src", "src", "--main",
          "app.Main")) {
        assertThat(dev.terminateOrExit()).isEqualTo(2);
        assertThat(dev.stderr()).contains("RELIVE_ENV=" + env + " says this is not a development environment");
      }
    }
    Files.writeString(dir.resolve("relive-dev.toml"), "fence = [\"APP_ENV\"]\n");
    try (CliProcess dev = CliProcess.start(dir, Map.of("APP_ENV", "production"), "dev", "--src", "src", "--main",
        "app.Main")) {
      assertThat(dev.terminateOrExit()).isEqualTo(2);
      assertThat(dev.stderr()).contains("APP_ENV=production");
    }
  }
}
