/** Relive's engine: live, typed, validated configuration. */
module dev.relive.config {
  exports dev.relive.config;
  exports dev.relive.config.spi;

  requires com.fasterxml.jackson.core;
  requires org.snakeyaml.engine;
  requires org.tomlj;
  requires org.slf4j;
  // nullness annotations on the API: compile-time only, read by users' checkers when present
  requires static transitive org.jspecify;
  requires static jakarta.validation;
  // sun.misc.Signal, for SIGHUP reloads (used by reflection; without this it is not resolved on the module path)
  requires jdk.unsupported;

  uses dev.relive.config.spi.ConfigFormat;
}
