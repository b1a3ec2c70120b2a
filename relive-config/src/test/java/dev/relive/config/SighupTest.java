package dev.relive.config;

import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A real SIGHUP sent to this JVM reloads every open live config. */
class SighupTest {
  record Cfg(String greeting) {}

  @Test
  void sighup_reloadsOpenConfigs() throws Exception {
    InMemorySource source = new InMemorySource("hup").set(Map.of("greeting", "before"));
    try (LiveConfig<Cfg> config = LiveConfig.builder(Cfg.class).source(source).build()) {
      source.set(Map.of("greeting", "after"));
      Process kill = new ProcessBuilder("kill", "-HUP", Long.toString(ProcessHandle.current().pid())).start();
      await().atMost(Duration.ofSeconds(10)).until(() -> kill.waitFor() == 0 && config.get().greeting().equals("after"));
      await().until(() -> config.snapshot().cause().equals("SIGHUP"));
    }
  }
}
