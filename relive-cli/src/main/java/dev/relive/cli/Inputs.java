package dev.relive.cli;

import dev.relive.config.ConfigTree;
import dev.relive.config.LiveConfig;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** The files (merged in order, later wins) and the optional JSON Schema that check and watch share. */
final class Inputs {
  @Parameters(arity = "1..*", paramLabel = "FILE", description = "YAML, JSON, TOML or properties files; later ones win")
  List<Path> files;

  @Option(names = "--schema", paramLabel = "SCHEMA.json", description = "also validate against this JSON Schema")
  @Nullable Path schema;

  LiveConfig.Builder<ConfigTree> builder() {
    return Loading.builder(files, Optional.ofNullable(schema));
  }
}
