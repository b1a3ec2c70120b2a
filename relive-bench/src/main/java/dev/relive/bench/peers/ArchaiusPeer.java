package dev.relive.bench.peers;

import com.netflix.archaius.DefaultPropertyFactory;
import com.netflix.archaius.api.Property;
import com.netflix.archaius.config.DefaultCompositeConfig;
import com.netflix.archaius.config.DefaultSettableConfig;
import com.netflix.archaius.config.PollingDynamicConfig;
import com.netflix.archaius.config.polling.FixedPollingStrategy;
import com.netflix.archaius.readers.URLConfigReader;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Archaius 2: a composite of runtime overrides over a polled file (PollingDynamicConfig, 1 s); the read is a
 * {@code Property<String>} obtained once and {@code get()} on every request.
 */
final class ArchaiusPeer implements Peer {
  private final PollingDynamicConfig polled;
  private final DefaultSettableConfig overrides = new DefaultSettableConfig();
  private final Property<String> greeting;

  ArchaiusPeer(Path file) throws Exception {
    polled = new PollingDynamicConfig(new URLConfigReader(file.toUri().toURL()), new FixedPollingStrategy(1, TimeUnit.SECONDS));
    DefaultCompositeConfig composite = new DefaultCompositeConfig();
    composite.addConfig("overrides", overrides);
    composite.addConfig("file", polled);
    greeting = DefaultPropertyFactory.from(composite).get("app.greeting", String.class);
  }

  @Override
  public String read() {
    return greeting.get();
  }

  @Override
  public void update(String value) {
    overrides.setProperty("app.greeting", value);
  }

  @Override
  public void close() {
    polled.shutdown();
  }
}
