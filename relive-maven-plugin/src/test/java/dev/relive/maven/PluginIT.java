package dev.relive.maven;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code mvn relive:dev} on a sample project, run by the project's Maven wrapper: the plugin takes the classpath
 * Maven resolved (a dependency the app uses), runs the app, and an edit is served by the new code.
 */
class PluginIT {
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  @TempDir
  Path dir;

  @Test
  void mvnReliveDev_runsTheProjectOnMavensClasspath_andServesAnEdit() throws Exception {
    String mvnw = System.getProperty("mvnw");
    // The plugin as the reactor just built it, installed where Maven looks for plugins.
    Process install = new ProcessBuilder(mvnw, "-q", "-o", "-B", "install:install-file",
        "-Dfile=" + System.getProperty("plugin.jar"), "-DpomFile=" + System.getProperty("plugin.pom"))
        .redirectErrorStream(true).start();
    String installed = new String(install.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(install.waitFor(120, TimeUnit.SECONDS)).isTrue();
    assertThat(install.exitValue()).as(installed).isZero();

    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Files.writeString(dir.resolve("pom.xml"), """
        <project xmlns="http://maven.apache.org/POM/4.0.0">
          <modelVersion>4.0.0</modelVersion>
          <groupId>test</groupId><artifactId>app</artifactId><version>1</version>
          <properties><maven.compiler.release>17</maven.compiler.release><relive.main>app.Main</relive.main></properties>
          <dependencies>
            <dependency><groupId>org.snakeyaml</groupId><artifactId>snakeyaml-engine</artifactId><version>3.2</version></dependency>
          </dependencies>
          <build><plugins>
            <plugin><groupId>dev.relive</groupId><artifactId>relive-maven-plugin</artifactId><version>0.1.0-SNAPSHOT</version></plugin>
          </plugins></build>
        </project>
        """);
    write("src/main/java/app/Main.java", """
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
    write("src/main/java/app/Greeting.java", greeting("one"));

    // `relive:` resolves through the plugin declared in the pom.
    Process mvn = new ProcessBuilder(mvnw, "-o", "-B", "relive:dev").directory(dir.toFile()).redirectErrorStream(true)
        .start();
    List<String> output = new CopyOnWriteArrayList<>();
    Thread pump = new Thread(() -> {
      try (BufferedReader in = new BufferedReader(new InputStreamReader(mvn.getInputStream(), StandardCharsets.UTF_8))) {
        in.lines().forEach(output::add);
      } catch (IOException | java.io.UncheckedIOException e) {
        // Maven ended
      }
    });
    pump.setDaemon(true);
    pump.start();
    try {
      await().atMost(Duration.ofSeconds(120)).until(() -> get(port).equals("one SpecVersion"));
      write("src/main/java/app/Greeting.java", greeting("two"));
      await().atMost(Duration.ofSeconds(60)).until(() -> get(port).equals("two SpecVersion"));
      assertThat(output).anyMatch(l -> l.contains("relive dev: build 2 serving (hotswap"));
      try (var files = Files.list(dir.resolve(".relive-dev"))) {
        assertThat(files.map(p -> p.getFileName().toString())).as("Maven's classpath, not a second resolution")
            .noneMatch(n -> n.startsWith("classpath-"));
      }
    } finally {
      mvn.destroy(); // SIGTERM: the plugin's hook stops the app
      if (!mvn.waitFor(30, TimeUnit.SECONDS)) {
        mvn.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    }
    await().atMost(Duration.ofSeconds(30)).until(() -> get(port).startsWith("(down"));
  }

  private static String greeting(String word) {
    return "package app; public class Greeting { public static String text() { return \"" + word
        + " \" + org.snakeyaml.engine.v2.common.SpecVersion.class.getSimpleName(); } }";
  }

  private void write(String path, String content) throws IOException {
    Path file = dir.resolve(path);
    Files.createDirectories(file.getParent());
    Path tmp = file.resolveSibling("." + file.getFileName() + ".tmp");
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
}
