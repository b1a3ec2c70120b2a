package dev.relive.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Secret values never appear in events, problems, logs, diffs or redacted output. */
class SecretsTest {
  record Db(String url, @Secret String credentials, String password) {}

  record Cfg(Db db, @Secret int pin, String apiToken, String user) {}

  static final List<String> SECRETS = List.of("hunter2-credentials", "hunter2-password", "97531864", "tok-abc-123",
      "new-hunter2-password", "not-a-pin");

  @TempDir
  Path dir;

  @Test
  void secretsNeverLeak_throughEventsProblemsLogsOrRedactedTrees() {
    PrintStream originalErr = System.err;
    ByteArrayOutputStream logs = new ByteArrayOutputStream();
    System.setErr(new PrintStream(logs, true, StandardCharsets.UTF_8));
    List<String> outputs = new ArrayList<>();
    try {
      Path file = Fixtures.write(dir.resolve("s.yaml"), """
          db: {url: jdbc:x, credentials: hunter2-credentials, password: hunter2-password}
          pin: 97531864
          apiToken: tok-abc-123
          user: alice
          """);
      try (LiveConfig<Cfg> config = LiveConfig.builder(Cfg.class).source(ConfigSources.file(file))
          .validator((c, problems) -> {
            if (c.db().password().startsWith("new")) {
              problems.add("db.password", "is too weak: " + c.db().password());
            }
          })
          .executor(Runnable::run).build()) {
        config.subscribe(e -> outputs.add(e.toString()));
        outputs.add(config.snapshot().tree().toJson());
        // a binding problem at a secret path
        Fixtures.write(file, "db: {url: jdbc:x, credentials: hunter2-credentials, password: hunter2-password}\n"
            + "pin: not-a-pin\napiToken: tok-abc-123\nuser: alice\n");
        ReloadEvent.Rejected bind = (ReloadEvent.Rejected) config.reload();
        assertThat(bind.problems()).extracting(Problem::path).containsExactly("pin");
        // a validator that puts the secret in its message
        Fixtures.write(file, "db: {url: jdbc:x, credentials: hunter2-credentials, password: new-hunter2-password}\n"
            + "pin: 97531864\napiToken: tok-abc-123\nuser: alice\n");
        ReloadEvent.Rejected invalid = (ReloadEvent.Rejected) config.reload();
        assertThat(invalid.problems()).singleElement().satisfies(p ->
            assertThat(p.message()).isEqualTo("is too weak: " + ConfigTree.REDACTED));
        // an applied change of secrets: paths only
        Fixtures.write(file, "db: {url: jdbc:y, credentials: c2-credentials, password: p2-password}\n"
            + "pin: 86420975\napiToken: tok-xyz-999\nuser: bob\n");
        ReloadEvent.Applied applied = (ReloadEvent.Applied) config.reload();
        assertThat(applied.changedPaths()).contains("db.credentials", "pin", "apiToken");
        outputs.add(config.status().toString());
        outputs.add(config.snapshot().tree().toJson());
        outputs.add(config.history().get(1).changesTo(config.snapshot()).toString());
        assertThat(config.snapshot().tree().getString("db.credentials")).contains(ConfigTree.REDACTED);
        assertThat(config.snapshot().tree().getString("db.password")).contains(ConfigTree.REDACTED);
        assertThat(config.snapshot().tree().getString("user")).contains("bob");
        assertThat(config.get().db().password()).isEqualTo("p2-password");
      }
    } finally {
      System.setErr(originalErr);
    }
    outputs.add(logs.toString(StandardCharsets.UTF_8));
    assertThat(logs.toString(StandardCharsets.UTF_8)).contains("rejected a candidate");
    for (String out : outputs) {
      for (String secret : List.of(SECRETS.get(0), SECRETS.get(1), SECRETS.get(2), SECRETS.get(3), SECRETS.get(4),
          "c2-credentials", "p2-password", "86420975", "tok-xyz-999")) {
        assertThat(out).doesNotContain(secret);
      }
    }
  }

  @Test
  void secretNames_areWholeLastWords_notSubstrings() {
    for (String secret : List.of("password", "dbPassword", "db.password", "api_key", "apiKey", "API_KEY", "client-secret",
        "clientSecret", "auth.token", "githubToken", "credentials", "aws.secretAccessKey", "private_key", "passphrase",
        "spring.datasource.password", "secrets.db")) {
      assertThat(ConfigTree.isSecretName(secret)).as(secret).isTrue();
    }
    for (String plain : List.of("max_tokens", "passwordPolicy.minLength", "tokenizer", "tokens_per_minute",
        "secretary.name", "env[0].valueFrom.secretKeyRef.name", "keyId", "accessKeyId", "monkey", "tokenUrl",
        "password_min_length")) {
      assertThat(ConfigTree.isSecretName(plain)).as(plain).isFalse();
    }
  }

  record Login(String user, String password) {}

  @Test
  void thePublishedHash_coversNoSecret_soItConfirmsNoGuess() {
    InMemorySource memory = new InMemorySource("s");
    try (LiveConfig<Login> config = LiveConfig.builder(Login.class).source(memory.set(java.util.Map.of("user", "alice",
        "password", "summer2024"))).reloadOnSighup(false).secretPattern("user").build()) {
      String first = config.snapshot().hash();
      memory.set(java.util.Map.of("user", "alice", "password", "winter2023"));
      ReloadEvent.Applied rotated = (ReloadEvent.Applied) config.reload();
      assertThat(rotated.changedPaths()).containsExactly("password");
      assertThat(rotated.hash()).isEqualTo(first);
      memory.set(java.util.Map.of("user", "bob", "password", "winter2023"));
      assertThat(((ReloadEvent.Applied) config.reload()).hash()).isEqualTo(first);
      assertThat(config.snapshot().tree().getString("user")).contains(ConfigTree.REDACTED);
      assertThat(config.history().get(1).changesTo(config.snapshot())).singleElement()
          .satisfies(c -> assertThat(c.after()).get().asString().contains(ConfigTree.REDACTED));
    }
  }
}
