package dev.relive.cli;

/** The exit codes scripts rely on. */
final class Exit {
  static final int OK = 0;
  static final int INVALID = 1;
  static final int USAGE = 2;

  private Exit() {}

  /**
   * Makes SIGINT and SIGTERM end the process with exit code 0 (not 130/143): for long-running commands whose
   * normal way out is a signal. {@code beforeExit} runs first (flush output, release ports).
   */
  static void zeroOnSignal(Runnable beforeExit) {
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        beforeExit.run();
      } finally {
        Runtime.getRuntime().halt(OK);
      }
    }, "relive-exit"));
  }
}
