package dev.relive.bench.peers;

import dev.relive.config.Key;
import java.time.Duration;
import java.util.Map;

/** The peers' properties file as a Relive record. */
public record BenchConfig(App app, Db db, Map<String, Boolean> feature) {

  /** The app section. */
  public record App(String greeting, int port, String host, Duration timeout) {}

  /** The db section. */
  public record Db(String url, int pool, @Key("user") String username) {}
}
