package dev.relive.config.spi;

/**
 * Safety limits every format enforces, so a hostile or broken document fails with a problem instead of
 * exhausting memory or stack.
 *
 * @param maxBytes   largest document accepted, in bytes
 * @param maxDepth   deepest nesting of objects and lists
 * @param maxAliases most YAML aliases in one document
 * @param maxNodes   most nodes after alias expansion (stops "billion laughs" documents)
 */
public record ParseLimits(int maxBytes, int maxDepth, int maxAliases, int maxNodes) {

  /** 4 MiB, depth 64, 100 aliases, 1,000,000 nodes: far above real configuration files. */
  public static final ParseLimits DEFAULTS = new ParseLimits(4 << 20, 64, 100, 1_000_000);

  public ParseLimits {
    if (maxBytes < 1 || maxDepth < 1 || maxAliases < 0 || maxNodes < 1) {
      throw new IllegalArgumentException(String.format(
          "limits must be positive: maxBytes=%d maxDepth=%d maxAliases=%d maxNodes=%d",
          maxBytes, maxDepth, maxAliases, maxNodes));
    }
  }
}
