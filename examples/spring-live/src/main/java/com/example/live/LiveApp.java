package com.example.live;

import dev.relive.config.LiveConfig;
import dev.relive.config.Participant;
import dev.relive.spring.LiveProperties;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import java.time.Duration;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.context.annotation.Bean;
import org.springframework.validation.annotation.Validated;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/** GET / greets; GET /pool shows the pool. Both read live records: edit config/application.yml while it runs. */
@SpringBootApplication
@ConfigurationPropertiesScan
@RestController
public class LiveApp {
  @ConfigurationProperties("greeting")
  @LiveProperties
  public record GreetingProperties(@DefaultValue("Hello") String text, @DefaultValue("world") String name) {}

  @ConfigurationProperties("pool")
  @LiveProperties
  @Validated
  public record PoolProperties(@Min(1) @Max(64) @DefaultValue("4") int size,
      @DefaultValue("30s") Duration timeout) {}

  private final LiveConfig<GreetingProperties> greeting;
  private final LiveConfig<PoolProperties> pool;

  public LiveApp(LiveConfig<GreetingProperties> greeting, LiveConfig<PoolProperties> pool) {
    this.greeting = greeting;
    this.pool = pool;
  }

  @GetMapping("/")
  public String hello() {
    GreetingProperties g = greeting.get(); // one immutable record: never half of a change
    return g.text() + ", " + g.name() + "!\n";
  }

  @GetMapping("/pool")
  public String pool() {
    PoolProperties p = pool.get();
    return "pool of " + p.size() + ", timeout " + p.timeout() + " (version " + pool.snapshot().version() + ")\n";
  }

  /** Rebuilds "the pool" before a new size serves; if it could not, the old one would keep serving. */
  @Bean
  Participant<PoolProperties> poolRebuilder() {
    return (current, candidate) -> {
      System.out.println("preparing a pool of " + candidate.size());
      return new Participant.Prepared() {
        @Override
        public void commit() {
          System.out.println("switched to the pool of " + candidate.size());
        }

        @Override
        public void abort() {
          System.out.println("dropped the pool of " + candidate.size());
        }
      };
    };
  }

  public static void main(String[] args) {
    SpringApplication.run(LiveApp.class, args);
  }
}
