package dev.relive.config;

import java.nio.file.Path;
import java.time.Instant;
import java.util.Optional;

/**
 * How one file source is being watched.
 *
 * @param path       the file as the user named it
 * @param mode       {@link WatchMode#EVENTS} or {@link WatchMode#POLL}, as chosen for this file
 * @param lastChange when a change to it was last seen, if ever
 * @param warning    why updates to it may not be seen (a single-file bind mount, a failed registration)
 */
public record WatchedFile(Path path, WatchMode mode, Optional<Instant> lastChange, Optional<String> warning) {}
