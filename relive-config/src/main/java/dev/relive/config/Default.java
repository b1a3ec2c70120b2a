package dev.relive.config;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The value a record component takes when its key is absent, written as it would be in a file
 * ({@code @Default("30s") Duration timeout}, {@code @Default("8080") int port}). It is converted like any
 * other value, so a bad default is reported like a bad file.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.RECORD_COMPONENT, ElementType.PARAMETER, ElementType.FIELD, ElementType.METHOD})
public @interface Default {
  /** The default value as text. */
  String value();
}
