/**
 * Extension points: a {@link dev.relive.config.spi.ConfigSource} reads one layer's bytes or entries with a
 * stamp; a {@link dev.relive.config.spi.ConfigFormat} parses bytes into a tree with origins. Neither does
 * the other's job. Register formats with {@link java.util.ServiceLoader}.
 */
@NullMarked
package dev.relive.config.spi;

import org.jspecify.annotations.NullMarked;
