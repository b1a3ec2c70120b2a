package dev.relive.bench.peers;

import io.helidon.config.Config;
import io.helidon.config.ConfigSources;
import io.helidon.config.FileSystemWatcher;
import java.nio.file.Path;
import java.util.function.Supplier;

/**
 * Helidon Config 3: a file source with its FileSystemWatcher. Config objects are immutable, so the read
 * either takes the latest Config handed to {@code onChange} and calls {@code get(key).asString().get()},
 * or uses the latest-value supplier of {@code asString().supplier()}.
 */
final class HelidonPeer implements Peer {
  private final Path file;
  private final boolean useSupplier;
  private volatile Config latest;
  private final Supplier<String> supplier;

  HelidonPeer(Path file, boolean useSupplier) {
    this.file = file;
    this.useSupplier = useSupplier;
    Config config = Config.builder()
        .sources(ConfigSources.file(file).changeWatcher(FileSystemWatcher.create()))
        .disableEnvironmentVariablesSource()
        .disableSystemPropertiesSource()
        .build();
    latest = config;
    config.onChange(changed -> latest = changed);
    supplier = config.get("app.greeting").asString().supplier();
  }

  @Override
  public String read() {
    return useSupplier ? supplier.get() : latest.get("app.greeting").asString().get();
  }

  @Override
  public void update(String greeting) throws Exception {
    Peer.write(file, Peer.properties(greeting));
  }
}
