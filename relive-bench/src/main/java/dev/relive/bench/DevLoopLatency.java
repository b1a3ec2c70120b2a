package dev.relive.bench;

import dev.relive.devloop.DevEvents;
import dev.relive.devloop.DevRunner;
import dev.relive.devloop.DevSettings;
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
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * Edit → new code answering, for {@code relive dev} and the alternatives, on the same generated apps in one
 * run (not a test): a toy JDK {@code HttpServer} app, and a Spring Boot web app (spring-boot-starter-web).
 * Each edit changes the string a method returns; the time runs from the save to the first response with the
 * new string. Compared: relive dev (in this JVM, the app in a child JVM); {@code mvn compile} then a JVM
 * restart (what Micronaut's and Helidon's runners do); for Spring Boot, DevTools restarting after
 * {@code mvn compile}.
 *
 * <pre>java -cp relive-bench/target/benchmarks.jar dev.relive.bench.DevLoopLatency MVNW [edits]</pre>
 */
public final class DevLoopLatency {
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
  private static final String BOOT = "3.5.7";

  private DevLoopLatency() {}

  public static void main(String[] args) throws Exception {
    Path mvnw = Path.of(args[0]).toAbsolutePath();
    int edits = args.length > 1 ? Integer.parseInt(args[1]) : 20;
    Path root = Files.createTempDirectory("relive-devloop-bench");
    System.out.printf("%d edits per row; JDK %s; 2 cores%n%n", edits, System.getProperty("java.version"));
    System.out.println("| app | runner | median ms | p90 ms | detect | compile | restart + first response |");
    System.out.println("|---|---|---:|---:|---:|---:|---:|");
    boolean peers = !(args.length > 2 && args[2].equals("relive-only"));
    Path toy = toyApp(root.resolve("toy"), freePort());
    resolve(mvnw, toy);
    for (Kind kind : Kind.values()) {
      row("toy HttpServer", "relive dev, " + kind.label, relive(toy, edits, kind));
    }
    if (peers) {
      row("toy HttpServer", "mvn compile + JVM restart", mvnRestart(mvnw, toy, edits, false));
    }
    Path boot = bootApp(root.resolve("boot"), freePort());
    resolve(mvnw, boot);
    for (Kind kind : Kind.values()) {
      row("Spring Boot web", "relive dev, " + kind.label, relive(boot, edits, kind));
    }
    if (peers) {
      row("Spring Boot web", "mvn compile + JVM restart", mvnRestart(mvnw, boot, edits, false));
      row("Spring Boot web", "mvn compile + DevTools restart", mvnRestart(mvnw, boot, edits, true));
    }
    System.exit(0);
  }

  /** What an edit changes, and so which tier relive dev takes. */
  enum Kind {
    RESTART_ONLY("method body, --no-hotswap (restart)"), // first: its restarts make the class archive
    NEW_METHOD("new method (class-loader restart)"),
    BODY("method body (HotSwap)"),
    NEW_CLASS("new class used by a body (HotSwap)");

    final String label;

    Kind(String label) {
      this.label = label;
    }
  }

  /** One measured edit: total, and its parts (detect, compile, swap or restart + first response). */
  record Sample(long total, long detect, long compile, long rest) {}

  private static List<Sample> relive(Path app, int edits, Kind kind) throws Exception {
    edit(app, "v0", Kind.BODY, 0);
    List<Map<String, Long>> reloads = new CopyOnWriteArrayList<>();
    DevEvents events = new DevEvents() {
      @Override
      public void started(int generation, long pid, Map<String, Long> ms) {}

      @Override
      public void reloaded(int generation, long pid, String tier, String reason, List<String> changed,
          Map<String, Long> ms) {
        reloads.add(ms);
      }

      @Override
      public void buildFailed(int generation, List<Problem> problems, int serving) {
        System.err.println("build failed: " + problems);
      }

      @Override
      public void appExited(int generation, int code) {}

      @Override
      public void output(String line) {}

      @Override
      public void info(String message) {}
    };
    DevSettings settings = DevSettings.load(app).with(Map.of("maven", app.resolve("mvnw-offline").toString(),
        "hotswap", kind != Kind.RESTART_ONLY));
    DevRunner runner = new DevRunner(app, settings, events);
    Thread thread = new Thread(() -> {
      try {
        runner.run();
      } catch (Exception e) {
        e.printStackTrace();
      }
    });
    thread.start();
    int port = port(app);
    awaitBody(port, "v0", 120_000);
    List<Sample> samples = new ArrayList<>();
    for (int i = 1; i <= edits + 3; i++) {
      if (i == 3 && kind == Kind.RESTART_ONLY) { // after the first restart the runner dumps its class archive: let it
        await(() -> {
          try (var list = Files.list(app.resolve(".relive-dev"))) {
            return list.anyMatch(p -> p.getFileName().toString().endsWith(".jsa"));
          } catch (IOException e) {
            return false;
          }
        });
      }
      long start = System.nanoTime();
      edit(app, "v" + i, kind, i);
      awaitBody(port, "v" + i, 120_000);
      long total = millis(start);
      int n = i;
      await(() -> reloads.size() >= n);
      Map<String, Long> ms = reloads.get(i - 1);
      if (i > 3) { // three warm-ups, and the class archive in use
        samples.add(new Sample(total, ms.get("detect"), ms.get("compile"), total - ms.get("detect") - ms.get("compile")));
      }
    }
    runner.close();
    thread.join(30_000);
    return samples;
  }

