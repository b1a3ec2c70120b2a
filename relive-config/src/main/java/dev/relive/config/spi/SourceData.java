package dev.relive.config.spi;

import dev.relive.config.ConfigNode.ObjectNode;
import java.util.Map;
import java.util.Objects;

/**
 * What one read of a source returned, with a stamp that names exactly the content read (a digest computed
 * from the same bytes, or a revision). Equal stamps mean equal content, so the engine can skip parsing.
 */
public sealed interface SourceData {

  /** The stamp of this content; empty for {@link Absent}. */
  String stamp();

  /**
   * A document to parse.
   *
   * @param bytes  the bytes read
   * @param format a format name or file extension ({@code yaml}, {@code yml}, {@code json}, ...)
   * @param stamp  digest of {@code bytes} (or a revision that names them)
   * @param origin the name its values' origins carry, when it is more precise than the source's name (an
   *               etcd source gives the key and revision it read: {@code etcd:/app/config@1234}); empty for
   *               the source's name
   */
  // The bytes are handed over, not compared: the stamp says whether two documents are equal.
  @SuppressWarnings("ArrayRecordComponent")
  record Document(byte[] bytes, String format, String stamp, String origin) implements SourceData {
    public Document {
      Objects.requireNonNull(bytes, "bytes");
      Objects.requireNonNull(format, "format");
      Objects.requireNonNull(stamp, "stamp");
      Objects.requireNonNull(origin, "origin");
    }

    /** A document whose origins carry the source's name. */
    public Document(byte[] bytes, String format, String stamp) {
      this(bytes, format, stamp, "");
    }
  }

  /**
   * Flat entries whose names, after a prefix, address keys.
   *
   * @param entries full name to value; every name starts with {@code prefix}
   * @param prefix  the part of each name that is not a key ({@code APP_}, {@code app.})
   * @param style   how the rest of a name addresses keys
   * @param stamp   digest of the entries
   */
  record Entries(Map<String, String> entries, String prefix, Style style, String stamp) implements SourceData {
    public Entries {
      entries = Map.copyOf(entries);
      Objects.requireNonNull(prefix, "prefix");
      Objects.requireNonNull(style, "style");
      Objects.requireNonNull(stamp, "stamp");
    }

    /** How entry names address keys. */
    public enum Style {
      /** Names are key paths: {@code db.url}, {@code servers[0].host}. */
      PATHS,
      /**
       * Names are environment-style ({@code DB_URL} after the prefix) and are matched against the
       * configuration type by the environment rule; see {@code ConfigSources.env}.
       */
      ENVIRONMENT
    }
  }

  /** An already-built tree, such as in-memory overrides. */
  record Tree(ObjectNode root, String stamp) implements SourceData {
    public Tree {
      Objects.requireNonNull(root, "root");
      Objects.requireNonNull(stamp, "stamp");
    }
  }

  /**
   * Nothing there: an optional file that does not exist. An absent source is an empty layer.
   *
   * @param reason why, for status reports
   */
  record Absent(String reason) implements SourceData {
    @Override
    public String stamp() {
      return "";
    }
  }
}
