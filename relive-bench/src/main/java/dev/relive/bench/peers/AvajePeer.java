package dev.relive.bench.peers;

import io.avaje.config.Config;
import java.nio.file.Path;

/**
 * avaje-config: the global configuration loaded from the file ({@code props.file}) with its file watch on
 * ({@code config.watch.enabled}, period 1 s); the read is {@code Config.get(key)}; updates go through
 * {@code Config.setProperty}, its runtime change path.
 */
final class AvajePeer implements Peer {
  AvajePeer(Path file) {
    System.setProperty("props.file", file.toAbsolutePath().toString());
    if (!"hello".equals(Config.get("app.greeting"))) {
      throw new IllegalStateException("avaje-config did not load " + file);
    }
  }

  @Override
  public String read() {
    return Config.get("app.greeting");
  }

  @Override
  public void update(String greeting) {
    Config.setProperty("app.greeting", greeting);
  }
}
