package dev.relive.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code relive check} and {@code relive diff}, run from the packaged jar. */
class CheckIT {
  @TempDir
  Path dir;

  @Test
  void validFiles_printTheMergedConfig_redacted_exit0() throws Exception {
    Files.writeString(dir.resolve("base.yaml"), "name: shop\ndb:\n  url: jdbc:x\n  port: 5432\n  password: hunter2-xyz\n");
    Files.writeString(dir.resolve("prod.toml"), "[db]\nport = 6543\n");
    CliProcess.Result r = CliProcess.run(dir, "check", "base.yaml", "prod.toml");
    assertThat(r.exit()).isZero();
    JsonNode config = new ObjectMapper().readTree(r.out());
    assertThat(config.at("/db/port").asInt()).isEqualTo(6543);
    assertThat(config.at("/db/url").asText()).isEqualTo("jdbc:x");
    assertThat(config.at("/db/password").asText()).isEqualTo("<redacted>");
    assertThat(r.out() + r.err()).doesNotContain("hunter2-xyz");
  }

  @Test
  void invalidFiles_printEveryProblemWithItsOrigin_exit1() throws Exception {
    Files.writeString(dir.resolve("a.yaml"), "name: shop\nname: again\n");
    Files.writeString(dir.resolve("b.json"), "{\"db\": {\"port\": }");
    CliProcess.Result r = CliProcess.run(dir, "check", "a.yaml", "b.json");
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.err()).contains("2 problems:", "a.yaml:2:1: name: duplicate key, first defined at a.yaml:1:1",
        "b.json:1:17: ");
  }

  @Test
  void schemaViolations_areProblemsWithOrigins_exit1() throws Exception {
    Files.writeString(dir.resolve("c.yaml"), "db:\n  port: 70000\n");
    Files.writeString(dir.resolve("schema.json"), """
        {"type": "object", "required": ["name"],
         "properties": {"db": {"type": "object", "properties": {"port": {"type": "integer", "maximum": 65535}}}}}
        """);
    CliProcess.Result r = CliProcess.run(dir, "check", "--schema", "schema.json", "c.yaml");
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.err()).contains("c.yaml:2:9: db.port: must have a maximum value of 65535", "name: required property 'name' not found");
  }

  @Test
  void usageErrors_exit2() throws Exception {
    assertThat(CliProcess.run(dir, "check").exit()).isEqualTo(2);
    assertThat(CliProcess.run(dir, "check", "--nope", "x.yaml").exit()).isEqualTo(2);
    Files.writeString(dir.resolve("c.yaml"), "a: 1\n");
    CliProcess.Result missingSchema = CliProcess.run(dir, "check", "--schema", "missing.json", "c.yaml");
    assertThat(missingSchema.exit()).isEqualTo(2);
    assertThat(missingSchema.err()).contains("schema missing.json does not exist");
    assertThat(CliProcess.run(dir, "frobnicate").exit()).isEqualTo(2);
  }

  @Test
  void missingFile_isAnInvalidConfiguration_exit1() throws Exception {
    CliProcess.Result r = CliProcess.run(dir, "check", "absent.yaml");
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.err()).contains("absent.yaml: required file does not exist");
  }

  @Test
  void diff_printsChangedPathsWithOldAndNewValues() throws Exception {
    Files.writeString(dir.resolve("old.yaml"), "db:\n  url: jdbc:a\n  password: pw-one\nlimits: [1, 2]\ngone: x\n");
    Files.writeString(dir.resolve("new.json"), "{\"db\": {\"url\": \"jdbc:b\", \"password\": \"pw-two\"}, \"limits\": [1, 2, 3], \"added\": true}");
    CliProcess.Result r = CliProcess.run(dir, "diff", "old.yaml", "new.json");
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.out().lines()).containsExactly(
        "~ db.url: \"jdbc:a\" -> \"jdbc:b\"",
        "~ db.password: changed (secret)",
        "+ limits[2]: (absent) -> 3",
        "- gone: \"x\" -> (absent)",
        "+ added: (absent) -> true");
    assertThat(r.out()).doesNotContain("pw-one", "pw-two");
    assertThat(CliProcess.run(dir, "diff", "old.yaml", "old.yaml").exit()).isZero();
    // Only a secret changed: still a difference, shown without its values.
    Files.writeString(dir.resolve("rotated.yaml"), "db:\n  url: jdbc:a\n  password: pw-three\nlimits: [1, 2]\ngone: x\n");
    CliProcess.Result rotated = CliProcess.run(dir, "diff", "old.yaml", "rotated.yaml");
    assertThat(rotated.exit()).isEqualTo(1);
    assertThat(rotated.out().lines()).containsExactly("~ db.password: changed (secret)");
    // Values as written: 3.10 -> 3.1 is a change, and shows as one.
    Files.writeString(dir.resolve("v1.yaml"), "python: 3.10\ncolor: 0xFF\n");
    Files.writeString(dir.resolve("v2.toml"), "python = 3.1\ncolor = 0xFF\n");
    assertThat(CliProcess.run(dir, "diff", "v1.yaml", "v2.toml").out().lines()).containsExactly("~ python: 3.10 -> 3.1");
    CliProcess.Result json = CliProcess.run(dir, "diff", "--json", "old.yaml", "new.json");
    assertThat(json.out().lines().findFirst()).contains("{\"path\":\"db.url\",\"before\":\"jdbc:a\",\"after\":\"jdbc:b\"}");
  }
}
