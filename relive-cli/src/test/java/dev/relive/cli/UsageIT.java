package dev.relive.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** What a newcomer types first: help, enum values in any case, typos, standard input, schemas. */
class UsageIT {
  @TempDir
  Path dir;

  @ParameterizedTest
  @ValueSource(strings = {"check", "watch", "diff", "demo"})
  void help_worksOnEverySubcommand(String command) throws Exception {
    CliProcess.Result r = CliProcess.run(dir, command, "--help");
    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(r.out()).startsWith("Usage: relive " + command);
  }

  @Test
  void enumValues_areTakenInAnyCase_andAnUnknownOptionGetsAHint() throws Exception {
    Files.writeString(dir.resolve("a.yaml"), "a: 1\n");
    CliProcess.Result typo = CliProcess.run(dir, "watch", "--watch-mode", "auto", "--jsn", "a.yaml");
    assertThat(typo.exit()).isEqualTo(2);
    assertThat(typo.err()).contains("Unknown option: '--jsn'").contains("Possible solutions: --json")
        .contains("Try 'relive watch --help'").doesNotContain("watch-mode");
  }

  @Test
  void check_readsStandardInput_inTheFormatGiven() throws Exception {
    CliProcess.Result ok = CliProcess.runWithInput(dir, "db:\n  port: 5432\n".getBytes(StandardCharsets.UTF_8),
        "check", "-", "--format", "yaml");
    assertThat(ok.exit()).as(ok.err()).isZero();
    assertThat(ok.out()).contains("\"port\" : 5432");
    CliProcess.Result bad = CliProcess.runWithInput(dir, "{\"db\": ".getBytes(StandardCharsets.UTF_8),
        "check", "-", "--format", "json");
    assertThat(bad.exit()).isEqualTo(1);
    assertThat(bad.err()).contains("stdin:1:");
  }

  @Test
  void aRemoteRefInTheSchema_isNotFetched_unlessAllowed_andEitherWayOneClearMessage() throws Exception {
    AtomicInteger fetched = new AtomicInteger();
    HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/port.json", exchange -> {
      fetched.incrementAndGet();
      byte[] body = "{\"type\": \"integer\", \"maximum\": 65535}".getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(200, body.length);
      exchange.getResponseBody().write(body);
      exchange.close();
    });
    server.start();
    try {
      String url = "http://127.0.0.1:" + server.getAddress().getPort() + "/port.json";
      Files.writeString(dir.resolve("schema.json"), "{\"$schema\": \"https://json-schema.org/draft/2020-12/schema\","
          + " \"properties\": {\"port\": {\"$ref\": \"" + url + "\"}}}");
      Files.writeString(dir.resolve("deployment.yaml"), "port: 70000\n");
      CliProcess.Result refused = CliProcess.run(dir, "check", "--schema", "schema.json", "deployment.yaml");
      assertThat(refused.exit()).isEqualTo(2);
      assertThat(fetched.get()).isZero();
      assertThat(refused.err().lines().count()).as(refused.err()).isEqualTo(1);
      assertThat(refused.err()).contains("schema.json").contains(url).contains("--schema-allow-remote")
          .doesNotContain("deployment.yaml").doesNotContain("\tat ");

      CliProcess.Result allowed = CliProcess.run(dir, "check", "--schema", "schema.json", "--schema-allow-remote",
          "deployment.yaml");
      assertThat(fetched.get()).isPositive();
      assertThat(allowed.exit()).isEqualTo(1);
      assertThat(allowed.err()).contains("deployment.yaml:1:7: port:");
    } finally {
      server.stop(0);
    }
  }

  @Test
  void aSchemaThatIsNotJson_isOneMessageWithItsPosition() throws Exception {
    Files.writeString(dir.resolve("schema.json"), "{\"type\": \"object\",\n \"properties\": }");
    Files.writeString(dir.resolve("a.yaml"), "a: 1\n");
    CliProcess.Result r = CliProcess.run(dir, "check", "--schema", "schema.json", "a.yaml");
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err().lines().count()).as(r.err()).isEqualTo(1);
    assertThat(r.err()).startsWith("relive: schema schema.json:2:16 is not valid JSON: Unexpected character ('}'");
  }
}
