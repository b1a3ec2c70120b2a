package dev.relive.config;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** The configuration type most tests bind to. */
record AppConfig(String name, Db db, List<Server> servers, Map<String, Integer> limits, Duration timeout, Mode mode,
    Set<String> tags, double ratio, Optional<String> banner, @Default("true") boolean enabled) {

  record Db(String url, @Default("10") int poolSize, @Secret String password) {}

  record Server(String host, int port) {}

  enum Mode { FAST, SAFE }
}
