/** A service that embeds Relive on the module path: these two lines are all it takes. */
module com.example.greeter {
  requires dev.relive.config;
  // Relive builds the configuration records by reflection.
  opens com.example.greeter.config to dev.relive.config;
}
