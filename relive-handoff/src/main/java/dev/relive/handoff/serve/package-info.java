/**
 * {@code relive serve}: a supervisor with a stable PID that holds a service's listening socket and hands it
 * from one generation of the service to the next — start, wait until ready, drain the old one, roll back by
 * itself.
 */
@NullMarked
package dev.relive.handoff.serve;

import org.jspecify.annotations.NullMarked;
