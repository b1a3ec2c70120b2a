/**
 * Live {@code @ConfigurationProperties} records for Spring Boot: mark a record {@link LiveProperties}, inject
 * {@code LiveConfig<ItsType>}; every change to the files behind the Environment binds all live records afresh
 * with Boot's own Binder, from one snapshot, and swaps them only if every one binds and validates.
 */
@NullMarked
package dev.relive.spring;

import org.jspecify.annotations.NullMarked;
