package dev.relive.config.spi;

import dev.relive.config.ConfigNode.ObjectNode;
import java.util.Set;

/**
 * Parses one document's bytes into a tree with origins. A format does not read files; a source does not
 * parse. Implementations are found with {@link java.util.ServiceLoader} and chosen by file extension or by
 * the name a source declares; the built-in ones are {@code yaml}, {@code json}, {@code toml} and
 * {@code properties}.
 *
 * <p>Implementations must be thread-safe and stateless.
 */
public interface ConfigFormat {

  /** The format's name, such as {@code yaml}. */
  String name();

  /** File extensions without the dot, such as {@code yaml} and {@code yml}. */
  Set<String> extensions();

  /**
   * Parses a whole document.
   *
   * @param bytes      the document as read
   * @param sourceName the name origins should carry, such as {@code config.yaml}
   * @param limits     the limits to enforce
   * @return the document's top-level object; an empty document gives an empty object
   * @throws dev.relive.config.ConfigException.Parse with every problem's origin, for malformed input or a
   *     limit exceeded; never any other exception
   */
  ObjectNode parse(byte[] bytes, String sourceName, ParseLimits limits);
}
