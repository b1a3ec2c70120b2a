package dev.relive.cli;

import dev.relive.config.ConfigException;
import dev.relive.config.ConfigTree;
import dev.relive.config.LiveConfig;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(name = "check", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
    description = {
    "Merge FILEs in order (later wins) and print the effective configuration as JSON, secrets redacted.",
    "Exit 0 when valid; 1 when invalid, with every problem and its origin on stderr; 2 on a usage error."})
final class CheckCommand implements Callable<Integer> {
  @Mixin
  Inputs inputs;

  @Spec
  CommandSpec spec;

  @Override
  public Integer call() {
    inputs.requireFiles("relive check needs at least one file, or - for standard input");
    LiveConfig.Builder<ConfigTree> builder = inputs.builder().executor(Runnable::run);
    try (LiveConfig<ConfigTree> config = builder.build()) {
      spec.commandLine().getOut().println(config.snapshot().tree().toPrettyJson());
      spec.commandLine().getOut().flush();
      return Exit.OK;
    } catch (ConfigException e) {
      Loading.printProblems(e.problems(), spec.commandLine().getErr());
      return Exit.INVALID;
    }
  }
}
