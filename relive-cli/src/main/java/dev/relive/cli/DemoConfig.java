package dev.relive.cli;

import dev.relive.config.Default;
import dev.relive.config.Problems;
import dev.relive.config.Secret;

/** The demo service's configuration: what {@code relive demo} writes to config.yaml and follows. */
record DemoConfig(Greeting greeting, Features features, RateLimit rateLimit, Pool pool, @Secret String apiToken) {

  record Greeting(@Default("Hello") String text, @Default("world") String name) {}

  record Features(@Default("false") boolean shout, @Default("false") boolean showVersion) {}

  record RateLimit(@Default("5") int requestsPerSecond, @Default("5") int burst) {}

  record Pool(@Default("4") int size, @Default("db.internal:5432") String target) {}

  /** The rules a demo config must follow; every broken one is reported. */
  static void validate(DemoConfig c, Problems problems) {
    if (c.greeting().text().isBlank()) {
      problems.add("greeting.text", "must not be blank");
    }
    if (c.rateLimit().requestsPerSecond() < 1 || c.rateLimit().requestsPerSecond() > 10_000) {
      problems.add("rateLimit.requestsPerSecond", "must be between 1 and 10000, was " + c.rateLimit().requestsPerSecond());
    }
    if (c.rateLimit().burst() < 1) {
      problems.add("rateLimit.burst", "must be at least 1, was " + c.rateLimit().burst());
    }
    if (c.pool().size() < 1 || c.pool().size() > 64) {
      problems.add("pool.size", "must be between 1 and 64, was " + c.pool().size());
    }
  }
}
