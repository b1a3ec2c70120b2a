package dev.relive.bench.peers;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.apache.commons.configuration2.PropertiesConfiguration;
import org.apache.commons.configuration2.builder.ReloadingFileBasedConfigurationBuilder;
import org.apache.commons.configuration2.builder.fluent.Parameters;
import org.apache.commons.configuration2.ex.ConfigurationException;
import org.apache.commons.configuration2.reloading.PeriodicReloadingTrigger;

/**
 * Apache Commons Configuration 2: a ReloadingFileBasedConfigurationBuilder with a PeriodicReloadingTrigger
 * (1 s); the read asks the builder for the current configuration each time, as its user guide says to.
 */
final class CommonsPeer implements Peer {
  private final Path file;
  private final ReloadingFileBasedConfigurationBuilder<PropertiesConfiguration> builder;
  private final PeriodicReloadingTrigger trigger;

  CommonsPeer(Path file) {
    this.file = file;
    builder = new ReloadingFileBasedConfigurationBuilder<>(PropertiesConfiguration.class)
        .configure(new Parameters().fileBased().setFile(file.toFile()));
    trigger = new PeriodicReloadingTrigger(builder.getReloadingController(), null, 1, TimeUnit.SECONDS);
    trigger.start();
  }

  @Override
  public String read() {
    try {
      return builder.getConfiguration().getString("app.greeting");
    } catch (ConfigurationException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void update(String greeting) throws Exception {
    Peer.write(file, Peer.properties(greeting));
    builder.resetResult();
  }

  @Override
  public void close() {
    trigger.shutdown();
  }
}
