package dev.relive.spring;

import dev.relive.config.LiveConfig;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.BeansException;
import org.springframework.beans.factory.BeanClassLoaderAware;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.BeanFactoryAware;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.beans.factory.support.AbstractBeanDefinition;
import org.springframework.beans.factory.support.BeanDefinitionRegistry;
import org.springframework.beans.factory.support.BeanDefinitionRegistryPostProcessor;
import org.springframework.beans.factory.support.RootBeanDefinition;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.EnvironmentAware;
import org.springframework.core.ResolvableType;
import org.springframework.core.env.Environment;
import org.springframework.util.ClassUtils;

/**
 * Finds the live records (the {@code @ConfigurationProperties} types annotated {@link LiveProperties}, and
 * those {@code relive.properties} names) among the bean definitions, and registers a {@code LiveConfig<R>}
 * bean for each, so that {@code LiveConfig<AppProperties>} can be injected like any bean.
 */
final class LiveRecordsRegistrar implements BeanDefinitionRegistryPostProcessor, EnvironmentAware, BeanClassLoaderAware,
    BeanFactoryAware {
  private @Nullable Environment environment;
  private @Nullable ClassLoader classLoader;
  private @Nullable BeanFactory beanFactory;

  @Override
  public void setEnvironment(Environment environment) {
    this.environment = environment;
  }

  @Override
  public void setBeanClassLoader(ClassLoader classLoader) {
    this.classLoader = classLoader;
  }

  @Override
  public void setBeanFactory(BeanFactory factory) {
    this.beanFactory = factory;
  }

  @Override
  public void postProcessBeanDefinitionRegistry(BeanDefinitionRegistry registry) throws BeansException {
    List<Class<?>> types = new ArrayList<>(liveTypes(registry));
    for (Class<?> type : types) {
      RootBeanDefinition def = new RootBeanDefinition(LiveConfig.class);
      def.setTargetType(ResolvableType.forClassWithGenerics(LiveConfig.class, type));
      def.setInstanceSupplier(() -> records().config(type));
      def.setDestroyMethodName(AbstractBeanDefinition.INFER_METHOD);
      def.setDestroyMethodName("");
      registry.registerBeanDefinition("liveConfig." + type.getName(), def);
    }
    RootBeanDefinition records = new RootBeanDefinition(LiveRecordsFactory.class);
    records.getConstructorArgumentValues().addGenericArgumentValue(types);
    registry.registerBeanDefinition(LiveRecordsFactory.BEAN, records);
  }

  private LiveRecords records() {
    BeanFactory f = beanFactory;
    if (f == null) {
      throw new IllegalStateException("no bean factory");
    }
    return f.getBean(LiveRecords.class);
  }

  private Set<Class<?>> liveTypes(BeanDefinitionRegistry registry) {
    Set<Class<?>> out = new LinkedHashSet<>();
    ClassLoader loader = classLoader != null ? classLoader : ClassUtils.getDefaultClassLoader();
    for (String name : registry.getBeanDefinitionNames()) {
      BeanDefinition bd = registry.getBeanDefinition(name);
      String className = bd.getBeanClassName();
      if (className == null) {
        continue;
      }
      try {
        Class<?> type = ClassUtils.forName(className, loader);
        if (type.isAnnotationPresent(LiveProperties.class)) {
          out.add(type);
        }
      } catch (ClassNotFoundException | LinkageError e) {
        // not ours to judge
      }
    }
    Environment env = environment;
    if (env != null) {
      for (String className : Binder.get(env).bind("relive.properties", String[].class).orElse(new String[0])) {
        try {
          out.add(ClassUtils.forName(className.trim(), loader));
        } catch (ClassNotFoundException e) {
          throw new IllegalStateException("relive.properties names " + className + ", which is not on the class path", e);
        }
      }
    }
    return out;
  }

  @Override
  public void postProcessBeanFactory(ConfigurableListableBeanFactory factory) throws BeansException {
    // everything happens on the registry
  }
}
