package dev.relive.devloop;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * An AppCDS archive of the dependencies' classes, so each restart maps them instead of loading and verifying
 * them again (a Spring Boot web app starts in about 0.9 s instead of 1.5 s). The first run of a classpath
 * lists the classes it loads; after it, the archive is dumped in the background, for that classpath only
 * (its name carries the classpath's hash). The JVM requires the archived classpath to come first: the
 * dependencies, then the build directory, which cannot be archived as it changes with every build. Best
 * effort: without an archive (dumping failed, or is not done yet) the application starts as before.
 */
final class ClassArchive {
  private final Path list;
  private final Path archive;
  private final List<Path> classpath;
  private @Nullable Thread dumping;

  ClassArchive(Path work, List<Path> classpath) {
    StringBuilder key = new StringBuilder(System.getProperty("java.home")).append('\n');
    classpath.forEach(p -> key.append(p).append('\n'));
    String hash = Classpaths.sha(key.toString().getBytes(StandardCharsets.UTF_8));
    this.list = work.resolve("cds-" + hash + ".classes");
    this.archive = work.resolve("cds-" + hash + ".jsa");
    this.classpath = List.copyOf(classpath);
  }

  /** The JVM options for the next start: use the archive, or list the classes for making one. */
  List<String> options() {
    if (Files.isRegularFile(archive)) {
      return List.of("-XX:SharedArchiveFile=" + archive, "-Xshare:auto", "-Xlog:cds=off", "-Xlog:cds+dynamic=off");
    }
    if (classpath.isEmpty() || Files.exists(list) || dumping != null) {
      return List.of();
    }
    return List.of("-XX:DumpLoadedClassList=" + list);
  }

  /** After a run that listed its classes: dumps the archive on a background thread (once). */
  synchronized void dumpInBackground() {
    if (dumping != null || Files.isRegularFile(archive) || !Files.isRegularFile(list)) {
      return;
    }
    Thread t = new Thread(this::dump, "relive-dev-cds");
    t.setDaemon(true);
    dumping = t;
    t.start();
  }

  private void dump() {
    Path tmp = archive.resolveSibling(archive.getFileName() + ".tmp");
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xshare:dump", "-XX:SharedClassListFile=" + list, "-XX:SharedArchiveFile=" + tmp, "-cp",
        String.join(File.pathSeparator, classpath.stream().map(Path::toString).toList())));
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
          .start();
      if (p.waitFor(5, TimeUnit.MINUTES) && p.exitValue() == 0 && Files.isRegularFile(tmp)) {
        Files.move(tmp, archive, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      } else {
        p.destroyForcibly();
        Files.deleteIfExists(tmp);
      }
    } catch (IOException e) {
      // no archive: starts stay as they were
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Waits for a dump in progress (bounded), for an orderly close. */
  void close() {
    Thread t = dumping;
    if (t != null) {
      try {
        t.join(10_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
