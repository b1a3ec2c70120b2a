package dev.relive.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * Updates a directory the way the kubelet updates a mounted ConfigMap or Secret volume (AtomicWriter): a
 * new {@code ..<timestamp>} directory with the files, a {@code ..data_tmp} symlink to it renamed over
 * {@code ..data} (the one atomic step), top-level {@code KEY -> ..data/KEY} links added for new keys and
 * removed for dropped ones, then the old directory deleted. No event ever names a key's file.
 */
public final class K8sVolume {
  private static final AtomicInteger COUNTER = new AtomicInteger();

  private K8sVolume() {}

  /** Makes the volume hold exactly {@code files} (key to content). */
  public static void write(Path dir, Map<String, String> files) {
    try {
      Path data = dir.resolve("..data");
      Path old = Files.isSymbolicLink(data) ? dir.resolve(Files.readSymbolicLink(data)) : null;
      Set<String> oldKeys = new HashSet<>();
      if (old != null) {
        try (Stream<Path> list = Files.list(old)) {
          list.forEach(p -> oldKeys.add(p.getFileName().toString()));
        }
      }
      String stamp = "..2026_11_21_18_00_00." + COUNTER.incrementAndGet();
      Path fresh = Files.createDirectory(dir.resolve(stamp));
      for (Map.Entry<String, String> e : files.entrySet()) {
        Files.writeString(fresh.resolve(e.getKey()), e.getValue());
      }
      Path tmp = dir.resolve("..data_tmp");
      Files.createSymbolicLink(tmp, Path.of(stamp));
      Files.move(tmp, data, StandardCopyOption.ATOMIC_MOVE);
      for (String key : files.keySet()) {
        Path link = dir.resolve(key);
        if (!Files.isSymbolicLink(link)) {
          Files.createSymbolicLink(link, Path.of("..data", key));
        }
      }
      for (String key : oldKeys) {
        if (!files.containsKey(key)) {
          Files.deleteIfExists(dir.resolve(key));
        }
      }
      if (old != null) {
        deleteTree(old);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static void deleteTree(Path root) throws IOException {
    try (Stream<Path> walk = Files.walk(root)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
