package com.example.greeter.config;

import dev.relive.config.Default;
import dev.relive.config.Secret;
import java.time.Duration;
import java.util.List;

/** The greeter's configuration: an immutable record, swapped whole on every change. */
public record GreeterConfig(Greeting greeting, Duration timeout, List<String> admins, Db db) {

  public record Greeting(@Default("Hello") String text, String name) {}

  public record Db(String url, @Default("10") int poolSize, @Secret String password) {}
}
