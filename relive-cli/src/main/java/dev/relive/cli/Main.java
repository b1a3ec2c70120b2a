package dev.relive.cli;

import dev.relive.etcd.Fleet;
import java.io.PrintWriter;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.UnmatchedArgumentException;
import picocli.CommandLine.Command;

/**
 * The {@code relive} command.
 *
 * <p>Exit codes: 0 success, 1 invalid configuration (or, for {@code diff}, differences found; for {@code fleet},
 * a version rejected), 2 usage error, 3 etcd unreachable or timed out.
 */
@Command(name = "relive", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
    description = "Check, watch and compare live configuration files; follow and roll them out on etcd; run a "
        + "project as you edit it (dev); upgrade a service without dropping a connection (serve); run the demo.",
    subcommands = {CheckCommand.class, WatchCommand.class, DiffCommand.class, FleetCommand.class, DevCommand.class,
        ServeCommand.class, DemoCommand.class,
        CommandLine.HelpCommand.class, AutoComplete.GenerateCompletion.class})
public final class Main {
  /**
   * gRPC (under jetcd) logs through java.util.logging about its transport (INFO), and about calls cut short
   * when a client closes (WARNING); a command's stderr is for its own messages, and it reports etcd being
   * unreachable itself. Held here, as JUL keeps loggers weakly.
   */
  private static final java.util.logging.Logger GRPC = java.util.logging.Logger.getLogger("io.grpc");

  private Main() {}

  /** Runs the command line and exits with its code. */
  public static void main(String[] args) {
    int code = run(args);
    Exit.returned(code);
    System.exit(code);
  }

  /** Runs a command line in this JVM and returns its exit code (for harnesses that run many). */
  public static int run(String... args) {
    GRPC.setLevel(java.util.logging.Level.SEVERE);
    CommandLine cli = new CommandLine(new Main());
    cli.setCaseInsensitiveEnumValuesAllowed(true);
    cli.setExecutionExceptionHandler((e, line, parsed) -> {
      line.getErr().println("relive: " + e.getMessage());
      line.getErr().flush();
      return e instanceof Fleet.Unreachable ? Exit.UNREACHABLE : Exit.USAGE;
    });
    cli.setParameterExceptionHandler((e, args1) -> {
      CommandLine line = e.getCommandLine();
      PrintWriter err = line.getErr();
      err.println("relive: " + e.getMessage());
      UnmatchedArgumentException.printSuggestions(e, err);
      err.println("Try '" + line.getCommandSpec().qualifiedName() + " --help' for the options.");
      err.flush();
      return Exit.USAGE;
    });
    // The completion script is for the shell, not a command to list in the help.
    java.util.Objects.requireNonNull(cli.getSubcommands().get("generate-completion")).getCommandSpec().usageMessage()
        .hidden(true);
    return cli.execute(args);
  }

  /** The version the jar was built as (its manifest), for {@code relive --version}. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String version = Main.class.getPackage().getImplementationVersion();
      return new String[] {"relive " + (version != null ? version : "(development build)"),
          "Java " + System.getProperty("java.version") + " (" + System.getProperty("java.vendor") + ")"};
    }
  }
}
