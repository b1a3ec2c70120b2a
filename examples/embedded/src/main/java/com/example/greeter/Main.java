package com.example.greeter;

import com.example.greeter.config.GreeterConfig;
import dev.relive.config.ConfigSources;
import dev.relive.config.LiveConfig;
import dev.relive.config.ReloadEvent;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

/**
 * Greets with its live configuration: {@code greeter CONFIG.yaml [--once]}. Prints the greeting, then (unless
 * --once) a line per applied or rejected change to the file, until stopped.
 */
public final class Main {
  private Main() {}

  public static void main(String[] args) throws InterruptedException {
    Path file = Path.of(args.length > 0 ? args[0] : "greeter.yaml");
    LiveConfig<GreeterConfig> config = open(file);
    System.out.println(greeting(config.get()) + " (version " + config.snapshot().version() + ")");
    if (args.length > 1 && args[1].equals("--once")) {
      config.close();
      return;
    }
    config.subscribe(event -> {
      if (event instanceof ReloadEvent.Applied) {
        System.out.println(greeting(config.get()) + " (version " + config.snapshot().version() + ")");
      } else if (event instanceof ReloadEvent.Rejected r) {
        r.problems().forEach(p -> System.out.println("rejected: " + p));
      }
    });
    new CountDownLatch(1).await();
  }

  /** Defaults from the jar, then the file, then GREETER_* variables; the file is watched. */
  static LiveConfig<GreeterConfig> open(Path file) {
    return LiveConfig.builder(GreeterConfig.class)
        .source(ConfigSources.classpath("defaults.yaml"))
        .source(ConfigSources.optionalFile(file))
        .source(ConfigSources.env("GREETER"))
        .validator((c, problems) -> {
          if (c.db().poolSize() < 1 || c.db().poolSize() > 100) {
            problems.add("db.poolSize", "must be between 1 and 100, was " + c.db().poolSize());
          }
        })
        .watchFiles(true)
        .build();
  }

  static String greeting(GreeterConfig c) {
    return c.greeting().text() + ", " + c.greeting().name() + "!";
  }
}
