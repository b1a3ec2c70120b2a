package dev.relive.cli;

/** The exit codes scripts rely on. */
final class Exit {
  static final int OK = 0;
  static final int INVALID = 1;
  static final int USAGE = 2;
  /** etcd did not answer (the fleet commands, watch --etcd without a cache). */
  static final int UNREACHABLE = 3;

  /** The code the command returned, once it has; until then a signal ends the process with 0. */
  private static volatile int returned = OK;

  private Exit() {}

  /** Records the command's exit code, so the signal hook does not replace it with 0 on the way out. */
  static void returned(int code) {
    returned = code;
  }

  /**
   * Makes SIGINT and SIGTERM end the process with exit code 0 (not 130/143): for long-running commands whose
   * normal way out is a signal. {@code beforeExit} runs first (flush output, release ports).
   */
  static void zeroOnSignal(Runnable beforeExit) {
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        beforeExit.run();
      } finally {
        Runtime.getRuntime().halt(returned);
      }
    }, "relive-exit"));
  }
}
