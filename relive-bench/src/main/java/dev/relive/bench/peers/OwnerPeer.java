package dev.relive.bench.peers;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.aeonbits.owner.Config;
import org.aeonbits.owner.ConfigFactory;
import org.aeonbits.owner.Reloadable;

/**
 * OWNER: a config interface over the file with {@code @HotReload} (1 s), in SYNC mode (the check runs inside
 * the getter) and ASYNC mode (a background thread checks).
 */
final class OwnerPeer implements Peer {
  /** SYNC hot reload. */
  @Config.Sources("file:${relive.bench.owner}")
  @Config.HotReload(value = 1, unit = TimeUnit.SECONDS, type = Config.HotReloadType.SYNC)
  public interface SyncConfig extends Config, Reloadable {
    @Key("app.greeting")
    String greeting();
  }

  /** ASYNC hot reload. */
  @Config.Sources("file:${relive.bench.owner}")
  @Config.HotReload(value = 1, unit = TimeUnit.SECONDS, type = Config.HotReloadType.ASYNC)
  public interface AsyncConfig extends Config, Reloadable {
    @Key("app.greeting")
    String greeting();
  }

  private final Path file;
  private final Reloadable reloadable;
  private final java.util.function.Supplier<String> getter;

  private OwnerPeer(Path file, Reloadable reloadable, java.util.function.Supplier<String> getter) {
    this.file = file;
    this.reloadable = reloadable;
    this.getter = getter;
  }

  static OwnerPeer sync(Path file) {
    ConfigFactory.setProperty("relive.bench.owner", file.toAbsolutePath().toString());
    SyncConfig config = ConfigFactory.create(SyncConfig.class);
    return new OwnerPeer(file, config, config::greeting);
  }

  static OwnerPeer async(Path file) {
    ConfigFactory.setProperty("relive.bench.owner", file.toAbsolutePath().toString());
    AsyncConfig config = ConfigFactory.create(AsyncConfig.class);
    return new OwnerPeer(file, config, config::greeting);
  }

  @Override
  public String read() {
    return getter.get();
  }

  @Override
  public void update(String greeting) throws Exception {
    Peer.write(file, Peer.properties(greeting));
    reloadable.reload();
  }
}
