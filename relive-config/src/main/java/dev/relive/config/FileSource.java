package dev.relive.config;

import dev.relive.config.spi.ConfigSource;
import dev.relive.config.spi.SourceData;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * A file, read whole through the path the user gave (so symlinks are followed afresh on every read). The
 * stamp is the digest of the bytes read in the same pass. A missing optional file is an empty layer; a
 * missing required file is a problem.
 */
final class FileSource implements ConfigSource {
  /** Bytes read at most; the format's own limit, lower by default, gives the precise message. */
  private static final int READ_CAP = 64 << 20;

  private final Path path;
  private final String format;
  private final boolean optional;

  FileSource(Path path, String format, boolean optional) {
    this.path = path;
    this.format = format;
    this.optional = optional;
  }

  static String extension(Path path) {
    String name = path.getFileName() == null ? "" : path.getFileName().toString();
    int dot = name.lastIndexOf('.');
    return dot < 0 ? "" : name.substring(dot + 1).toLowerCase(Locale.ROOT);
  }

  @Override
  public String name() {
    return path.toString();
  }

  @Override
  public SourceData read() throws IOException {
    byte[] bytes;
    try (InputStream in = Files.newInputStream(path)) {
      bytes = in.readNBytes(READ_CAP + 1);
    } catch (NoSuchFileException e) {
      if (optional) {
        return new SourceData.Absent(path + " does not exist");
      }
      throw new ConfigException.Source(List.of(new Problem("", Origin.of(path.toString()),
          "required file does not exist")), e);
    }
    return new SourceData.Document(bytes, format, Digests.of(bytes));
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
