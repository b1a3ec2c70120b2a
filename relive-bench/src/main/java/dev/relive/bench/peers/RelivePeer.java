package dev.relive.bench.peers;

import dev.relive.config.ConfigSources;
import dev.relive.config.LiveConfig;
import java.nio.file.Path;

/** Relive: a record bound from the file, watched; the read is {@code get()} then field accesses. */
final class RelivePeer implements Peer {
  private final Path file;
  private final LiveConfig<BenchConfig> config;

  RelivePeer(Path file) {
    this.file = file;
    this.config = LiveConfig.builder(BenchConfig.class).source(ConfigSources.file(file)).watchFiles(true)
        .reloadOnSighup(false).build();
  }

  LiveConfig<BenchConfig> config() {
    return config;
  }

  @Override
  public String read() {
    return config.get().app().greeting();
  }

  @Override
  public void update(String greeting) throws Exception {
    Peer.write(file, Peer.properties(greeting));
    config.reload();
  }

  @Override
  public void close() {
    config.close();
  }
}
