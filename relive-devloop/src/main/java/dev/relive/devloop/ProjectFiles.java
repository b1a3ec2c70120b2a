package dev.relive.devloop;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * The files of a project that matter to the runner, as size and modification time: compared with an earlier
 * scan, they say what was added, changed and deleted, however it was written (an editor's rename over, a
 * {@code sed -i}, a truncate-then-write, a {@code git checkout}).
 */
final class ProjectFiles {
  private final Path dir;
  private final List<Path> roots;
  private final List<PathMatcher> include;
  private final List<PathMatcher> exclude;

  /** A file's identity for change detection. */
  record Stamp(long size, long modified, Object key) {}

  /** What differs between two scans. */
  record Diff(Set<Path> added, Set<Path> changed, Set<Path> deleted) {
    boolean isEmpty() {
      return added.isEmpty() && changed.isEmpty() && deleted.isEmpty();
    }

    Set<Path> all() {
      Set<Path> out = new TreeSet<>(added);
      out.addAll(changed);
      out.addAll(deleted);
      return out;
    }
  }

  ProjectFiles(Path dir, List<Path> roots, List<String> include, List<String> exclude) {
    this.dir = dir;
    this.roots = List.copyOf(roots);
    this.include = include.stream().map(g -> FileSystems.getDefault().getPathMatcher("glob:" + g)).toList();
    this.exclude = exclude.stream().map(g -> FileSystems.getDefault().getPathMatcher("glob:" + g)).toList();
  }

  List<Path> roots() {
    return roots;
  }

  /** Every matching file under the roots (a root may also be a single file, such as pom.xml). */
  Map<Path, Stamp> scan() {
    Map<Path, Stamp> out = new HashMap<>();
    for (Path root : roots) {
      if (!Files.exists(root)) {
        continue;
      }
      try (Stream<Path> walk = Files.walk(root)) {
        walk.forEach(p -> {
          try {
            BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class);
            if (a.isRegularFile() && matches(p)) {
              Object key = a.fileKey();
              out.put(p, new Stamp(a.size(), a.lastModifiedTime().to(java.util.concurrent.TimeUnit.NANOSECONDS),
                  key == null ? "" : key));
            }
          } catch (IOException e) {
            // gone between the listing and the read: the next scan says so
          }
        });
      } catch (IOException | UncheckedIOException e) {
        // a root that vanished while walking: the next scan says so
      }
    }
    return out;
  }

  boolean matches(Path file) {
    Path rel = file.startsWith(dir) ? dir.relativize(file) : file;
    if (exclude.stream().anyMatch(m -> m.matches(rel) || m.matches(rel.getFileName()))) {
      return false;
    }
    return include.stream().anyMatch(m -> m.matches(rel)) || include.isEmpty();
  }

  static Diff diff(Map<Path, Stamp> before, Map<Path, Stamp> after) {
    Set<Path> added = new TreeSet<>();
    Set<Path> changed = new TreeSet<>();
    Set<Path> deleted = new TreeSet<>(before.keySet());
    deleted.removeAll(after.keySet());
    after.forEach((p, s) -> {
      Stamp old = before.get(p);
      if (old == null) {
        added.add(p);
      } else if (!old.equals(s)) {
        changed.add(p);
      }
    });
    return new Diff(added, changed, deleted);
  }

  /** The directories under the roots, for registering with a watch service. */
  Set<Path> directories() {
    Set<Path> out = new HashSet<>();
    for (Path root : roots) {
      Path base = Files.isDirectory(root) ? root : root.getParent();
      if (base == null || !Files.isDirectory(base)) {
        continue;
      }
      if (!Files.isDirectory(root)) {
        out.add(base);
        continue;
      }
      try (Stream<Path> walk = Files.walk(base)) {
        walk.filter(Files::isDirectory).forEach(out::add);
      } catch (IOException | UncheckedIOException e) {
        // the next registration pass picks it up
      }
    }
    return out;
  }
}
