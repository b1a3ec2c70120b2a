package dev.relive.cli;

import dev.relive.config.ConfigException;
import dev.relive.config.ConfigTree;
import dev.relive.config.LiveConfig;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "check", description = {
    "Merge FILEs in order (later wins) and print the effective configuration as JSON, secrets redacted.",
    "Exit 0 when valid; 1 when invalid, with every problem and its origin on stderr; 2 on a usage error."})
final class CheckCommand implements Callable<Integer> {
  @Parameters(arity = "1..*", paramLabel = "FILE", description = "YAML, JSON, TOML or properties files")
  List<Path> files;

  @Option(names = "--schema", paramLabel = "SCHEMA.json", description = "also validate against this JSON Schema")
  Path schema;

  @Spec
  CommandSpec spec;

  @Override
  public Integer call() {
    LiveConfig.Builder<ConfigTree> builder = Loading.builder(files, Optional.ofNullable(schema)).executor(Runnable::run);
    try (LiveConfig<ConfigTree> config = builder.build()) {
      spec.commandLine().getOut().println(config.snapshot().redactedTree().toPrettyJson());
      spec.commandLine().getOut().flush();
      return Exit.OK;
    } catch (ConfigException e) {
      Loading.printProblems(e.problems(), spec.commandLine().getErr());
      return Exit.INVALID;
    }
  }
}
