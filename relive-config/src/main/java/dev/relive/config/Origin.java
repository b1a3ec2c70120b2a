package dev.relive.config;

import java.util.Objects;

/**
 * Where a configuration value came from: a source name and, when the format knows it, a 1-based line and
 * column. Renders as {@code config.yaml:12:7}, {@code config.yaml} or {@code env:APP_DB_URL}.
 *
 * <p>Immutable and thread-safe.
 *
 * @param source the source's name, such as a file name or {@code env:APP_DB_URL}
 * @param line   1-based line, or 0 when unknown
 * @param column 1-based column, or 0 when unknown
 */
public record Origin(String source, int line, int column) {

  /** The origin of values that no source supplied, such as defaults declared on the record type. */
  public static final Origin DEFAULT = new Origin("default", 0, 0);

  public Origin {
    Objects.requireNonNull(source, "source");
    if (line < 0 || column < 0) {
      throw new IllegalArgumentException("line and column must be >= 0, were " + line + ":" + column);
    }
  }

  /** An origin without a position, for sources that have no lines (environment, system properties). */
  public static Origin of(String source) {
    return new Origin(source, 0, 0);
  }

  @Override
  public String toString() {
    if (line == 0) {
      return source;
    }
    return column == 0 ? source + ":" + line : source + ":" + line + ":" + column;
  }
}
