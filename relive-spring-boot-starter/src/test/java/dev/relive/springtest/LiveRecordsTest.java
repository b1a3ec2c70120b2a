package dev.relive.springtest;

import dev.relive.spring.LiveProperties;
import dev.relive.spring.LiveRecords;
import dev.relive.spring.ReliveEndpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.relive.config.LiveConfig;
import dev.relive.config.Participant;
import dev.relive.config.ReloadEvent;
import dev.relive.testsupport.K8sVolume;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationHandler;
import jakarta.validation.constraints.Min;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.boot.convert.DurationUnit;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.core.ResolvableType;
import org.springframework.validation.annotation.Validated;

/**
 * Spring Boot applications started for real on files the tests write: live records rebind with Boot's
 * Binder, all or none, on file changes, profile files, Kubernetes-style volume swaps and SIGHUP.
 */
class LiveRecordsTest {
  private static final Duration WAIT = Duration.ofSeconds(20);

  @ConfigurationProperties("app")
  @LiveProperties
  @Validated
  record AppProps(@DefaultValue("hello") String greeting, @DurationUnit(ChronoUnit.SECONDS) @DefaultValue("30")
      Duration timeout, @Min(1) @DefaultValue("4") int poolSize) {}

  @ConfigurationProperties("shop")
  @LiveProperties
  record ShopProps(String name, @DefaultValue("80") int port) {}

  /** A client rebuilt when ShopProps changes: prepared before the swap, committed after. */
  static final List<String> CLIENT = new CopyOnWriteArrayList<>();

  /** Every observation Boot's registry finishes, as name and key values. */
  static final List<String> OBSERVED = new CopyOnWriteArrayList<>();

  @SpringBootApplication
  @EnableConfigurationProperties({AppProps.class, ShopProps.class})
  static class TestApp {
    @Bean
    ObservationHandler<Observation.Context> recorder() {
      return new ObservationHandler<>() {
        @Override
        public void onStop(Observation.Context context) {
          OBSERVED.add(context.getName() + " " + context.getLowCardinalityKeyValues());
        }

        @Override
        public boolean supportsContext(Observation.Context context) {
          return true;
        }
      };
    }

    @Bean
    Participant<ShopProps> shopClient() {
      return (current, candidate) -> {
        CLIENT.add("prepare " + candidate.name());
        return new Participant.Prepared() {
          @Override
          public void commit() {
            CLIENT.add("commit " + candidate.name());
          }

          @Override
          public void abort() {
            CLIENT.add("abort " + candidate.name());
          }
        };
      };
    }
  }

  @TempDir
  Path dir;

  private ConfigurableApplicationContext start(String location, String... more) {
    String[] props = new String[more.length + 3];
    props[0] = "spring.config.location=" + location;
    props[1] = "relive.quiet-period=20ms";
    props[2] = "spring.main.web-application-type=none";
    System.arraycopy(more, 0, props, 3, more.length);
    return new SpringApplicationBuilder(TestApp.class).properties(props).run();
  }

  @SuppressWarnings("unchecked")
  private static <R> LiveConfig<R> live(ConfigurableApplicationContext context, Class<R> type) {
    return (LiveConfig<R>) context.getBeanProvider(ResolvableType.forClassWithGenerics(LiveConfig.class, type))
        .getObject();
  }

  private void save(Path file, String content) throws Exception {
    Path tmp = file.resolveSibling("." + file.getFileName() + ".tmp");
    Files.writeString(tmp, content);
    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }

  @Test
  void anEditRebindsBothRecordsInOneReload_withBootsRelaxedNamesDurationsAndDefaults() throws Exception {
    Path yml = dir.resolve("application.yml");
    Files.writeString(yml, "app:\n  pool-size: 8\n  timeout: 2m\nshop:\n  name: corner\n");
    try (ConfigurableApplicationContext context = start("file:" + yml)) {
      LiveConfig<AppProps> app = live(context, AppProps.class);
      LiveConfig<ShopProps> shop = live(context, ShopProps.class);
      assertThat(app.get()).isEqualTo(new AppProps("hello", Duration.ofMinutes(2), 8));
      assertThat(shop.get()).isEqualTo(new ShopProps("corner", 80));
      assertThat(context.getBean(AppProps.class)).isEqualTo(app.get()); // what Boot bound at start-up

      save(yml, "app:\n  poolSize: 16\n  timeout: 45\n  greeting: hej\nshop:\n  name: market\n  port: 8081\n");
      await().atMost(WAIT).until(() -> shop.get().name().equals("market"));
      assertThat(app.get()).isEqualTo(new AppProps("hej", Duration.ofSeconds(45), 16));
      assertThat(shop.get()).isEqualTo(new ShopProps("market", 8081));
      assertThat(app.snapshot().version()).isEqualTo(2);
      assertThat(shop.snapshot().version()).isEqualTo(2);
      assertThat(CLIENT).containsSubsequence("prepare market", "commit market");

      // A change outside the records' prefixes makes no version.
      save(yml, "app:\n  poolSize: 16\n  timeout: 45\n  greeting: hej\nshop:\n  name: market\n  port: 8081\nother: x\n");
      LiveRecords.Reload r = context.getBean(LiveRecords.class).reload("test");
      assertThat(r.ok()).isTrue();
      assertThat(r.applied()).isEmpty();
      assertThat(app.snapshot().version()).isEqualTo(2);
    }
  }

