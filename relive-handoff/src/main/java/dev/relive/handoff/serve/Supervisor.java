package dev.relive.handoff.serve;

import dev.relive.handoff.Handoff;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.UnixDomainSocketAddress;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * {@code relive serve}: holds one listening socket for the life of the service and runs generations of the
 * service's command on it, each with the socket as its fd 0.
 *
 * <p>An upgrade (SIGHUP, {@code relive serve upgrade}, {@code systemctl reload}): start the next generation
 * (the command line is run again, so a re-pointed symlink or a new jar is picked up) → wait until it is ready
 * → switch → (with {@code --bake}: pause the old one and watch the new one; if it exits or its probe fails,
 * the old one resumes and the new one is stopped) → drain the old one, killing it at the drain timeout. A new
 * generation that exits or is not ready in time is killed and the old one was never touched. One upgrade at a
 * time. The supervisor's PID never changes.
 */
public final class Supervisor {
  /** Settings; see {@code relive serve --help}. */
  public record Options(InetSocketAddress listen, List<String> command, @Nullable Pattern readyLine,
      boolean readyNotify, @Nullable String readyUrl, Duration readyTimeout, Duration drain, Duration bake,
      Path runDir, boolean json, int backlog) {
    public Options {
      command = List.copyOf(command);
      if (command.isEmpty()) {
        throw new IllegalArgumentException("no command to serve: relive serve [options] -- COMMAND ARGS...");
      }
    }

    /** How readiness is told, for messages. */
    String readyHow() {
      if (readyLine != null) {
        return "a line matching " + readyLine.pattern();
      }
      if (readyNotify) {
        return "READY=1 on NOTIFY_SOCKET";
      }
      if (readyUrl != null) {
        return "a 2xx from " + readyUrl + " on RELIVE_ADMIN_PORT";
      }
      return "Handoff.ready() (or use --ready-line, --ready-notify, --ready-url)";
    }
  }

  /** The result of an upgrade request. */
  public record Result(String outcome, String message) {
    public boolean ok() {
      return outcome.equals("switched");
    }
  }

  private final Options options;
  private final Events events;
  private final PrintStream childOutput;
  private final @Nullable String systemd = System.getenv("NOTIFY_SOCKET");
  private final AtomicInteger numbers = new AtomicInteger();
  private final AtomicBoolean upgrading = new AtomicBoolean();
  private final List<Generation> live = new CopyOnWriteArrayList<>();
  private final CountDownLatch done = new CountDownLatch(1);
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
  private volatile @Nullable Generation current;
  private volatile int exitCode;
  private volatile boolean stopping;
  private @Nullable ServerSocketChannel handoffServer;
  private @Nullable ServerSocketChannel controlServer;
  private String address = "";

  public Supervisor(Options options, PrintStream out, PrintStream err) {
    this.options = options;
    this.events = new Events(options.json() ? out : err, options.json());
    this.childOutput = options.json() ? err : out;
  }

  /** The control socket of a run directory, for {@code relive serve upgrade}. */
  public static Path controlSocket(Path runDir) {
    return runDir.resolve("control.sock");
  }

  /**
   * Serves until stopped (SIGTERM, SIGINT) or until the serving generation exits by itself.
   *
   * @return the exit code: 0 when stopped, 1 when the first generation never became ready or the serving one
   *     died
   */
  public int run() throws IOException, InterruptedException {
    prepareRunDir();
    int fd = Sockets.fromSystemd(System.getenv(), ProcessHandle.current().pid());
    if (fd < 0) {
      fd = Sockets.listen(options.listen(), options.backlog());
      address = options.listen().getAddress().getHostAddress() + ":" + Sockets.port(fd);
    } else {
      address = "systemd:" + Sockets.port(fd);
    }
    Sockets.placeOnStdin(fd);
    handoffServer = unixServer(options.runDir().resolve("handoff.sock"));
    controlServer = unixServer(controlSocket(options.runDir()));
    daemon("relive-serve-handoff", this::acceptHandoffs);
    daemon("relive-serve-control", this::acceptControl);
    Signals.on("HUP", () -> daemon("relive-serve-upgrade", () -> {
      Result r = upgrade("SIGHUP");
      if (r.outcome().equals("refused")) {
        events.emit("upgrade-refused", "reason", r.message());
      }
    }));
    Runtime.getRuntime().addShutdownHook(new Thread(this::stop, "relive-serve-stop"));
    events.emit("started", "pid", ProcessHandle.current().pid(), "listen", address, "runDir",
        options.runDir().toString());

    Generation first = spawn();
    String failure = awaitReady(first);
    if (failure != null) {
      events.emit("upgrade-failed", "generation", first.number, "reason", failure, "output", first.tail());
      first.kill();
      stopping = true;
      cleanUp();
      return 1;
    }
    current = first;
    events.emit("ready", "generation", first.number, "pid", first.pid(), "ms", first.millisSinceStart(), "how",
        first.ready.getNow("?"));
    tellSystemd("READY=1\nMAINPID=" + ProcessHandle.current().pid() + "\nSTATUS=serving generation 1");
    done.await();
    return exitCode;
  }

