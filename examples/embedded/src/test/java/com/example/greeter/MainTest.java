package com.example.greeter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.example.greeter.config.GreeterConfig;
import dev.relive.config.LiveConfig;
import dev.relive.config.ReloadEvent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The example's own test, as a user's project would write one against the installed Relive. */
class MainTest {
  @TempDir
  Path dir;

  @Test
  void defaultsThenFile_andABadChangeKeepsTheOldVersion() throws Exception {
    Path file = dir.resolve("greeter.yaml");
    Files.writeString(file, "greeting:\n  name: Relive\ndb:\n  poolSize: 20\n");
    try (LiveConfig<GreeterConfig> config = Main.open(file)) {
      assertEquals("Hello, Relive!", Main.greeting(config.get()));
      assertEquals(Duration.ofSeconds(30), config.get().timeout());
      assertEquals(20, config.get().db().poolSize());
      Files.writeString(file, "greeting:\n  name: Relive\ndb:\n  poolSize: 0\n");
      ReloadEvent.Rejected rejected = (ReloadEvent.Rejected) config.reload();
      assertEquals("db.poolSize", rejected.problems().get(0).path());
      assertTrue(rejected.problems().get(0).origin().toString().endsWith("greeter.yaml:4:13"));
      assertEquals(20, config.get().db().poolSize());
      assertTrue(config.snapshot().tree().toJson().contains("<redacted>"));
    }
  }
}
