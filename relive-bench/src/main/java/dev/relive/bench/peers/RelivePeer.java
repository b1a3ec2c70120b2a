package dev.relive.bench.peers;

import dev.relive.config.ConfigSources;
import dev.relive.config.InMemorySource;
import dev.relive.config.LiveConfig;
import java.nio.file.Path;
import java.util.Map;

/**
 * Relive: a record bound from the watched file under an in-memory override layer (as Archaius is set up); the
 * read is {@code get()} then field accesses; an update sets the override and runs {@code reload()}, the whole
 * pipeline: read (the file's digest, its parsed tree reused), merge, hash, bind, diff, swap, record.
 */
final class RelivePeer implements Peer {
  private final InMemorySource overrides = ConfigSources.inMemory("overrides");
  private final LiveConfig<BenchConfig> config;

  RelivePeer(Path file) {
    this.config = LiveConfig.builder(BenchConfig.class).source(ConfigSources.file(file)).source(overrides)
        .watchFiles(true).reloadOnSighup(false).build();
  }

  @Override
  public String read() {
    return config.get().app().greeting();
  }

  @Override
  public void update(String greeting) {
    overrides.set(Map.of("app.greeting", greeting));
    config.reload();
  }

  @Override
  public void close() {
    config.close();
  }
}
