/**
 * The development runner behind {@code relive dev}: watches a project, compiles what changed (and what
 * depends on it) in-process into a fresh directory, restarts the application on a good build, and keeps the
 * last good build serving when a build fails.
 */
@NullMarked
package dev.relive.devloop;

import org.jspecify.annotations.NullMarked;
