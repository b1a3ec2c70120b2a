package dev.relive.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.relive.cli.serveapp.JettyApp;
import dev.relive.handoff.testing.LoadClient;
import dev.relive.cli.serveapp.NettyApp;
import dev.relive.cli.serveapp.NioApp;
import dev.relive.handoff.serve.Notify;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * relive serve end to end: the packaged CLI supervising a real NIO server (the test's NioApp) on a socket it
 * holds, upgraded under load; broken upgrades leave the old generation serving; systemd's notify messages.
 */
class ServeIT {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir
  Path dir;

  /** A supervisor started with {@code options}, serving NioApp with the version in version.txt. */
  private final class Served implements AutoCloseable {
    final CliProcess cli;
    final int port;
    final List<JsonNode> events = new ArrayList<>();

    Served(Map<String, String> env, String... options) throws Exception {
      this(env, NioApp.class, options);
    }

    Served(Map<String, String> env, Class<?> app, String... options) throws Exception {
      this(null, env, app, options);
    }

    /** With {@code wrapper}: relive serve started by it (systemd-socket-activate). */
    Served(@org.jspecify.annotations.Nullable List<String> wrapper, Map<String, String> env, Class<?> app,
        String... options) throws Exception {
      List<String> args = new ArrayList<>(List.of("serve", "--json", "--listen", "127.0.0.1:0", "--run-dir",
          dir.resolve("run").toString(), "--drain", "10s"));
      args.addAll(List.of(options));
      args.addAll(List.of("--", Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
          System.getProperty("java.class.path"), app.getName(), version().toString()));
      cli = wrapper == null ? CliProcess.start(dir, env, args.toArray(String[]::new))
          : CliProcess.startWrapped(dir, wrapper, args.toArray(String[]::new));
      if (wrapper != null) {
        // systemd-socket-activate starts its program on the first connection: make one, once it listens.
        int activationPort = Integer.parseInt(wrapper.get(2).replaceAll(".*:", ""));
        CompletableFuture.runAsync(() -> {
          for (int attempt = 0; attempt < 600; attempt++) {
            try (java.net.Socket s = new java.net.Socket("127.0.0.1", activationPort)) {
              s.getOutputStream().write("GET / HTTP/1.0\r\n\r\n".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
              s.getInputStream().readAllBytes();
              return;
            } catch (java.io.IOException notYet) {
              java.util.concurrent.locks.LockSupport.parkNanos(50_000_000L);
            }
          }
        });
      }
      try {
        port = Integer.parseInt(next("started").get("listen").asText().replaceAll(".*:", ""));
        assertThat(next("ready").get("generation").asInt()).isEqualTo(1);
      } catch (Exception | AssertionError e) {
        cli.close(); // nothing started by a failed test is left running
        throw e;
      }
    }

    /** The next event named {@code name}; those before it are kept in {@link #events}. */
    JsonNode next(String name) throws Exception {
      while (true) {
        JsonNode e = JSON.readTree(cli.nextLine(WAIT));
        events.add(e);
        if (e.get("event").asText().equals(name)) {
          return e;
        }
      }
    }

    CliProcess.Result upgrade() throws Exception {
      return CliProcess.run(dir, "serve", "upgrade", "--run-dir", dir.resolve("run").toString());
    }

    @Override
    public void close() {
      try {
        assertThat(cli.terminate()).as("relive serve exits 0 on SIGTERM; stderr:\n%s", cli.stderr()).isZero();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } finally {
        cli.close();
      }
    }
  }

  private Path version() {
    return dir.resolve("version.txt");
  }

  private void setVersion(String v) throws Exception {
    Files.writeString(version(), v);
  }

  @Test
  void upgradesUnderLoad_answerEveryRequest_andTheNewVersionServes() throws Exception {
    setVersion("v1");
    try (Served s = new Served(Map.of(), "--ready-line", "^ready ")) {
      try (LoadClient load = new LoadClient(s.port, 32)) {
        for (int i = 2; i <= 6; i++) {
          setVersion("v" + i);
          CliProcess.Result r = s.upgrade();
          assertThat(r.out()).as(r.err()).startsWith("switched: generation " + i + " serves");
          assertThat(r.exit()).isZero();
          assertThat(s.next("drained").get("killed").asBoolean()).as("drained by itself").isFalse();
        }
        long before = load.ok();
        org.awaitility.Awaitility.await().atMost(WAIT).until(() -> load.ok() > before + 100);
        load.stop();
        assertThat(load.failures()).as("failed requests").isEmpty();
        assertThat(load.bodies()).containsKeys("v1", "v6");
        assertThat(load.ok()).isGreaterThan(1000);
      }
      assertThat(s.events).extracting(e -> e.get("event").asText()).contains("upgrade-started", "switched",
          "drained", "exited");
      assertThat(s.cli.pid()).as("the supervisor's pid never changes").isEqualTo(s.cli.pid());
    }
  }

  @ParameterizedTest
  @ValueSource(classes = {JettyApp.class, NettyApp.class})
  void jettyAndNetty_adoptTheSocket_upgradeUnderLoad_andPauseAndResumeForABake(Class<?> app) throws Exception {
    setVersion("v1");
    // The "dies" release exits 1 s after it is ready: well inside a 4 s bake, even on a busy machine.
    try (Served s = new Served(Map.of(), app, "--bake", "4s")) {
      try (LoadClient load = new LoadClient(s.port, 16)) {
        for (int i = 2; i <= 3; i++) {
          setVersion("v" + i);
          assertThat(s.upgrade().out()).startsWith("switched: generation " + i + " serves");
          assertThat(s.next("drained").get("killed").asBoolean()).as("drained by itself").isFalse();
        }
        setVersion("dies");
        assertThat(s.upgrade().out()).startsWith("rolled-back: generation 4 exited with code 4 during the bake");
        long before = load.bodies().getOrDefault("v3", 0L);
        org.awaitility.Awaitility.await().atMost(WAIT).until(() -> load.bodies().getOrDefault("v3", 0L) > before + 100);
        load.stop();
        assertThat(load.failures()).as("failed requests").isEmpty();
        assertThat(load.bodies()).containsKeys("v1", "v2", "v3");
      }
    }
  }

  @Test
  void aVersionThatExitsOnStart_isRolledBack_andTheOldOneServesUntouched() throws Exception {
    setVersion("v1");
    try (Served s = new Served(Map.of(), "--ready-line", "^ready ");
        LoadClient load = new LoadClient(s.port, 8)) {
      setVersion("crash");
      CliProcess.Result r = s.upgrade();
      assertThat(r.exit()).isEqualTo(1);
      assertThat(r.out()).startsWith("failed: generation 2 exited with code 3 before it was ready; generation 1 keeps serving");
      JsonNode failed = s.next("upgrade-failed");
      assertThat(failed.get("serving").asInt()).isEqualTo(1);
      assertThat(failed.get("output").toString()).contains("cannot start: the database is unreachable");
      load.stop();
      assertThat(load.failures()).isEmpty();
      assertThat(load.bodies()).containsOnlyKeys("v1");
    }
  }

  @Test
  void aVersionThatNeverBecomesReady_isKilledAtTheTimeout() throws Exception {
    setVersion("v1");
    try (Served s = new Served(Map.of(), "--ready-line", "^ready ", "--ready-timeout", "2s");
        LoadClient load = new LoadClient(s.port, 8)) {
      setVersion("hang");
      CliProcess.Result r = s.upgrade();
      assertThat(r.out()).startsWith("failed: generation 2 was not ready within 2s (waiting for a line matching ^ready )");
      assertThat(s.next("upgrade-failed").get("reason").asText()).startsWith("was not ready within 2s");
      assertThat(s.next("exited").get("generation").asInt()).isEqualTo(2);
      load.stop();
      assertThat(load.failures()).isEmpty();
      assertThat(load.bodies()).containsOnlyKeys("v1");
    }
  }

  @Test
  void aVersionThatTurnsUnhealthyDuringTheBake_isStopped_andTheOldOneResumes() throws Exception {
    setVersion("v1");
    try (Served s = new Served(Map.of(), "--ready-url", "/health", "--bake", "4s");
        LoadClient load = new LoadClient(s.port, 8)) {
      setVersion("sick");
      CliProcess.Result r = s.upgrade();
      assertThat(r.out()).startsWith("rolled-back: generation 2 failed its health probe");
      JsonNode rolledBack = s.next("rolled-back");
      assertThat(rolledBack.get("serving").asInt()).isEqualTo(1);
      assertThat(rolledBack.get("output").toString()).contains("ready sick");
      long before = load.bodies().getOrDefault("v1", 0L);
      org.awaitility.Awaitility.await().atMost(WAIT).until(() -> load.bodies().getOrDefault("v1", 0L) > before + 100);
      load.stop();
      assertThat(load.failures()).isEmpty();
      assertThat(s.cli.stderr()).contains("paused", "resumed");

      setVersion("v3"); // and a good one after it goes through, with its bake
      assertThat(s.upgrade().out()).startsWith("switched: generation 3 serves");
      assertThat(s.next("drained").get("killed").asBoolean()).as("drained by itself").isFalse();
    }
  }

  @Test
  void aSecondUpgradeDuringOne_isRefused() throws Exception {
    setVersion("v1");
    try (Served s = new Served(Map.of(), "--ready-line", "^ready ")) {
      setVersion("slow");
      CompletableFuture<CliProcess.Result> first = CompletableFuture.supplyAsync(() -> {
        try {
          return s.upgrade();
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      });
      s.next("upgrade-started");
      CliProcess.Result second = s.upgrade();
      assertThat(second.exit()).as(second.out()).isEqualTo(1);
      assertThat(second.out()).isEqualTo("refused: an upgrade is already in progress; try again when it has finished");
      assertThat(first.get().out()).startsWith("switched: generation 2 serves");
    }
  }

  @Test
  void takesTheSocketFromSystemdSocketActivation_andUpgradesOnSighup() throws Exception {
    setVersion("v1");
    int free;
    try (java.net.ServerSocket probe = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      free = probe.getLocalPort();
    }
    List<String> activate = List.of("systemd-socket-activate", "-l", "127.0.0.1:" + free);
    try (Served s = new Served(activate, Map.of(), NioApp.class)) {
      assertThat(s.events.get(0).get("listen").asText()).isEqualTo("systemd:" + free);
      assertThat(s.port).isEqualTo(free);
      try (LoadClient load = new LoadClient(s.port, 8)) {
        setVersion("v2");
        s.cli.signal("HUP");
        assertThat(s.next("upgrade-started").get("cause").asText()).isEqualTo("SIGHUP");
        assertThat(s.next("switched").get("to").asInt()).isEqualTo(2);
        long before = load.bodies().getOrDefault("v2", 0L);
        org.awaitility.Awaitility.await().atMost(WAIT).until(() -> load.bodies().getOrDefault("v2", 0L) > before + 100);
        load.stop();
        assertThat(load.failures()).isEmpty();
      }
    }
  }

  @Test
  void tellsSystemdReadyReloadingAndStopping_throughItsNotifySocket() throws Exception {
    setVersion("v1");
    List<String> messages = new CopyOnWriteArrayList<>();
    Notify systemd = Notify.listen(dir.resolve("systemd.sock"), messages::add);
    try {
      Served s = new Served(Map.of("NOTIFY_SOCKET", dir.resolve("systemd.sock").toString()), "--ready-notify");
      try {
        org.awaitility.Awaitility.await().atMost(WAIT).until(() -> !messages.isEmpty());
        assertThat(messages.get(0)).contains("READY=1", "MAINPID=" + s.cli.pid());
        setVersion("v2");
        assertThat(s.upgrade().out()).startsWith("switched: generation 2 serves");
        assertThat(s.events).anySatisfy(e -> assertThat(e.path("how").asText()).isEqualTo("notify"));
        org.awaitility.Awaitility.await().atMost(WAIT).until(() -> messages.size() >= 3);
        assertThat(messages.get(1)).contains("RELOADING=1", "MONOTONIC_USEC=");
        assertThat(messages.get(2)).contains("READY=1");
      } finally {
        s.close();
      }
      org.awaitility.Awaitility.await().atMost(WAIT).until(() -> messages.stream().anyMatch(m -> m.contains("STOPPING=1")));
    } finally {
      systemd.close();
    }
  }
}
