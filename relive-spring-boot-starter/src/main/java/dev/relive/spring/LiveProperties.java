package dev.relive.spring;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Makes a {@code @ConfigurationProperties} record live: besides the record bean Boot binds at start-up, the
 * context gets a {@code LiveConfig<ThisRecord>} that always holds the record as the files say now, bound by
 * Boot's Binder (relaxed names, {@code @DefaultValue}, {@code @DurationUnit}, converters, {@code @Validated}).
 * Inject the {@code LiveConfig} and call {@code get()} where you read the values; records are immutable, so a
 * reader never sees half of a change. ({@code relive.properties} lists record classes the same way.)
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
public @interface LiveProperties {}
