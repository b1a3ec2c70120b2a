package dev.relive.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The installable distribution, used the way INSTALL.txt says: unpacked somewhere, {@code bin/relive} linked
 * into a directory on the PATH, and run from an unrelated directory.
 */
class DistributionIT {
  @TempDir
  Path home;

  private record Run(int exit, String out, String err) {}

  private Run relive(Path bin, Path cwd, String... args) throws Exception {
    // Through a shell, so that "relive" is found on the PATH given here, as a user's shell finds it.
    List<String> command = new ArrayList<>(List.of("/bin/sh", "-c", "exec relive \"$@\"", "sh"));
    command.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(command).directory(cwd.toFile());
    Map<String, String> env = pb.environment();
    env.put("PATH", bin + ":" + Path.of(System.getProperty("java.home"), "bin") + ":/usr/bin:/bin");
    env.remove("JAVA_HOME");
    Process p = pb.start();
    p.getOutputStream().close();
    CompletableFuture<byte[]> out = CompletableFuture.supplyAsync(() -> read(p.getInputStream()));
    CompletableFuture<byte[]> err = CompletableFuture.supplyAsync(() -> read(p.getErrorStream()));
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    return new Run(p.exitValue(), new String(out.get(), StandardCharsets.UTF_8), new String(err.get(), StandardCharsets.UTF_8));
  }

  private static byte[] read(java.io.InputStream in) {
    try (in; ByteArrayOutputStream out = new ByteArrayOutputStream()) {
      in.transferTo(out);
      return out.toByteArray();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @Test
  void theUnpackedDistribution_runsThroughASymlinkOnThePath_fromAnyDirectory() throws Exception {
    Path archive = Path.of(System.getProperty("relive.dist"));
    Path unpacked = Files.createDirectories(home.resolve("opt"));
    Process tar = new ProcessBuilder("tar", "-xzf", archive.toString(), "-C", unpacked.toString()).inheritIO().start();
    assertThat(tar.waitFor(60, TimeUnit.SECONDS) && tar.exitValue() == 0).isTrue();
    Path installed;
    try (var dirs = Files.list(unpacked)) {
      installed = dirs.findFirst().orElseThrow();
    }
    assertThat(installed.resolve("INSTALL.txt")).exists();
    Path bin = Files.createDirectories(home.resolve("bin"));
    Files.createSymbolicLink(bin.resolve("relive"), installed.resolve("bin/relive"));
    Path work = Files.createDirectories(home.resolve("somewhere/else"));
    Files.writeString(work.resolve("app.yaml"), "greeting: hi\ndb:\n  password: s3cret-value\n");

    Run version = relive(bin, work, "--version");
    assertThat(version.exit()).isZero();
    assertThat(version.out()).startsWith("relive 0.1.0");

    Run check = relive(bin, work, "check", "app.yaml");
    assertThat(check.exit()).as(check.err()).isZero();
    assertThat(check.out()).contains("\"greeting\" : \"hi\"").contains("<redacted>").doesNotContain("s3cret-value");

    Run completion = relive(bin, work, "generate-completion");
    assertThat(completion.exit()).isZero();
    assertThat(completion.out()).contains("relive Bash Completion").contains("check").contains("watch");
  }
}
