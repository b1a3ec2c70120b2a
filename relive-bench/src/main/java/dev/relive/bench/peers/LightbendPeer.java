package dev.relive.bench.peers;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.nio.file.Path;

/** Lightbend Config: an immutable Config parsed from the file; {@code getString}. The no-reload baseline. */
final class LightbendPeer implements Peer {
  private final Config config;

  LightbendPeer(Path file) {
    config = ConfigFactory.parseFile(file.toFile()).resolve();
  }

  @Override
  public String read() {
    return config.getString("app.greeting");
  }

  @Override
  public boolean reloadable() {
    return false;
  }

  @Override
  public void update(String greeting) {
    throw new UnsupportedOperationException("Lightbend Config does not reload");
  }
}
