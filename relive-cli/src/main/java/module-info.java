/** The relive command. */
module dev.relive.cli {
  requires dev.relive.config;
  requires dev.relive.admin;
  requires micrometer.registry.prometheus;
  requires info.picocli;
  requires com.fasterxml.jackson.databind;
  requires com.networknt.schema;
  requires static org.jspecify;

  opens dev.relive.cli to info.picocli, dev.relive.config;
}
