package dev.relive.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code relive} command.
 *
 * <p>Exit codes: 0 success, 1 invalid configuration (or, for {@code diff}, differences found), 2 usage error.
 */
@Command(name = "relive", mixinStandardHelpOptions = true, version = "relive 0.1.0",
    description = "Check, watch and compare live configuration files; run the demo.",
    subcommands = {CheckCommand.class, WatchCommand.class, DiffCommand.class, DemoCommand.class,
        CommandLine.HelpCommand.class})
public final class Main {
  private Main() {}

  /** Runs the command line and exits with its code. */
  public static void main(String[] args) {
    System.exit(run(args));
  }

  /** Runs a command line in this JVM and returns its exit code (for harnesses that run many). */
  public static int run(String... args) {
    CommandLine cli = new CommandLine(new Main());
    cli.setExecutionExceptionHandler((e, line, parsed) -> {
      line.getErr().println("relive: " + e.getMessage());
      return Exit.USAGE;
    });
    return cli.execute(args);
  }
}