  private static List<Sample> mvnRestart(Path mvnw, Path app, int edits, boolean devtools) throws Exception {
    int port = port(app);
    List<String> cp = new ArrayList<>(List.of(app.resolve("target/classes").toString()));
    cp.addAll(Arrays.asList(Files.readString(app.resolve(devtools ? "cp-devtools.txt" : "cp.txt")).trim().split(":")));
    List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-cp", String.join(":", cp), main(app));
    edit(app, "m0");
    run(app, mvnw.toString(), "-q", "-o", "compile");
    Process process = new ProcessBuilder(command).directory(app.toFile()).redirectErrorStream(true)
        .redirectOutput(app.resolve("app.log").toFile()).start();
    awaitBody(port, "m0", 120_000);
    List<Sample> samples = new ArrayList<>();
    try {
      for (int i = 1; i <= edits + 2; i++) {
        long start = System.nanoTime();
        edit(app, "m" + i);
        run(app, mvnw.toString(), "-q", "-o", "compile");
        long compiled = millis(start);
        if (!devtools) {
          process.destroy();
          process.waitFor(30, TimeUnit.SECONDS);
          process = new ProcessBuilder(command).directory(app.toFile()).redirectErrorStream(true)
              .redirectOutput(app.resolve("app.log").toFile()).start();
        }
        awaitBody(port, "m" + i, 120_000);
        long total = millis(start);
        if (i > 2) {
          samples.add(new Sample(total, 0, compiled, total - compiled));
        }
      }
    } finally {
      process.destroy();
      process.waitFor(30, TimeUnit.SECONDS);
    }
    return samples;
  }

  // ---- the apps ----------------------------------------------------------------------------------------

  private static Path toyApp(Path dir, int port) throws IOException {
    write(dir.resolve("pom.xml"), """
        <project xmlns="http://maven.apache.org/POM/4.0.0">
          <modelVersion>4.0.0</modelVersion>
          <groupId>bench</groupId><artifactId>toy</artifactId><version>1</version>
          <properties><maven.compiler.release>17</maven.compiler.release><relive.main>app.Main</relive.main>
            <bench.port>%d</bench.port></properties>
          <dependencies><dependency><groupId>org.jspecify</groupId><artifactId>jspecify</artifactId><version>1.0.0</version></dependency></dependencies>
        </project>
        """.formatted(port));
    write(dir.resolve("src/main/java/app/Main.java"), """
        package app;
        import com.sun.net.httpserver.HttpServer;
        import java.net.InetSocketAddress;
        public class Main {
          public static void main(String[] args) throws Exception {
            HttpServer s = HttpServer.create(new InetSocketAddress("127.0.0.1", %d), 0);
            s.createContext("/", ex -> {
              byte[] b = Greeting.text().getBytes();
              ex.sendResponseHeaders(200, b.length);
              ex.getResponseBody().write(b);
              ex.close();
            });
            s.start();
            Runtime.getRuntime().addShutdownHook(new Thread(() -> s.stop(0)));
          }
        }
        """.formatted(port));
    edit(dir, "v0");
    return dir;
  }

  private static Path bootApp(Path dir, int port) throws IOException {
    write(dir.resolve("pom.xml"), """
        <project xmlns="http://maven.apache.org/POM/4.0.0">
          <modelVersion>4.0.0</modelVersion>
          <parent><groupId>org.springframework.boot</groupId><artifactId>spring-boot-starter-parent</artifactId>
            <version>%s</version><relativePath/></parent>
          <groupId>bench</groupId><artifactId>boot</artifactId><version>1</version>
          <properties><java.version>17</java.version><relive.main>app.Main</relive.main><bench.port>%d</bench.port></properties>
          <dependencies>
            <dependency><groupId>org.springframework.boot</groupId><artifactId>spring-boot-starter-web</artifactId></dependency>
          </dependencies>
        </project>
        """.formatted(BOOT, port));
    write(dir.resolve("src/main/java/app/Main.java"), """
        package app;
        import org.springframework.boot.SpringApplication;
        import org.springframework.boot.autoconfigure.SpringBootApplication;
        import org.springframework.web.bind.annotation.GetMapping;
        import org.springframework.web.bind.annotation.RestController;
        @SpringBootApplication
        @RestController
        public class Main {
          @GetMapping("/")
          public String hello() {
            return Greeting.text();
          }
          public static void main(String[] args) {
            System.setProperty("server.port", "%d");
            System.setProperty("server.address", "127.0.0.1");
            SpringApplication.run(Main.class, args);
          }
        }
        """.formatted(port));
    edit(dir, "v0");
    return dir;
  }

