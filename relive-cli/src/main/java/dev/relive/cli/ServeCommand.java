package dev.relive.cli;

import dev.relive.handoff.serve.HeldSocket;
import dev.relive.handoff.serve.Supervisor;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "serve", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
    subcommands = {ServeCommand.Upgrade.class, ServeCommand.Status.class},
    description = {
        "Run COMMAND with a listening socket that outlives it: the socket is bound once (or taken from systemd",
        "socket activation) and every generation of COMMAND gets it as fd 0 (System.inheritedChannel()).",
        "An upgrade (SIGHUP, 'relive serve upgrade', systemctl reload) starts COMMAND again, waits until it is",
        "ready, then drains the old generation; a new one that exits or is not ready in time is killed and the",
        "old one keeps serving. With --bake the old one pauses instead, and resumes if the new one fails.",
        "The supervisor's PID never changes (Type=notify-reload units work). Exits 0 on SIGINT or SIGTERM after",
        "draining, 1 when the first generation never becomes ready or the serving one dies.",
        "With --json, standard output carries only these lines (COMMAND's output goes to standard error):",
        "{\"event\":\"started\",\"pid\":N,\"listen\":\"HOST:PORT\",\"runDir\":\"...\"}",
        "{\"event\":\"ready\",\"generation\":N,\"pid\":N,\"ms\":N,\"how\":\"line|notify|url|handoff\"}",
        "{\"event\":\"upgrade-started\",\"generation\":N,\"pid\":N,\"serving\":M,\"cause\":\"...\"}",
        "{\"event\":\"switched\",\"from\":M,\"to\":N,\"bake\":MS}",
        "{\"event\":\"drained\",\"generation\":M,\"ms\":N,\"killed\":false}",
        "{\"event\":\"upgrade-failed\",\"generation\":N,\"reason\":\"...\",\"serving\":M,\"output\":[last lines]}",
        "{\"event\":\"upgrade-refused\",\"reason\":\"...\"}",
        "{\"event\":\"rolled-back\",\"generation\":N,\"serving\":M,\"reason\":\"...\",\"output\":[...]}",
        "{\"event\":\"exited\",\"generation\":N,\"pid\":N,\"code\":C}"})
final class ServeCommand implements Callable<Integer> {
  @Option(names = "--listen", paramLabel = "HOST:PORT", defaultValue = "127.0.0.1:8080",
      description = "the address to bind (default ${DEFAULT-VALUE}; port 0 picks one, printed in 'started')")
  String listen = "127.0.0.1:8080";

  @Option(names = "--ready-line", paramLabel = "REGEX",
      description = "ready when COMMAND prints a line matching REGEX (Spring Boot: 'Started .* in')")
  @Nullable String readyLine;

  @Option(names = "--ready-notify", description = "ready when COMMAND sends READY=1 to its own NOTIFY_SOCKET")
  boolean readyNotify;

  @Option(names = "--ready-url", paramLabel = "PATH",
      description = "ready when http://127.0.0.1:$RELIVE_ADMIN_PORT/PATH answers 2xx (a port of each generation's "
          + "own, never the shared one); also the health probe during --bake")
  @Nullable String readyUrl;

  @Option(names = "--ready-timeout", paramLabel = "DURATION", defaultValue = "60s",
      description = "how long a new generation has to become ready (default ${DEFAULT-VALUE})")
  String readyTimeout = "60s";

  @Option(names = "--drain", paramLabel = "DURATION", defaultValue = "30s",
      description = "how long an old generation has to finish and exit before it is killed (default ${DEFAULT-VALUE})")
  String drain = "30s";

  @Option(names = "--bake", paramLabel = "DURATION", defaultValue = "0s",
      description = "after a switch, keep the old generation paused this long and resume it if the new one fails "
          + "(needs the app to use relive-handoff's Handoff; default ${DEFAULT-VALUE})")
  String bake = "0s";

  @Option(names = "--run-dir", paramLabel = "DIR", defaultValue = ".relive-serve",
      description = "owner-only directory for the pid file and control sockets (default ${DEFAULT-VALUE})")
  Path runDir = Path.of(".relive-serve");

  @Option(names = "--backlog", paramLabel = "N", defaultValue = "4096",
      description = "the listening socket's accept queue (default ${DEFAULT-VALUE})")
  int backlog = 4096;

  @Option(names = "--json", description = "print one JSON object per event on standard output")
  boolean json;

  @Parameters(paramLabel = "COMMAND", arity = "0..*", description = "the service's command line, after --")
  List<String> command = List.of();

  @Override
  public Integer call() throws Exception {
    if (command.isEmpty()) {
      throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this),
          "no command to serve: relive serve [options] -- COMMAND ARGS...");
    }
    if (List.of(readyLine != null, readyNotify, readyUrl != null).stream().filter(b -> b).count() > 1) {
      throw new IllegalArgumentException("choose one of --ready-line, --ready-notify, --ready-url");
    }
    Supervisor supervisor = new Supervisor(new Supervisor.Options(HeldSocket.address(listen), command,
        readyLine == null ? null : Pattern.compile(readyLine), readyNotify, readyUrl,
        Durations.parse(readyTimeout, "--ready-timeout"), Durations.parse(drain, "--drain"),
        Durations.parse(bake, "--bake"), runDir.toAbsolutePath(), json, backlog), System.out, System.err);
    Exit.zeroOnSignal(supervisor::stop);
    return supervisor.run();
  }

  /** Sends one request to a running supervisor's control socket and prints its reply. */
  static int request(Path runDir, String request, boolean failUnlessSwitched) throws IOException {
    Path socket = Supervisor.controlSocket(runDir.toAbsolutePath());
    try (SocketChannel c = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
      c.write(ByteBuffer.wrap((request + "\n").getBytes(StandardCharsets.UTF_8)));
      String reply = new BufferedReader(new InputStreamReader(Channels.newInputStream(c), StandardCharsets.UTF_8))
          .readLine();
      System.out.println(reply == null ? "no reply" : reply);
      return reply != null && (!failUnlessSwitched || reply.startsWith("switched")) ? Exit.OK : Exit.INVALID;
    } catch (java.net.SocketException | java.nio.file.NoSuchFileException e) {
      System.err.println("relive: no relive serve answers at " + socket + " (" + e.getMessage() + ")");
      return Exit.UNREACHABLE;
    }
  }

  @Command(name = "upgrade", mixinStandardHelpOptions = true,
      description = {"Upgrade the running relive serve now and wait for the outcome: exit 0 when the new",
          "generation serves, 1 when it failed, was rolled back or was refused (one upgrade at a time), 3 when",
          "no relive serve answers."})
  static final class Upgrade implements Callable<Integer> {
    @Option(names = "--run-dir", paramLabel = "DIR", defaultValue = ".relive-serve",
        description = "the run directory relive serve was given (default ${DEFAULT-VALUE})")
    Path runDir = Path.of(".relive-serve");

    @Override
    public Integer call() throws IOException {
      return request(runDir, "upgrade", true);
    }
  }

  @Command(name = "status", mixinStandardHelpOptions = true, description = "Print what the running relive serve serves.")
  static final class Status implements Callable<Integer> {
    @Option(names = "--run-dir", paramLabel = "DIR", defaultValue = ".relive-serve",
        description = "the run directory relive serve was given (default ${DEFAULT-VALUE})")
    Path runDir = Path.of(".relive-serve");

    @Override
    public Integer call() throws IOException {
      return request(runDir, "status", false);
    }
  }
}
