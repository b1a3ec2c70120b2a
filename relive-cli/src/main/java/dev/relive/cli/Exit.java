package dev.relive.cli;

/** The exit codes scripts rely on. */
final class Exit {
  static final int OK = 0;
  static final int INVALID = 1;
  static final int USAGE = 2;

  private Exit() {}
}
