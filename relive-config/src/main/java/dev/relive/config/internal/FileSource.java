package dev.relive.config.internal;

import dev.relive.config.ConfigException;
import dev.relive.config.Origin;
import dev.relive.config.Problem;

import dev.relive.config.spi.ConfigSource;
import dev.relive.config.spi.SourceData;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * A file, read whole through the path the user gave (so symlinks are followed afresh on every read). The
 * stamp is the digest of the bytes read in the same pass. A missing optional file is an empty layer; a
 * missing required file is a problem.
 */
public final class FileSource implements ConfigSource, BoundedSource {
  /** Bytes read at most when no limit is given. */
  private static final int READ_CAP = 64 << 20;

  private final Path path;
  private final String format;
  private final boolean optional;

  public FileSource(Path path, String format, boolean optional) {
    this.path = path;
    this.format = format;
    this.optional = optional;
  }

  public static String extension(Path path) {
    String name = path.getFileName() == null ? "" : path.getFileName().toString();
    int dot = name.lastIndexOf('.');
    return dot < 0 ? "" : name.substring(dot + 1).toLowerCase(Locale.ROOT);
  }

  @Override
  public String name() {
    return path.toString();
  }

  /**
   * Reads the whole file. If its size or modification time changed while it was being read, it is read
   * again (up to three times), so bytes from two writes are never mixed. An empty file is a problem: it is
   * what a reader catches between a truncate and the write that follows.
   */
  @Override
  public SourceData read() throws IOException {
    return read(READ_CAP);
  }

  /** Like {@link #read()}, refusing a file larger than {@code maxBytes} without reading it. */
  @Override
  public SourceData read(int maxBytes) throws IOException {
    try {
      for (int attempt = 0; attempt < 3; attempt++) {
        BasicFileAttributes before = Files.readAttributes(path, BasicFileAttributes.class);
        if (before.isDirectory()) {
          throw problem("is a directory, not a file", null);
        }
        if (before.size() > maxBytes) {
          throw problem(String.format("file is %d bytes, more than the limit of %d", before.size(), maxBytes), null);
        }
        byte[] bytes;
        try (InputStream in = Files.newInputStream(path)) {
          bytes = in.readNBytes(maxBytes + 1);
        }
        BasicFileAttributes after = Files.readAttributes(path, BasicFileAttributes.class);
        if (before.size() == after.size() && before.lastModifiedTime().equals(after.lastModifiedTime())
            && java.util.Objects.equals(before.fileKey(), after.fileKey())) {
          if (bytes.length == 0) {
            // Refused, not read as an empty configuration: an empty file is what a writer that truncates
            // first, or crashed, leaves, and applying it would reset every key to its default.
            throw new ConfigException.Source(List.of(new Problem("", new Origin(path.toString(), 1, 1), "file is empty")));
          }
          return new SourceData.Document(bytes, format, Digests.of(bytes));
        }
      }
      throw problem("file kept changing while it was being read", null);
    } catch (NoSuchFileException e) {
      if (optional) {
        return new SourceData.Absent(path + " does not exist");
      }
      throw problem("required file does not exist", e);
    }
  }

  private ConfigException.Source problem(String message, @Nullable Exception cause) {
    return new ConfigException.Source(List.of(new Problem("", Origin.of(path.toString()), message)), cause);
  }

  @Override
  public List<Path> watchedFiles() {
    return List.of(path);
  }

  @Override
  public String toString() {
    return (optional ? "optional file " : "file ") + path;
  }
}
