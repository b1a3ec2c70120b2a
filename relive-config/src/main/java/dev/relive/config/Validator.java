package dev.relive.config;

/**
 * Checks a bound candidate before it can serve; reports every problem to {@link Problems}. Any problem
 * rejects the candidate and the previous version keeps serving. A validator that throws is reported as a
 * problem too.
 */
@FunctionalInterface
public interface Validator<T> {
  void validate(T candidate, Problems problems);
}
