package dev.relive.bench.peers;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/**
 * One configuration library, set up the way its documentation recommends for hot reload, over the same
 * properties file. {@link #read()} is the hot read a service does on every request; {@link #update} applies a
 * new version through the library's own reload path.
 */
public interface Peer extends AutoCloseable {

  /** Every peer, in the order tables list them. */
  List<String> ALL = List.of("relive", "archaius", "commons", "helidon", "helidon-supplier", "owner-sync", "owner-async",
      "avaje", "spring", "smallrye", "lightbend");

  /** Reads {@code app.greeting}. */
  String read();

  /** Whether the library can take a new version at run time. */
  default boolean reloadable() {
    return true;
  }

  /** Applies a version whose {@code app.greeting} is {@code greeting}, the library's way. */
  void update(String greeting) throws Exception;

  @Override
  default void close() throws Exception {}

  /** A realistic properties file: thirty keys, {@code app.greeting} among them. */
  static String properties(String greeting) {
    StringBuilder out = new StringBuilder("app.greeting=").append(greeting).append('\n')
        .append("app.port=8080\napp.host=localhost\napp.timeout=30s\n")
        .append("db.url=jdbc:postgresql://db:5432/shop\ndb.pool=20\ndb.user=shop\n");
    for (int i = 0; i < 23; i++) {
      out.append("feature.f").append(i).append('=').append(i % 2 == 0).append('\n');
    }
    return out.toString();
  }

  /** Writes a file the way editors and {@code sed -i} do: a temporary file renamed over it. */
  static void write(Path file, String content) throws java.io.IOException {
    Path tmp = Files.createTempFile(file.toAbsolutePath().getParent(), ".write", ".tmp");
    Files.writeString(tmp, content);
    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }

  /** Creates the named peer over {@code dir/app.properties} (written first). */
  static Peer create(String name, Path dir) throws Exception {
    Path file = dir.resolve("app.properties");
    write(file, properties("hello") + (name.equals("avaje") ? "config.watch.enabled=true\nconfig.watch.period=1\n" : ""));
    return switch (name) {
      case "relive" -> new RelivePeer(file);
      case "archaius" -> new ArchaiusPeer(file);
      case "commons" -> new CommonsPeer(file);
      case "helidon" -> new HelidonPeer(file, false);
      case "helidon-supplier" -> new HelidonPeer(file, true);
      case "owner-sync" -> OwnerPeer.sync(file);
      case "owner-async" -> OwnerPeer.async(file);
      case "avaje" -> new AvajePeer(file);
      case "spring" -> new SpringPeer(file);
      case "smallrye" -> new SmallRyePeer(file);
      case "lightbend" -> new LightbendPeer(file);
      default -> throw new IllegalArgumentException("unknown peer " + name + "; known: " + ALL);
    };
  }
}
