/**
 * Live configuration: typed, immutable snapshots that reload atomically.
 *
 * <p>Start with {@link dev.relive.config.LiveConfig#builder}: give it {@link dev.relive.config.ConfigSources
 * sources} in order of precedence and a record type; {@code get()} returns the serving record. Every change
 * goes through one pipeline (read, parse, merge, bind, validate, diff, prepare, swap, commit, record); a bad
 * change is a {@link dev.relive.config.ReloadEvent.Rejected} with {@link dev.relive.config.Problem problems}
 * that name each path and origin, and the previous version keeps serving.
 */
@NullMarked
package dev.relive.config;

import org.jspecify.annotations.NullMarked;
