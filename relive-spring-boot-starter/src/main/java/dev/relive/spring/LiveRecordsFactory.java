package dev.relive.spring;

import java.util.List;
import org.springframework.beans.factory.FactoryBean;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.ApplicationContext;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.validation.Validator;

/** Makes the application's {@link LiveRecords} once, from its Environment, and closes it with the context. */
final class LiveRecordsFactory implements FactoryBean<LiveRecords>, DisposableBean {
  static final String BEAN = "reliveLiveRecords";

  private final List<Class<?>> types;
  private LiveRecords records;

  LiveRecordsFactory(List<Class<?>> types) {
    this.types = List.copyOf(types);
  }

  @Autowired
  void init(ApplicationContext context, ConfigurableEnvironment environment, ObjectProvider<ReliveValidator> validator) {
    ReliveValidator v = validator.getIfAvailable();
    Validator spring = v == null ? null : v.validator();
    this.records = new LiveRecords(environment, context, types, spring);
  }

  @Override
  public LiveRecords getObject() {
    return records;
  }

  @Override
  public Class<?> getObjectType() {
    return LiveRecords.class;
  }

  @Override
  public void destroy() {
    if (records != null) {
      records.close();
    }
  }
}
