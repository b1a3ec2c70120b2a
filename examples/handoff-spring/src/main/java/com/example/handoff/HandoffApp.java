package com.example.handoff;

import jakarta.validation.constraints.NotBlank;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.validation.annotation.Validated;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/** Answers with its message and generation; run it under relive serve and upgrade it while it is loaded. */
@SpringBootApplication
@EnableConfigurationProperties(HandoffApp.AppProperties.class)
@RestController
public class HandoffApp {
  /** What this build says; a blank message stops it from starting (a broken release). */
  @ConfigurationProperties("app")
  @Validated
  record AppProperties(@NotBlank String message) {}

  private final AppProperties app;

  HandoffApp(AppProperties app) {
    this.app = app;
  }

  @GetMapping("/")
  String hello() {
    return app.message() + " (generation " + System.getenv().getOrDefault("RELIVE_GENERATION", "-") + ")\n";
  }

  public static void main(String[] args) {
    SpringApplication.run(HandoffApp.class, args);
  }
}
