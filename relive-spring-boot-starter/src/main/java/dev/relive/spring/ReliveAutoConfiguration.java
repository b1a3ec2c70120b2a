package dev.relive.spring;

import dev.relive.admin.ReliveMetrics;
import dev.relive.config.ChangeListener;
import dev.relive.config.LiveConfig;
import dev.relive.config.Participant;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.observation.ObservationRegistry;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.ApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.ResolvableType;
import org.springframework.validation.beanvalidation.LocalValidatorFactoryBean;

/**
 * Live {@code @ConfigurationProperties} records (see {@link LiveProperties}): a {@code LiveConfig<R>} bean per
 * live record, files and SIGHUP watched, participant and listener beans wired, and with Actuator the
 * {@code relive} endpoint and health indicator, with Micrometer the reload metrics.
 */
@AutoConfiguration
@ConditionalOnClass(LiveConfig.class)
@EnableConfigurationProperties(ReliveProperties.class)
public class ReliveAutoConfiguration {
  @Bean
  static LiveRecordsRegistrar reliveLiveRecordsRegistrar() {
    return new LiveRecordsRegistrar();
  }

  /** Participant and listener beans join their record's config; then watching starts. */
  @Bean
  SmartInitializingSingleton reliveStart(LiveRecords records, ReliveProperties settings, ApplicationContext context) {
    return () -> {
      wire(records, context);
      records.watch(settings.isWatch(), settings.isSighup(), settings.getQuietPeriod());
    };
  }

  /** By declared generic type ({@code Participant<AppProps>}, from the bean method), lambdas included. */
  @SuppressWarnings({"unchecked", "rawtypes"})
  private static void wire(LiveRecords records, ApplicationContext context) {
    for (Class<?> type : records.types()) {
      LiveConfig config = records.config(type);
      for (String name : context.getBeanNamesForType(ResolvableType.forClassWithGenerics(Participant.class, type))) {
        config.participate(context.getBean(name, Participant.class));
      }
      for (String name : context.getBeanNamesForType(ResolvableType.forClassWithGenerics(ChangeListener.class, type))) {
        config.onChange(context.getBean(name, ChangeListener.class));
      }
    }
  }

  /** Bean Validation for {@code @Validated} records, when the application has a provider. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(name = "jakarta.validation.Validation")
  static class Validation {
    @Bean
    @ConditionalOnMissingBean
    ReliveValidator reliveValidator() {
      LocalValidatorFactoryBean factory = new LocalValidatorFactoryBean();
      factory.afterPropertiesSet();
      return new ReliveValidator(factory);
    }
  }

  /** The relive endpoint. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(Endpoint.class)
  static class Actuator {
    @Bean
    @ConditionalOnMissingBean
    @ConditionalOnAvailableEndpoint
    ReliveEndpoint reliveEndpoint(LiveRecords records) {
      return new ReliveEndpoint(records);
    }
  }

  /** The relive health indicator. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass({HealthIndicator.class, ConditionalOnEnabledHealthIndicator.class})
  static class Health {
    @Bean
    @ConditionalOnMissingBean(name = "reliveHealthIndicator")
    @ConditionalOnEnabledHealthIndicator("relive")
    HealthIndicator reliveHealthIndicator(LiveRecords records, ReliveProperties settings) {
      return new ReliveHealthIndicator(records, settings.getDegradedStatus());
    }
  }

  /** Under relive serve (which sets RELIVE_GENERATION): Tomcat on the inherited socket, ready, pause, drain. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(name = {"dev.relive.handoff.Handoff", "org.apache.catalina.connector.Connector",
      "org.springframework.boot.tomcat.TomcatConnectorCustomizer"})
  @ConditionalOnProperty(name = "RELIVE_GENERATION")
  @ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
  static class Serve {
    @Bean
    ReliveServe reliveServe() {
      return new ReliveServe();
    }
  }

  /** Each reload as an observation on the application's registry. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(ObservationRegistry.class)
  static class Observations {
    @Bean
    SmartInitializingSingleton reliveObservations(LiveRecords records, ObjectProvider<ObservationRegistry> registry) {
      return () -> registry.ifAvailable(r -> records.observeWith(new ReliveObservations(r)));
    }
  }

  /** Reload metrics on the application's registry. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(MeterRegistry.class)
  static class Metrics {
    /** A MeterBinder: Boot binds it to every registry it makes. */
    @Bean
    ReliveMetrics reliveMetrics(LiveRecords records) {
      return new ReliveMetrics(records.configs());
    }
  }
}
