package dev.relive.cli;

import dev.relive.config.ConfigSources;
import dev.relive.config.ConfigTree;
import dev.relive.config.LiveConfig;
import dev.relive.config.spi.ConfigSource;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** The files (merged in order, later wins) and the optional JSON Schema that check and watch share. */
final class Inputs {
  @Parameters(arity = "0..*", paramLabel = "FILE",
      description = "YAML, JSON, TOML or properties files, later ones win; - reads standard input (see --format)")
  List<Path> files = new ArrayList<>();

  @Option(names = "--format", paramLabel = "FORMAT",
      description = "the format of standard input and of files whose extension does not say: yaml (the default for -), "
          + "json, toml or properties")
  @Nullable String format;

  @Option(names = "--schema", paramLabel = "SCHEMA.json", description = "also validate against this JSON Schema")
  @Nullable Path schema;

  @Option(names = "--schema-allow-remote",
      description = "let the schema's $ref fetch http(s) URLs; without it only local files are read")
  boolean allowRemote;

  /**
   * Fails as a usage error when no file is given.
   *
   * @throws IllegalArgumentException naming what is missing
   */
  void requireFiles(String what) {
    if (files.isEmpty()) {
      throw new IllegalArgumentException("no FILE given: " + what);
    }
  }

  /** True when one of the files is {@code -}, standard input. */
  boolean readsStandardInput() {
    return files.stream().anyMatch(f -> f.toString().equals("-"));
  }

  List<ConfigSource> sources() {
    List<ConfigSource> out = new ArrayList<>();
    for (Path f : files) {
      if (f.toString().equals("-")) {
        try {
          out.add(ConfigSources.document("stdin", System.in.readAllBytes(), format != null ? format : "yaml"));
        } catch (IOException e) {
          throw new UncheckedIOException("cannot read standard input", e);
        }
      } else {
        out.add(format != null && !hasKnownExtension(f) ? ConfigSources.file(f, format) : ConfigSources.file(f));
      }
    }
    return out;
  }

  private static boolean hasKnownExtension(Path f) {
    String name = f.getFileName() == null ? "" : f.getFileName().toString();
    return name.matches(".*\\.(ya?ml|json|toml|properties)$");
  }

  LiveConfig.Builder<ConfigTree> builder() {
    return Loading.builder(sources(), Optional.ofNullable(schema), allowRemote);
  }

  /** The files that can be watched: every one but standard input. */
  List<Path> watchable() {
    return files.stream().filter(f -> !f.toString().equals("-")).toList();
  }
}
