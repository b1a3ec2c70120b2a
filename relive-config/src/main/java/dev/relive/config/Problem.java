package dev.relive.config;

import java.util.Objects;

/**
 * One thing wrong with a candidate configuration: the key path it concerns, where the offending value came
 * from, and what is wrong. Renders as {@code config.yaml:12:7: db.port: must be between 1 and 65535}.
 *
 * <p>Immutable and thread-safe. Messages never contain the value of a secret key.
 *
 * @param path    the key path ({@code db.port}, {@code servers[0].host}); empty for the whole document
 * @param origin  where the value (or the document) came from
 * @param message what is wrong, in words an operator can act on
 */
public record Problem(String path, Origin origin, String message) {

  public Problem {
    Objects.requireNonNull(path, "path");
    Objects.requireNonNull(origin, "origin");
    Objects.requireNonNull(message, "message");
  }

  @Override
  public String toString() {
    return path.isEmpty() ? origin + ": " + message : origin + ": " + path + ": " + message;
  }
}