  /** Runs one upgrade now; refused while another runs. */
  public Result upgrade(String cause) {
    if (stopping) {
      return new Result("refused", "relive serve is stopping");
    }
    if (!upgrading.compareAndSet(false, true)) {
      return new Result("refused", "an upgrade is already in progress; try again when it has finished");
    }
    try {
      return upgradeNow(cause);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Result("failed", "interrupted");
    } catch (IOException | RuntimeException e) {
      events.emit("upgrade-failed", "reason", e.toString());
      return new Result("failed", e.toString());
    } finally {
      upgrading.set(false);
    }
  }

  private Result upgradeNow(String cause) throws IOException, InterruptedException {
    Generation old = current;
    if (old == null) {
      return new Result("refused", "nothing is serving yet");
    }
    tellSystemd("RELOADING=1\nMONOTONIC_USEC=" + monotonicMicros() + "\nSTATUS=upgrading");
    Generation next = spawn();
    events.emit("upgrade-started", "generation", next.number, "pid", next.pid(), "serving", old.number, "cause",
        cause);
    String failure = awaitReady(next);
    if (failure != null) {
      next.kill();
      live.remove(next);
      events.emit("upgrade-failed", "generation", next.number, "reason", failure, "serving", old.number, "output",
          next.tail());
      tellSystemd("READY=1\nSTATUS=serving generation " + old.number + " (upgrade failed)");
      return new Result("failed", "generation " + next.number + " " + failure + "; generation " + old.number
          + " keeps serving");
    }
    events.emit("ready", "generation", next.number, "pid", next.pid(), "ms", next.millisSinceStart(), "how",
        next.ready.getNow("?"));
    boolean bake = !options.bake().isZero() && old.send("pause");
    current = next;
    events.emit("switched", "from", old.number, "to", next.number, "bake", bake ? options.bake().toMillis() : 0);
    if (!bake && !options.bake().isZero()) {
      events.emit("bake-skipped", "generation", old.number, "reason",
          "it has no Handoff connection to pause and resume it");
    }
    if (bake) {
      String unhealthy = watch(next, options.bake());
      if (unhealthy != null) {
        old.send("resume");
        current = old;
        next.stopping = true;
        next.stop(options.drain());
        live.remove(next);
        events.emit("rolled-back", "generation", next.number, "serving", old.number, "reason", unhealthy, "output",
            next.tail());
        tellSystemd("READY=1\nSTATUS=serving generation " + old.number + " (rolled back)");
        return new Result("rolled-back", "generation " + next.number + " " + unhealthy + " during the bake; generation "
            + old.number + " serves again");
      }
    }
    long t0 = System.nanoTime();
    boolean clean = old.stop(options.drain());
    live.remove(old);
    events.emit("drained", "generation", old.number, "ms", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0),
        "killed", !clean);
    tellSystemd("READY=1\nSTATUS=serving generation " + next.number);
    return new Result("switched", "generation " + next.number + " serves; generation " + old.number + " drained");
  }

  /** Why the generation is unhealthy during {@code period}, or null if it stayed up (and its probe answered). */
  private @Nullable String watch(Generation g, Duration period) throws InterruptedException {
    long end = System.nanoTime() + period.toNanos();
    while (System.nanoTime() < end) {
      if (!g.process.isAlive()) {
        return "exited with code " + g.process.exitValue();
      }
      String url = g.probe;
      if (url != null && !answers(url)) {
        return "failed its health probe " + url;
      }
      g.process.waitFor(Math.min(200, Math.max(1, TimeUnit.NANOSECONDS.toMillis(end - System.nanoTime()))),
          TimeUnit.MILLISECONDS);
    }
    return null;
  }

  private Generation spawn() throws IOException {
    int n = numbers.incrementAndGet();
    ProcessBuilder pb = new ProcessBuilder(options.command())
        .redirectInput(ProcessBuilder.Redirect.INHERIT) // fd 0: the listening socket
        .redirectErrorStream(true);
    Map<String, String> env = pb.environment();
    env.put(Handoff.GENERATION, Integer.toString(n));
    env.put(Handoff.SOCKET, options.runDir().resolve("handoff.sock").toString());
    env.remove("LISTEN_FDS");
    env.remove("LISTEN_PID");
    env.remove("LISTEN_FDNAMES");
    env.remove("NOTIFY_SOCKET");
    String probe = null;
    if (options.readyUrl() != null) {
      int adminPort;
      try (ServerSocketChannel free = ServerSocketChannel.open()) {
        free.bind(new InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0));
        adminPort = ((InetSocketAddress) free.getLocalAddress()).getPort();
      }
      env.put("RELIVE_ADMIN_PORT", Integer.toString(adminPort));
      probe = "http://127.0.0.1:" + adminPort + normalized(options.readyUrl());
    }
    CompletableFuture<String> ready = new CompletableFuture<>();
    Notify notify = null;
    if (options.readyNotify()) {
      Path notifyPath = options.runDir().resolve("notify-" + n + ".sock");
      env.put("NOTIFY_SOCKET", notifyPath.toString());
      // Listening before the child starts, so that its READY=1 cannot come first.
      notify = Notify.listen(notifyPath, m -> {
        if (m.lines().anyMatch(l -> l.trim().equals("READY=1"))) {
          ready.complete("notify");
        }
      });
    }
    Process p;
    try {
      p = pb.start();
    } catch (IOException e) {
      if (notify != null) {
        notify.close();
      }
      throw e;
    }
    Generation g = new Generation(n, p, ready, probe);
    if (notify != null) {
      g.own(notify);
    }
    Pattern line = options.readyLine();
    g.pump(childOutput, line == null ? null : s -> line.matcher(s).find());
    live.add(g);
    var unused = p.onExit().thenRun(() -> exited(g));
    return g;
  }

  private static String normalized(@Nullable String path) {
    if (path == null || path.isEmpty()) {
      return "/";
    }
    return path.startsWith("/") ? path : "/" + path;
  }

  /** Null when the generation became ready in time, else why not. */
  private @Nullable String awaitReady(Generation g) throws InterruptedException {
    String url = g.probe;
    long end = System.nanoTime() + options.readyTimeout().toNanos();
    while (true) {
      if (url != null && answers(url)) {
        g.ready.complete("url");
      }
      try {
        g.ready.get(url != null ? 100 : Math.max(1, TimeUnit.NANOSECONDS.toMillis(end - System.nanoTime())),
            TimeUnit.MILLISECONDS);
        return null;
      } catch (ExecutionException e) {
        Throwable cause = e.getCause();
        return String.valueOf(cause == null ? e : cause.getMessage());
      } catch (TimeoutException e) {
        if (System.nanoTime() >= end) {
          return "was not ready within " + options.readyTimeout().toSeconds() + "s (waiting for "
              + options.readyHow() + ")";
        }
      }
    }
  }

  private boolean answers(String url) {
    try {
      HttpResponse<Void> r = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(2)).build(),
          HttpResponse.BodyHandlers.discarding());
      return r.statusCode() / 100 == 2;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private void exited(Generation g) {
    int code = g.process.exitValue();
    g.ready.completeExceptionally(new IllegalStateException("exited with code " + code + " before it was ready"));
    events.emit("exited", "generation", g.number, "pid", g.pid(), "code", code);
    g.release();
    live.remove(g);
    if (g == current && !g.stopping && !stopping && !upgrading.get()) {
      // The serving generation died on its own: nothing serves; exit so that systemd (or whoever) restarts us.
      exitCode = 1;
      shutDown("STOPPING=1\nSTATUS=generation " + g.number + " exited with code " + code);
    }
  }

  /** Drains every generation and ends {@link #run} (on SIGTERM or SIGINT: it is also a shutdown hook). */
  public void stop() {
    shutDown("STOPPING=1");
  }

  /** Tells systemd, drains every generation, removes the sockets and pid file, and ends {@link #run}. */
  private synchronized void shutDown(String systemdStatus) {
    if (done.getCount() == 0) {
      return;
    }
    stopping = true;
    tellSystemd(systemdStatus);
    stopAll();
    cleanUp();
    done.countDown();
  }

  private void stopAll() {
    for (Generation g : new ArrayList<>(live)) {
      try {
        g.stop(options.drain());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        g.process.destroyForcibly();
      }
    }
  }

  private void acceptHandoffs() {
    ServerSocketChannel server = handoffServer;
    while (server != null && server.isOpen()) {
      try {
        SocketChannel c = server.accept();
        daemon("relive-serve-handoff-conn", () -> handoffConnection(c));
      } catch (IOException e) {
        return;
      }
    }
  }

  private void handoffConnection(SocketChannel c) {
    try {
      BufferedReader in = new BufferedReader(new InputStreamReader(Channels.newInputStream(c), StandardCharsets.UTF_8));
      String hello = in.readLine();
      String[] parts = hello == null ? new String[0] : hello.trim().split(" ");
      if (parts.length < 3 || !parts[0].equals("hello")) {
        c.close();
        return;
      }
      int number = Integer.parseInt(parts[1]);
      long pid = Long.parseLong(parts[2]);
      Generation g = live.stream().filter(x -> x.number == number).findFirst().orElse(null);
      // Only the generation's own process (or one it started) speaks for it.
      if (g == null || !(g.pid() == pid || g.process.descendants().anyMatch(d -> d.pid() == pid))) {
        c.close();
        return;
      }
      g.handoff.complete(c);
      for (String line = in.readLine(); line != null; line = in.readLine()) {
        // Handoff.ready() is the signal only when no other was chosen.
        if (line.trim().equals("ready") && options.readyLine() == null && !options.readyNotify()
            && options.readyUrl() == null) {
          g.ready.complete("handoff");
        }
      }
    } catch (IOException | NumberFormatException e) {
      // a broken or foreign connection: ignored
    }
  }

  private void acceptControl() {
    ServerSocketChannel server = controlServer;
    while (server != null && server.isOpen()) {
      try {
        SocketChannel c = server.accept();
        daemon("relive-serve-control-conn", () -> controlConnection(c)); // a second upgrade is refused, not queued
      } catch (IOException e) {
        return;
      }
    }
  }

  private void controlConnection(SocketChannel c) {
    try (c) {
      BufferedReader in = new BufferedReader(new InputStreamReader(Channels.newInputStream(c), StandardCharsets.UTF_8));
      String request = in.readLine();
      if (request == null) {
        return;
      }
      String reply;
      if (request.trim().equals("upgrade")) {
        Result r = upgrade("relive serve upgrade");
        reply = r.outcome() + ": " + r.message();
      } else if (request.trim().equals("status")) {
        Generation g = current;
        reply = "serving: " + (g == null ? "nothing yet" : "generation " + g.number + " pid " + g.pid())
            + (upgrading.get() ? " (upgrading)" : "") + " on " + address;
      } else {
        reply = "unknown: " + request.trim() + " (upgrade, status)";
      }
      ByteBuffer b = ByteBuffer.wrap((reply + "\n").getBytes(StandardCharsets.UTF_8));
      while (b.hasRemaining()) {
        c.write(b);
      }
    } catch (IOException e) {
      // the requester went away; an upgrade it asked for still completes
    }
  }

  /** The run directory: owner-only, with the pid file; refused while another live supervisor uses it. */
  private void prepareRunDir() throws IOException {
    Path dir = options.runDir();
    Files.createDirectories(dir);
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
    Path pidFile = dir.resolve("serve.pid");
    if (Files.exists(pidFile)) {
      String pid = Files.readString(pidFile).trim();
      boolean alive = !pid.isEmpty() && ProcessHandle.of(Long.parseLong(pid)).map(ProcessHandle::isAlive).orElse(false);
      if (alive && Long.parseLong(pid) != ProcessHandle.current().pid()) {
        throw new IOException("another relive serve (pid " + pid + ") uses " + dir + "; stop it or use --run-dir");
      }
    }
    Files.writeString(pidFile, ProcessHandle.current().pid() + "\n");
  }

  private static ServerSocketChannel unixServer(Path path) throws IOException {
    Files.deleteIfExists(path);
    ServerSocketChannel s = ServerSocketChannel.open(java.net.StandardProtocolFamily.UNIX);
    s.bind(UnixDomainSocketAddress.of(path));
    Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-------"));
    return s;
  }

  private void cleanUp() {
    for (ServerSocketChannel s : new ServerSocketChannel[] {handoffServer, controlServer}) {
      if (s != null) {
        try {
          s.close();
        } catch (IOException ignored) {
          // closing at exit
        }
      }
    }
    for (String name : List.of("handoff.sock", "control.sock", "serve.pid")) {
      try {
        Files.deleteIfExists(options.runDir().resolve(name));
      } catch (IOException ignored) {
        // left for the next run, which replaces them
      }
    }
  }

  private void tellSystemd(String message) {
    try {
      Notify.send(systemd, message);
    } catch (IOException e) {
      events.emit("warning", "reason", "cannot notify systemd: " + e.getMessage());
    }
  }

  /** CLOCK_MONOTONIC in microseconds, which systemd's RELOADING=1 wants beside it. */
  private static long monotonicMicros() {
    return TimeUnit.NANOSECONDS.toMicros(System.nanoTime()); // HotSpot on Linux: CLOCK_MONOTONIC
  }

  private static void daemon(String name, Runnable r) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    t.start();
  }
}
