package dev.relive.cli;

import dev.relive.admin.AdminServer;
import dev.relive.admin.ReliveMetrics;
import dev.relive.config.ConfigException;
import dev.relive.config.ConfigSources;
import dev.relive.config.LiveConfig;
import dev.relive.config.ReloadEvent;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "demo", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
    description = {
    "Run a small HTTP service that follows its config file, with the admin API and the status page.",
    "Writes DIR/config.yaml from the built-in example if it does not exist, then prints what to edit and",
    "which URLs to open. Edits apply within a second; bad edits are rejected and the service keeps serving."})
final class DemoCommand implements Callable<Integer> {
  @Option(names = "--dir", paramLabel = "DIR", defaultValue = "relive-demo",
      description = "where config.yaml and the last-good cache live (default ${DEFAULT-VALUE})")
  Path dir;

  @Option(names = "--port", defaultValue = "8080", description = "the service's port on 127.0.0.1 (default ${DEFAULT-VALUE}; 0 picks one)")
  int port;

  @Option(names = "--admin-port", defaultValue = "8081", description = "the admin port on 127.0.0.1 (default ${DEFAULT-VALUE}; 0 picks one)")
  int adminPort;

  @Option(names = "--token", description = "the admin token (default: $RELIVE_ADMIN_TOKEN, or a random one)")
  String token;

  @Spec
  CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    Path file = dir.resolve("config.yaml");
    writeDefaultConfig(file);
    DemoService.Pools pools = new DemoService.Pools();
    LiveConfig<DemoConfig> config;
    try {
      config = LiveConfig.builder(DemoConfig.class).name("demo")
          .source(ConfigSources.file(file))
          .source(ConfigSources.env("RELIVE_DEMO"))
          .validator(DemoConfig::validate)
          .participant(DemoConfig::pool, pools)
          .lastGoodCache(dir.resolve("last-good.json"))
          .watchFiles(true)
          .build();
    } catch (ConfigException e) {
      spec.commandLine().getErr().println("relive demo: " + file + " cannot start the demo, and there is no last good "
          + "version to fall back on; fix it and run again:");
      Loading.printProblems(e.problems(), spec.commandLine().getErr());
      return Exit.INVALID;
    }
    DemoService service = startService(config, pools);
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    ReliveMetrics.of(config).bindTo(registry);
    AdminServer admin = startAdmin(config, registry);
    Exit.zeroOnSignal(() -> {
      synchronized (out) {
        out.flush();
      }
      service.close();
      admin.close();
    });
    String adminUrl = "http://127.0.0.1:" + admin.address().getPort();
    synchronized (out) {
      out.println("Relive demo is running.");
      out.println("  edit     " + file.toAbsolutePath() + "   (try greeting.name, features.shout, rateLimit, pool.size)");
      out.println("  service  http://127.0.0.1:" + service.port() + "/        (GET / greets; GET /pool shows the pool)");
      out.println("  status   " + adminUrl + "/config/ui#token=" + admin.token());
      out.println("  admin    curl -H 'Authorization: Bearer " + admin.token() + "' " + adminUrl + "/config/status");
      out.println("  metrics  curl -H 'Authorization: Bearer " + admin.token() + "' " + adminUrl + "/metrics");
      out.println("Save the file to change the service; a bad edit is rejected and the service keeps serving. Ctrl-C stops.");
      out.println("serving version " + config.snapshot().version()
          + (config.status().servingLastGood() ? " from the last-good cache; config.yaml was rejected:" : ""));
      config.status().lastRejection().filter(r -> config.status().servingLastGood())
          .ifPresent(r -> r.problems().forEach(p -> out.println("  " + p)));
      out.flush();
    }
    // The same rejection again (a safety reload of the same bad file) is not news.
    Object[] lastShown = {config.status().lastRejection().map(ReloadEvent.Rejected::problems).orElse(null)};
    config.subscribe(event -> {
      synchronized (out) {
        if (event instanceof ReloadEvent.Applied a) {
          lastShown[0] = null;
          out.println("applied version " + a.version() + ": " + String.join(", ", a.changedPaths()));
        } else if (event instanceof ReloadEvent.Rejected r && !r.problems().equals(lastShown[0])) {
          lastShown[0] = r.problems();
          out.println("rejected at " + r.stage().name().toLowerCase(java.util.Locale.ROOT) + "; version "
              + r.servingVersion() + " keeps serving:");
          r.problems().forEach(p -> out.println("  " + p));
        } else if (event instanceof ReloadEvent.RolledBack r) {
          out.println("rolled back to the content of version " + r.restoredVersion() + " as version " + r.version());
        }
        out.flush();
      }
    });
    new CountDownLatch(1).await();
    return Exit.OK;
  }

  private void writeDefaultConfig(Path file) throws IOException {
    if (Files.exists(file)) {
      return;
    }
    Files.createDirectories(file.toAbsolutePath().getParent());
    try (InputStream in = DemoCommand.class.getResourceAsStream("demo-config.yaml")) {
      if (in == null) {
        throw new IllegalStateException("the demo's default config is missing from the jar");
      }
      Files.write(file, in.readAllBytes());
    }
  }

  private DemoService startService(LiveConfig<DemoConfig> config, DemoService.Pools pools) throws IOException {
    try {
      return new DemoService(config, pools, port);
    } catch (BindException e) {
      if (port == 0) {
        throw e;
      }
      spec.commandLine().getErr().println("port " + port + " is busy; using a free one (--port chooses)");
      return new DemoService(config, pools, 0);
    }
  }

  private AdminServer startAdmin(LiveConfig<DemoConfig> config, PrometheusMeterRegistry registry) {
    String chosen = token != null ? token : System.getenv("RELIVE_ADMIN_TOKEN");
    for (int attempt : new int[] {adminPort, 0}) {
      AdminServer.Builder builder = AdminServer.builder().config("demo", config).port(attempt).metrics(registry::scrape);
      if (chosen != null) {
        builder.token(chosen);
      }
      try {
        return builder.build();
      } catch (UncheckedIOException e) {
        if (attempt == 0 || adminPort == 0) {
          throw e;
        }
        spec.commandLine().getErr().println("admin port " + adminPort + " is busy; using a free one (--admin-port chooses)");
      }
    }
    throw new IllegalStateException("unreachable");
  }
}