  @Test
  void aValidationFailure_keepsEveryRecordAsItWas_andNamesThePropertyAndItsOrigin() throws Exception {
    Path yml = dir.resolve("application.yml");
    Files.writeString(yml, "app:\n  pool-size: 8\nshop:\n  name: corner\n");
    try (ConfigurableApplicationContext context = start("file:" + yml, "relive.watch=false",
        "management.endpoints.jmx.exposure.include=relive", "spring.jmx.enabled=true")) {
      LiveConfig<AppProps> app = live(context, AppProps.class);
      LiveConfig<ShopProps> shop = live(context, ShopProps.class);
      CLIENT.clear();
      OBSERVED.clear();
      save(yml, "app:\n  pool-size: 0\nshop:\n  name: elsewhere\n");
      LiveRecords.Reload r = context.getBean(LiveRecords.class).reload("test");
      assertThat(r.ok()).isFalse();
      assertThat(r.problems()).singleElement().asString()
          .isEqualTo(yml + ":2:14: app.pool-size: must be greater than or equal to 1");
      assertThat(app.get().poolSize()).isEqualTo(8);
      assertThat(shop.get().name()).as("none swaps when one fails").isEqualTo("corner");
      assertThat(CLIENT).containsExactly("prepare elsewhere", "abort elsewhere");
      assertThat(app.status().lastRejection()).isPresent();

      save(yml, "app:\n  pool-size: [8\nshop:\n  name: elsewhere\n");
      assertThat(context.getBean(LiveRecords.class).reload("test").problems().get(0).message())
          .startsWith("cannot be read: ");
      HealthIndicator health = context.getBean("reliveHealthIndicator", HealthIndicator.class);
      assertThat(health.health().getStatus()).isEqualTo(Status.UP);
      assertThat(health.health().getDetails()).containsKeys("AppProps", "ShopProps");
      ReliveEndpoint endpoint = context.getBean(ReliveEndpoint.class);
      assertThat(endpoint.status()).containsKeys("AppProps", "ShopProps");
      save(yml, "app:\n  pool-size: 9\nshop:\n  name: elsewhere\n");
      assertThat(endpoint.reload(true)).containsEntry("result", "valid")
          .containsEntry("changed", Map.of("AppProps", List.of("app.pool-size"), "ShopProps", List.of("shop.name")));
      assertThat(app.get().poolSize()).as("a dry run swaps nothing").isEqualTo(8);
      assertThat(endpoint.reload(null)).containsEntry("result", "applied");
      assertThat(app.get().poolSize()).isEqualTo(9);
      assertThat(endpoint.history("AppProps")).hasSize(2);

      MeterRegistry meters = context.getBean(MeterRegistry.class);
      assertThat(meters.get("relive.config.version").tag("config", "AppProps").gauge().value()).isEqualTo(2);
      assertThat(meters.get("relive.rejections").tag("config", "AppProps").counters())
          .as("Boot validates while it binds").extracting(c -> c.getId().getTag("reason") + "=" + c.count())
          .contains("bind=1.0");
      assertThat(OBSERVED).filteredOn(o -> o.startsWith("relive.reload")).hasSize(3)
          .anySatisfy(o -> assertThat(o).contains("relive.outcome=refused"))
          .anySatisfy(o -> assertThat(o).contains("relive.outcome=applied"));
    }
  }

  @Test
  void aProfileFileChange_andAKubernetesVolumeSwap_areSeen() throws Exception {
    Path volume = Files.createDirectories(dir.resolve("config"));
    K8sVolume.write(volume, Map.of("application.yml", "shop:\n  name: base\n", "application-dev.yml",
        "shop:\n  port: 9000\n"));
    try (ConfigurableApplicationContext context = start("file:" + volume + "/", "spring.profiles.active=dev")) {
      LiveConfig<ShopProps> shop = live(context, ShopProps.class);
      assertThat(shop.get()).isEqualTo(new ShopProps("base", 9000));
      K8sVolume.write(volume, Map.of("application.yml", "shop:\n  name: swapped\n", "application-dev.yml",
          "shop:\n  port: 9001\n"));
      await().atMost(WAIT).until(() -> shop.get().equals(new ShopProps("swapped", 9001)));
    }
  }

  @Test
  void sighup_reloads() throws Exception {
    Path yml = dir.resolve("application.yml");
    Files.writeString(yml, "shop:\n  name: before\n");
    try (ConfigurableApplicationContext context = start("file:" + yml, "relive.watch=false")) {
      LiveConfig<ShopProps> shop = live(context, ShopProps.class);
      List<ReloadEvent> events = new CopyOnWriteArrayList<>();
      shop.subscribe(events::add);
      save(yml, "shop:\n  name: after\n");
      Process kill = new ProcessBuilder("kill", "-HUP", Long.toString(ProcessHandle.current().pid())).start();
      assertThat(kill.waitFor()).isZero();
      await().atMost(WAIT).until(() -> shop.get().name().equals("after"));
      assertThat(events).anySatisfy(e -> assertThat(e.cause()).isEqualTo("SIGHUP"));
    }
  }
}
