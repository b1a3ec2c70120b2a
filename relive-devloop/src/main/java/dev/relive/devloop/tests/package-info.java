/** The affected-tests JVM's main, run by relive dev on the project's test classpath. */
@NullMarked
package dev.relive.devloop.tests;

import org.jspecify.annotations.NullMarked;
