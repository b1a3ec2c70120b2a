package dev.relive.devloop;

import java.util.List;
import java.util.Map;

/**
 * What the runner tells its user: {@code relive dev} prints these as text or as JSON lines. Called from the
 * runner's thread, and from the application's output and exit threads: implementations synchronise.
 */
public interface DevEvents {
  /** One compile problem. {@code file} is relative to the project; {@code rendered} is javac's text with the caret. */
  record Problem(String file, long line, long column, String message, String rendered) {}

  /** The first generation started; {@code ms} has compile, start and total. */
  void started(int generation, long pid, Map<String, Long> ms);

  /**
   * The new build serves: {@code tier} {@code hotswap} (classes redefined in the running JVM; {@code ms} has
   * detect, compile, swap, total), {@code classloader} (the application restarted in a fresh class loader in
   * the same JVM; detect, compile, restart, total) or {@code restart} (a new JVM; detect, compile, stop,
   * restart, total), and {@code reason} why that tier.
   */
  void reloaded(int generation, long pid, String tier, String reason, List<String> changed, Map<String, Long> ms);

  /** Build {@code generation} failed; the last good build keeps serving (if there is one). */
  void buildFailed(int generation, List<Problem> problems, int serving);

  /** The application of {@code generation} ended by itself. */
  void appExited(int generation, int code);

  /**
   * The affected tests of build {@code generation} ran ({@code classes}); {@code failures} names each failed
   * test with its message (or the test compile's problems). Default: nothing.
   */
  default void tests(int generation, List<String> classes, int passed, int failed, List<String> failures, long ms) {}

  /** A line the application printed, prefixed with its generation and PID. */
  void output(String line);

  /** A status line (what the runner is doing), for people. */
  void info(String message);
}
