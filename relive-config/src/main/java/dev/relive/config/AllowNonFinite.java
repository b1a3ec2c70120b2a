package dev.relive.config;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Lets a {@code double} or {@code float} component (or a collection or map of them) take NaN and the
 * infinities ({@code .nan}, {@code .inf} in YAML, {@code nan}, {@code inf} in TOML). Without it such values,
 * and numbers too large for the type ({@code 1e400}), are problems: a ratio or a timeout factor that became
 * infinite is almost always a mistake.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.RECORD_COMPONENT, ElementType.FIELD, ElementType.PARAMETER, ElementType.METHOD})
public @interface AllowNonFinite {}
