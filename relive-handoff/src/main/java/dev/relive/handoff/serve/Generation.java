package dev.relive.handoff.serve;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/** One run of the service's command: its process, its output's last lines, how it became ready, its handoff. */
final class Generation {
  private static final int TAIL = 20;

  final int number;
  final Process process;
  final long started = System.nanoTime();
  /** Completes with how the generation became ready, or exceptionally with why it never will. */
  final CompletableFuture<String> ready;
  /** Its health URL (with --ready-url: a port of its own, never the shared one), or null. */
  final @Nullable String probe;
  /** Completes when the generation connects its handoff channel. */
  final CompletableFuture<SocketChannel> handoff = new CompletableFuture<>();
  /** Set before the supervisor stops it on purpose, so that its exit is not a failure. */
  volatile boolean stopping;
  private final Deque<String> tail = new ArrayDeque<>();
  private final List<AutoCloseable> owned = new java.util.concurrent.CopyOnWriteArrayList<>();

  Generation(int number, Process process, CompletableFuture<String> ready, @Nullable String probe) {
    this.number = number;
    this.process = process;
    this.ready = ready;
    this.probe = probe;
  }

  /** Copies the child's output to {@code out}, each line prefixed, keeping the last lines for reports. */
  void pump(PrintStream out, @Nullable Predicate<String> readyLine) {
    Thread t = new Thread(() -> {
      try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(),
          StandardCharsets.UTF_8))) {
        String prefix = "[gen " + number + " pid " + process.pid() + "] ";
        for (String line = in.readLine(); line != null; line = in.readLine()) {
          synchronized (tail) {
            if (tail.size() == TAIL) {
              tail.removeFirst();
            }
            tail.addLast(line);
          }
          out.println(prefix + line);
          if (readyLine != null && readyLine.test(line)) {
            ready.complete("line");
          }
        }
      } catch (IOException e) {
        // the child closed its output: it is exiting
      }
    }, "relive-serve-output-" + number);
    t.setDaemon(true);
    t.start();
  }

  List<String> tail() {
    synchronized (tail) {
      return List.copyOf(tail);
    }
  }

  long pid() {
    return process.pid();
  }

  long millisSinceStart() {
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
  }

  /** Something to close when the generation is gone (its notify socket, its probe). */
  void own(AutoCloseable resource) {
    owned.add(resource);
  }

  /** Sends a request over the handoff channel; false when the generation has none (or it broke). */
  boolean send(String request) {
    SocketChannel c = handoff.getNow(null);
    if (c == null) {
      return false;
    }
    try {
      synchronized (c) {
        ByteBuffer b = ByteBuffer.wrap((request + "\n").getBytes(StandardCharsets.UTF_8));
        while (b.hasRemaining()) {
          c.write(b);
        }
      }
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /**
   * Stops the generation: asks it to drain (over its handoff channel, or with SIGTERM), waits up to {@code
   * drain}, then kills it.
   *
   * @return true if it exited by itself in time, false if it was killed
   */
  boolean stop(Duration drain) throws InterruptedException {
    stopping = true;
    if (!send("drain")) {
      process.destroy(); // SIGTERM
    }
    boolean clean = process.waitFor(drain.toMillis(), TimeUnit.MILLISECONDS);
    if (!clean) {
      process.destroyForcibly();
      process.waitFor(10, TimeUnit.SECONDS);
    }
    release();
    return clean;
  }

  /** Kills the generation at once (it never became ready). */
  void kill() throws InterruptedException {
    stopping = true;
    process.destroy();
    if (!process.waitFor(2, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      process.waitFor(10, TimeUnit.SECONDS);
    }
    release();
  }

  void release() {
    for (AutoCloseable c : owned) {
      try {
        c.close();
      } catch (Exception ignored) {
        // best effort: the generation is gone
      }
    }
    owned.clear();
    SocketChannel c = handoff.getNow(null);
    if (c != null) {
      try {
        c.close();
      } catch (IOException ignored) {
        // already closed by the child's exit
      }
    }
  }
}
