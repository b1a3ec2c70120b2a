package dev.relive.devloop;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * One generation of the application: a child JVM whose output lines are passed on with the generation and
 * its PID in front, stopped with the configured signal, then killed after the delay.
 */
final class AppProcess {
  private final Process process;
  private final int generation;
  private final long started = System.nanoTime();
  private volatile boolean stopping;

  private AppProcess(Process process, int generation) {
    this.process = process;
    this.generation = generation;
  }

  /**
   * Starts a generation.
   *
   * @param heldSocket whether the runner holds the app's listening socket on its fd 0, to give it to the app
   * @param output receives every line the application prints, prefixed {@code [gen N pid P]}
   * @param exited called with the exit code when it ends by itself (not when stopped)
   */
  static AppProcess start(List<String> command, Map<String, String> env, Path dir, int generation, boolean heldSocket,
      Consumer<String> output, Consumer<Integer> exited) throws IOException {
    ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true);
    if (heldSocket) {
      pb.redirectInput(ProcessBuilder.Redirect.INHERIT); // fd 0: the socket the runner holds
    }
    pb.environment().putAll(env);
    AppProcess app = new AppProcess(pb.start(), generation);
    String prefix = "[gen " + generation + " pid " + app.process.pid() + "] ";
    Thread pump = new Thread(() -> app.pump(app.process.getInputStream(), prefix, output), "relive-dev-app-" + generation);
    pump.setDaemon(true);
    pump.start();
    var unused = app.process.onExit().thenAccept(p -> {
      try {
        pump.join(2_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      if (!app.stopping) {
        exited.accept(p.exitValue());
      }
    });
    return app;
  }

  private void pump(InputStream in, String prefix, Consumer<String> output) {
    try (BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
      String line;
      while ((line = reader.readLine()) != null) {
        output.accept(prefix + line);
      }
    } catch (IOException e) {
      // the process ended
    }
  }

  int generation() {
    return generation;
  }

  long pid() {
    return process.pid();
  }

  boolean alive() {
    return process.isAlive();
  }

  long uptimeMillis() {
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
  }

  /** Sends {@code signal} (TERM, INT or KILL), waits up to {@code killDelay}, then kills. Bounded. */
  void stop(String signal, Duration killDelay) {
    stopping = true;
    if (!process.isAlive()) {
      return;
    }
    switch (signal) {
      case "KILL" -> process.destroyForcibly();
      case "INT" -> {
        try {
          new ProcessBuilder("kill", "-INT", Long.toString(process.pid())).start().waitFor(5, TimeUnit.SECONDS);
        } catch (IOException e) {
          process.destroy();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      default -> process.destroy();
    }
    try {
      if (!process.waitFor(killDelay.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }
}
