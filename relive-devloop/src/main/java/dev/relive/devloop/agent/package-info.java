/** relive dev's Java agent: HotSwap in the application's JVM, fenced by a per-launch secret. */
@NullMarked
package dev.relive.devloop.agent;

import org.jspecify.annotations.NullMarked;
