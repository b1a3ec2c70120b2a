package dev.relive.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** The packaged CLI run as a user runs it: {@code java -jar relive.jar ...}, with its output read line by line. */
final class CliProcess implements AutoCloseable {
  private final Process process;
  private final BlockingQueue<String> stdout = new LinkedBlockingQueue<>();
  private final StringBuffer stderr = new StringBuffer();

  private final Thread outPump;
  private final Thread errPump;

  private CliProcess(Process process) {
    this.process = process;
    outPump = pump(new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8)),
        stdout::add);
    errPump = pump(new BufferedReader(new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8)),
        line -> stderr.append(line).append('\n'));
  }

  static CliProcess start(Path workDir, String... args) throws IOException {
    return start(workDir, List.of("-jar", jar()), args);
  }

  /** Like {@link #start(Path, String...)}, with more environment variables. */
  static CliProcess start(Path workDir, java.util.Map<String, String> env, String... args) throws IOException {
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-jar", jar()));
    command.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(command).directory(workDir.toFile());
    pb.environment().putAll(env);
    return new CliProcess(pb.start());
  }

  /** The packaged CLI started by another program: {@code wrapper} then {@code java -jar relive.jar args}. */
  static CliProcess startWrapped(Path workDir, List<String> wrapper, String... args) throws IOException {
    List<String> command = new ArrayList<>(wrapper);
    command.addAll(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar", jar()));
    command.addAll(List.of(args));
    return new CliProcess(new ProcessBuilder(command).directory(workDir.toFile()).start());
  }

  private static String jar() {
    String jar = System.getProperty("relive.jar");
    if (jar == null) {
      throw new IllegalStateException("run through Maven (failsafe sets relive.jar)");
    }
    return jar;
  }

  private static CliProcess start(Path workDir, List<String> launch, String... args) throws IOException {
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
    command.addAll(launch);
    command.addAll(List.of(args));
    return new CliProcess(new ProcessBuilder(command).directory(workDir.toFile()).start());
  }

  /** The process id, for sending it signals. */
  long pid() {
    return process.pid();
  }

  boolean isAlive() {
    return process.isAlive();
  }

  /** Sends a signal by name ({@code HUP}) with kill(1). */
  void signal(String name) throws Exception {
    Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).inheritIO().start();
    if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
      throw new AssertionError("kill -" + name + " failed");
    }
  }

  /** Runs to completion (at most a minute) and returns the exit code. */
  static Result run(Path workDir, String... args) throws Exception {
    return runWithInput(workDir, new byte[0], args);
  }

  /** Like {@link #run}, with {@code input} on standard input. */
  static Result runWithInput(Path workDir, byte[] input, String... args) throws Exception {
    try (CliProcess p = start(workDir, args)) {
      try (var stdin = p.process.getOutputStream()) {
        stdin.write(input);
      }
      if (!p.process.waitFor(60, TimeUnit.SECONDS)) {
        throw new AssertionError("relive " + String.join(" ", args) + " did not finish");
      }
      p.outPump.join(10_000); // the output ends with the process
      p.errPump.join(10_000);
      List<String> out = new ArrayList<>();
      p.stdout.drainTo(out);
      return new Result(p.process.exitValue(), String.join("\n", out), p.stderr.toString());
    }
  }

  record Result(int exit, String out, String err) {}

  /** The next line of standard output, waiting at most {@code timeout}. */
  String nextLine(Duration timeout) throws InterruptedException {
    String line = stdout.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
    if (line == null) {
      throw new AssertionError("no output line within " + timeout + "; stderr:\n" + stderr);
    }
    return line;
  }

  /** The standard output lines printed and not read yet. */
  List<String> unread() {
    List<String> out = new ArrayList<>();
    stdout.drainTo(out);
    return out;
  }

  /** Waits (at most a minute) for the process to end by itself and returns its exit code. */
  int terminateOrExit() throws InterruptedException {
    if (!process.waitFor(60, TimeUnit.SECONDS)) {
      return terminate();
    }
    errPump.join(10_000);
    return process.exitValue();
  }

  /** Sends SIGTERM and returns the exit code. */
  int terminate() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      throw new AssertionError("did not exit on SIGTERM");
    }
    return process.exitValue();
  }

  String stderr() {
    return stderr.toString();
  }

  private static Thread pump(BufferedReader reader, java.util.function.Consumer<String> sink) {
    Thread t = new Thread(() -> {
      try (reader) {
        String line;
        while ((line = reader.readLine()) != null) {
          sink.accept(line);
        }
      } catch (IOException ignored) {
        // the process ended
      }
    });
    t.setDaemon(true);
    t.start();
    return t;
  }

  /**
   * SIGTERM first, so a command that owns processes (relive dev, its application) stops them; SIGKILL if it
   * has not ended within ten seconds.
   */
  @Override
  public void close() {
    if (!process.isAlive()) {
      return;
    }
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }
}
