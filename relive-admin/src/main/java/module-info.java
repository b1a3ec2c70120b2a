/** Admin endpoints, status page and metrics for Relive live configs. */
module dev.relive.admin {
  exports dev.relive.admin;

  requires transitive dev.relive.config;
  requires transitive jdk.httpserver;
  requires transitive micrometer.core;
  requires com.fasterxml.jackson.databind;
  requires org.slf4j;
  requires static org.jspecify;
}
