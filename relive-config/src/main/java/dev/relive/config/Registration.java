package dev.relive.config;

/** A registered listener, participant or event subscriber; {@link #close()} removes it. Idempotent. */
@FunctionalInterface
public interface Registration extends AutoCloseable {
  @Override
  void close();
}
