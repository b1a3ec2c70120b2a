package dev.relive.bench.peers;

import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.nio.file.Path;

/** SmallRye Config (MicroProfile Config): the file as a source; the read is {@code getValue}. No reloading. */
final class SmallRyePeer implements Peer {
  private final SmallRyeConfig config;

  SmallRyePeer(Path file) throws Exception {
    config = new SmallRyeConfigBuilder().withSources(new PropertiesConfigSource(file.toUri().toURL())).build();
  }

  @Override
  public String read() {
    return config.getValue("app.greeting", String.class);
  }

  @Override
  public boolean reloadable() {
    return false;
  }

  @Override
  public void update(String greeting) {
    throw new UnsupportedOperationException("SmallRye Config does not reload");
  }
}
