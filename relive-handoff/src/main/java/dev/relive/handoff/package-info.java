/**
 * The application side of a zero-downtime upgrade under {@code relive serve}: {@link dev.relive.handoff.Handoff}
 * adopts the inherited listening socket, reports ready, and pauses, resumes or drains on request. No
 * dependencies.
 */
@NullMarked
package dev.relive.handoff;

import org.jspecify.annotations.NullMarked;
