package dev.relive.config;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a record component as secret: its value, and everything under it, is redacted from events, logs,
 * diffs, status and CLI output. Keys whose names contain password, secret, token, credential, api-key,
 * private-key or access-key are secret without this annotation.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.RECORD_COMPONENT, ElementType.PARAMETER, ElementType.FIELD, ElementType.METHOD})
public @interface Secret {}
