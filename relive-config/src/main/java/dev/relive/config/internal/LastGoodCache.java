package dev.relive.config.internal;

import dev.relive.config.ConfigException;
import dev.relive.config.ConfigNode;
import dev.relive.config.ConfigTree;
import dev.relive.config.Problem;
import dev.relive.config.internal.format.JsonFormat;
import dev.relive.config.internal.format.TreeJson;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.relive.config.ConfigNode.ObjectNode;
import dev.relive.config.spi.ParseLimits;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;

/**
 * The last applied configuration, kept in one JSON file so a restart can serve it when the sources are
 * broken. Written after each applied version: to a temporary file in the same directory, forced to disk,
 * then renamed over the cache, so a crash leaves either the old file or the new one, never a torn one. The
 * file holds secrets in clear and is created readable by its owner only where the filesystem allows.
 */
public final class LastGoodCache {
  private static final String FORMAT = "relive-last-good/1";
  private final Path file;

  public LastGoodCache(Path file) {
    this.file = file;
  }

  public Path file() {
    return file;
  }

  public void write(long version, ConfigTree tree) throws IOException {
    Path dir = file.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    Path tmp = Files.createTempFile(dir, "." + file.getFileName() + ".", ".tmp");
    try {
      if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
      }
      try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
        OutputStream out = Channels.newOutputStream(channel);
        try (JsonGenerator g = new JsonFactory().createGenerator(out)) {
          g.useDefaultPrettyPrinter();
          g.writeStartObject();
          g.writeStringField("format", FORMAT);
          g.writeNumberField("version", version);
          g.writeStringField("hash", tree.hash());
          g.writeFieldName("config");
          TreeJson.write(tree.root(), g);
          g.writeEndObject();
          g.flush();
          channel.force(true);
        }
      }
      try {
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
      }
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /**
   * The cached tree, or empty if there is no cache file.
   *
   * @throws ConfigException.Parse if the file exists but is not a valid cache
   */
  public Optional<ConfigTree> read(ParseLimits limits) throws IOException {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      return Optional.empty();
    }
    ObjectNode root = new JsonFormat().parse(bytes, file.toString(), limits);
    ConfigNode format = root.fields().get("format");
    ConfigNode config = root.fields().get("config");
    if (!(format instanceof ConfigNode.ScalarNode f) || !f.text().equals(FORMAT) || !(config instanceof ObjectNode c)) {
      throw new ConfigException.Parse(new Problem("", root.origin(), "not a Relive last-good cache (" + FORMAT + ")"));
    }
    return Optional.of(ConfigTree.of(c));
  }
}
