package dev.relive.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.HttpURLConnection;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real etcd for tests: Debian's {@code etcd} binary (scripts/test installs {@code etcd-server} when it is
 * missing), on free loopback ports with a temporary data directory, started before the test class and
 * stopped after it. Tests can kill it (SIGKILL), restart it on the same ports and data, pause it (SIGSTOP)
 * and resume it, and compact its history.
 *
 * <pre>{@code @RegisterExtension static final EtcdServer ETCD = new EtcdServer();}</pre>
 *
 * As an instance field it starts a fresh etcd for every test (for tests that kill or stop it).
 */
public final class EtcdServer implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback, AfterEachCallback,
    AutoCloseable {
  private boolean perClass;
  private Path dataDir;
  private int clientPort;
  private int peerPort;
  private Process process;

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    perClass = true; // a static field: one etcd for the class
    start();
  }

  @Override
  public void afterAll(ExtensionContext context) {
    close();
  }

  @Override
  public void beforeEach(ExtensionContext context) throws Exception {
    if (!perClass) { // an instance field: a fresh etcd for every test
      start();
    }
  }

  @Override
  public void afterEach(ExtensionContext context) {
    if (!perClass) {
      close();
    }
  }

  /** Starts etcd on fresh ports and a fresh data directory. */
  public synchronized void start() throws IOException, InterruptedException {
    dataDir = Files.createTempDirectory("relive-etcd-test");
    clientPort = freePort();
    peerPort = freePort();
    launch();
  }

  /** The client URL. */
  public String endpoint() {
    return "http://127.0.0.1:" + clientPort;
  }

  /** SIGKILL: etcd disappears at once, as in a crash. */
  public synchronized void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(30, TimeUnit.SECONDS);
  }

  /** Starts etcd again on the same ports and data (after {@link #kill()}). */
  public synchronized void restart() throws IOException, InterruptedException {
    launch();
  }

  /** SIGSTOP: etcd holds its connections and answers nothing. */
  public void pause() throws IOException, InterruptedException {
    signal("STOP");
  }

  /** SIGCONT. */
  public void resume() throws IOException, InterruptedException {
    signal("CONT");
  }

  /**
   * SIGSTOP, {@code length}, SIGCONT: etcd holds its connections and answers nothing for that long. The
   * length is the scenario (longer than a lease, say), not a wait for something to happen.
   */
  public void pauseFor(Duration length) throws IOException, InterruptedException {
    pause();
    try {
      Thread.sleep(length.toMillis());
    } finally {
      resume();
    }
  }

  /** Runs etcdctl against this server and returns its output. */
  public String etcdctl(String... args) throws IOException, InterruptedException {
    List<String> command = new java.util.ArrayList<>(List.of("etcdctl", "--endpoints=" + endpoint()));
    command.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
    pb.environment().put("ETCDCTL_API", "3");
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes());
    if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IOException("etcdctl " + String.join(" ", args) + " failed: " + out);
    }
    return out;
  }

  private void signal(String name) throws IOException, InterruptedException {
    Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).inheritIO().start();
    if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
      throw new IOException("kill -" + name + " failed");
    }
  }

  private void launch() throws IOException, InterruptedException {
    String peer = "http://127.0.0.1:" + peerPort;
    List<String> command = List.of(binary(), "--name", "test", "--data-dir", dataDir.resolve("data").toString(),
        "--listen-client-urls", endpoint(), "--advertise-client-urls", endpoint(),
        "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
        "--initial-cluster", "test=" + peer, "--initial-cluster-state", "new");
    process = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(dataDir.resolve("etcd.log").toFile())).start();
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IOException("etcd exited with " + process.exitValue() + "; see " + dataDir.resolve("etcd.log"));
      }
      if (healthy()) {
        return;
      }
      Thread.sleep(50);
    }
    throw new IOException("etcd did not become healthy within 30 s; see " + dataDir.resolve("etcd.log"));
  }

  private boolean healthy() {
    try {
      HttpURLConnection c = (HttpURLConnection) URI.create(endpoint() + "/health").toURL().openConnection();
      c.setConnectTimeout(500);
      c.setReadTimeout(500);
      try {
        return c.getResponseCode() == 200 && new String(c.getInputStream().readAllBytes()).contains("true");
      } finally {
        c.disconnect();
      }
    } catch (IOException e) {
      return false;
    }
  }

  private static String binary() {
    for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(":")) {
      Path p = Path.of(dir, "etcd");
      if (Files.isExecutable(p)) {
        return p.toString();
      }
    }
    throw new IllegalStateException("etcd is not installed: scripts/test installs Debian's etcd-server and "
        + "etcd-client (apt-get install etcd-server etcd-client)");
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  /** Stops etcd (if running) and deletes its data. */
  @Override
  public synchronized void close() {
    if (process != null) {
      if (process.isAlive()) {
        try {
          signal("CONT"); // a paused etcd would not act on SIGTERM
        } catch (IOException | InterruptedException e) {
          process.destroyForcibly();
        }
      }
      process.destroy();
      try {
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
          process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    if (dataDir != null) {
      try (var files = Files.walk(dataDir)) {
        files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      } catch (IOException | UncheckedIOException e) {
        // best effort: the temp directory is left for the OS
      }
    }
  }
}
