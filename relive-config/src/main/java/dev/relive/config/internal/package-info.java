/** Relive's engine internals: not exported by module-info, no compatibility promised. */
@NullMarked
package dev.relive.config.internal;

import org.jspecify.annotations.NullMarked;
