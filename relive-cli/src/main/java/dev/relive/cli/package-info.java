/** The {@code relive} command: picocli subcommands over the engine and the admin server. */
@NullMarked
package dev.relive.cli;

import org.jspecify.annotations.NullMarked;
