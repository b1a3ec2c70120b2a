package dev.relive.springtest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.relive.handoff.testing.LoadClient;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Spring Boot (Tomcat) app under {@code relive serve}, with nothing but the starter and relive-handoff on its
 * classpath: it adopts the held socket, reports ready, drains; upgraded under load with no failed request, and
 * a release that fails at start leaves the old one serving.
 */
class ServedAppTest {
  private static final Duration WAIT = Duration.ofSeconds(90);

  @TempDir
  Path dir;

  @Test
  void upgradesUnderLoad_answerEveryRequest_andABrokenReleaseLeavesTheOldOneServing() throws Exception {
    Path release = dir.resolve("release.txt");
    Files.writeString(release, "r1");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    String jar = System.getProperty("relive.jar");
    Path runDir = dir.resolve("run");
    Process serve = new ProcessBuilder(java, "-jar", jar, "serve", "--json", "--listen", "127.0.0.1:0", "--run-dir",
        runDir.toString(), "--", java, "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
        ServedApp.class.getName(), release.toString()).redirectError(dir.resolve("serve.err").toFile()).start();
    BlockingQueue<String> events = new LinkedBlockingQueue<>();
    Thread pump = new Thread(() -> {
      try (BufferedReader in = new BufferedReader(new InputStreamReader(serve.getInputStream(), StandardCharsets.UTF_8))) {
        in.lines().forEach(events::add);
      } catch (java.io.IOException | java.io.UncheckedIOException e) {
        // relive serve was stopped
      }
    });
    pump.setDaemon(true);
    pump.start();
    try {
      String started = next(events, "started");
      int port = Integer.parseInt(started.replaceAll(".*\"listen\":\"[^\"]*:(\\d+)\".*", "$1"));
      assertThat(next(events, "ready")).contains("\"how\":\"handoff\"");
      try (LoadClient load = new LoadClient(port, 16)) {
        for (int i = 2; i <= 3; i++) {
          Files.writeString(release, "r" + i);
          assertThat(upgrade(java, jar, runDir)).startsWith("switched: generation " + i + " serves");
          assertThat(next(events, "drained")).contains("\"killed\":false");
        }
        Files.writeString(release, "broken");
        assertThat(upgrade(java, jar, runDir))
            .startsWith("failed: generation 4 exited with code 1 before it was ready; generation 3 keeps serving");
        assertThat(next(events, "upgrade-failed")).contains("release broken: a required setting is missing");
        long before = load.bodies().getOrDefault("r3", 0L);
        await().atMost(WAIT).until(() -> load.bodies().getOrDefault("r3", 0L) > before + 100);
        load.stop();
        assertThat(load.failures()).as("failed requests").isEmpty();
        assertThat(load.bodies()).containsOnlyKeys("r1", "r2", "r3");
      }
    } finally {
      serve.destroy();
      assertThat(serve.waitFor(60, TimeUnit.SECONDS)).as("relive serve drains and exits on SIGTERM").isTrue();
      assertThat(serve.exitValue()).isZero();
    }
  }

  private static String upgrade(String java, String jar, Path runDir) throws Exception {
    Process p = new ProcessBuilder(java, "-jar", jar, "serve", "upgrade", "--run-dir", runDir.toString())
        .redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
    return out;
  }

  private static String next(BlockingQueue<String> events, String name) throws InterruptedException {
    List<String> skipped = new ArrayList<>();
    long end = System.nanoTime() + WAIT.toNanos();
    while (System.nanoTime() < end) {
      String e = events.poll(1, TimeUnit.SECONDS);
      if (e != null && e.contains("\"event\":\"" + name + "\"")) {
        return e;
      }
      if (e != null) {
        skipped.add(e);
      }
    }
    throw new AssertionError("no " + name + " event; saw " + skipped);
  }
}