  /** Resolves the classpath once (with and without DevTools) so every runner starts warm and offline. */
  private static void resolve(Path mvnw, Path app) throws Exception {
    run(app, mvnw.toString(), "-q", "compile", "org.apache.maven.plugins:maven-dependency-plugin:3.8.1:build-classpath",
        "-Dmdep.outputFile=cp.txt", "-Dmdep.includeScope=runtime");
    if (Files.readString(app.resolve("pom.xml")).contains("spring-boot")) {
      Path pom = app.resolve("pom.xml");
      String original = Files.readString(pom);
      Files.writeString(pom, original.replace("</dependencies>", "<dependency><groupId>org.springframework.boot</groupId>"
          + "<artifactId>spring-boot-devtools</artifactId></dependency></dependencies>"));
      run(app, mvnw.toString(), "-q", "org.apache.maven.plugins:maven-dependency-plugin:3.8.1:build-classpath",
          "-Dmdep.outputFile=cp-devtools.txt", "-Dmdep.includeScope=runtime");
      Files.writeString(pom, original);
    }
    write(app.resolve("mvnw-offline"), "#!/bin/sh\nexec " + mvnw + " -o \"$@\"\n");
    app.resolve("mvnw-offline").toFile().setExecutable(true);
  }

  private static void edit(Path app, String text) throws IOException {
    edit(app, text, Kind.BODY, 0);
  }

  /** Saves Greeting (a rename over it, as editors do) so that it answers {@code text}, changing what {@code kind} says. */
  private static void edit(Path app, String text, Kind kind, int n) throws IOException {
    Path file = app.resolve("src/main/java/app/Greeting.java");
    Files.createDirectories(file.getParent());
    String body = "return \"" + text + "\";";
    String more = "";
    if (kind == Kind.NEW_CLASS) {
      write(app.resolve("src/main/java/app/Part" + n + ".java"),
          "package app;\nclass Part" + n + " {\n  static String text() {\n    return \"" + text + "\";\n  }\n}\n");
      body = "return Part" + n + ".text();";
    } else if (kind == Kind.NEW_METHOD) {
      more = "  static void m" + n + "() {}\n";
    }
    Path tmp = file.resolveSibling(".Greeting.java.tmp");
    Files.writeString(tmp, "package app;\npublic class Greeting {\n  public static String text() {\n    " + body
        + "\n  }\n" + more + "}\n");
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  private static String main(Path app) {
    return "app.Main";
  }

  private static int port(Path app) throws IOException {
    String pom = Files.readString(app.resolve("pom.xml"));
    int at = pom.indexOf("<bench.port>") + "<bench.port>".length();
    return Integer.parseInt(pom.substring(at, pom.indexOf('<', at)));
  }

  private static void write(Path file, String text) throws IOException {
    Files.createDirectories(file.getParent());
    Files.writeString(file, text);
  }

  private static void run(Path dir, String... command) throws Exception {
    Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    if (!p.waitFor(10, TimeUnit.MINUTES) || p.exitValue() != 0) {
      throw new IllegalStateException(String.join(" ", command) + " failed:\n" + out);
    }
  }

  private static void awaitBody(int port, String body, long timeoutMillis) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
    while (System.nanoTime() < deadline) {
      try {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/"))
            .timeout(Duration.ofSeconds(1)).build(), HttpResponse.BodyHandlers.ofString());
        if (r.body().equals(body)) {
          return;
        }
      } catch (IOException e) {
        // restarting
      }
      Thread.sleep(2);
    }
    throw new IllegalStateException("no response '" + body + "' on port " + port);
  }

  private interface Condition {
    boolean holds();
  }

  private static void await(Condition c) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (!c.holds()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("timed out");
      }
      Thread.sleep(1);
    }
  }

  private static long millis(long since) {
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - since);
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  private static void row(String app, String runner, List<Sample> samples) {
    long[] total = samples.stream().mapToLong(Sample::total).sorted().toArray();
    System.out.printf("| %s | %s | %d | %d | %d | %d | %d |%n", app, runner, total[total.length / 2],
        total[(int) Math.ceil(total.length * 0.9) - 1], median(samples, Sample::detect), median(samples, Sample::compile),
        median(samples, Sample::rest));
  }

  private static long median(List<Sample> samples, java.util.function.ToLongFunction<Sample> f) {
    long[] v = samples.stream().mapToLong(f).sorted().toArray();
    return v[v.length / 2];
  }
}
