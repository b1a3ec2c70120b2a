package dev.relive.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.relive.testsupport.EtcdServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Against an etcd with authentication on: the right credentials work, wrong ones are a clear exit 2. */
class FleetAuthIT {
  private static final String PASSWORD = "pw-Zq81-secret";

  @RegisterExtension
  static final EtcdServer ETCD = new EtcdServer();

  @TempDir
  Path dir;

  @BeforeAll
  static void enableAuth() throws Exception {
    ETCD.etcdctl("user", "add", "root:" + PASSWORD);
    ETCD.etcdctl("auth", "enable");
  }

  @Test
  void theRightCredentialsPublishAndFollow_wrongOrMissingOnesExit2_andThePasswordIsNeverPrinted() throws Exception {
    Files.writeString(dir.resolve("v1.yaml"), "greeting: hello\n");
    CliProcess.Result ok = CliProcess.run(dir, "fleet", "publish", "--etcd", ETCD.endpoint(), "--app", "secure",
        "--etcd-user", "root", "--etcd-password", PASSWORD, "v1.yaml");
    assertThat(ok.exit()).as(ok.err()).isZero();
    try (CliProcess node = CliProcess.start(dir, "watch", "--json", "--etcd", ETCD.endpoint(), "--app", "secure",
        "--etcd-user", "root", "--etcd-password", PASSWORD)) {
      assertThat(new ObjectMapper().readTree(node.nextLine(Duration.ofSeconds(30))).at("/config/greeting").asText())
          .isEqualTo("hello");
      assertThat(node.terminate()).isZero();
      assertThat(node.stderr()).doesNotContain(PASSWORD);
    }

    CliProcess.Result wrong = CliProcess.run(dir, "fleet", "status", "--etcd", ETCD.endpoint(), "--app", "secure",
        "--etcd-user", "root", "--etcd-password", PASSWORD + "x");
    assertThat(wrong.exit()).isEqualTo(2);
    assertThat(wrong.err()).contains("refused the request").contains("check the user, the password");
    assertThat(wrong.out() + wrong.err()).doesNotContain(PASSWORD);

    CliProcess.Result missing = CliProcess.run(dir, "fleet", "status", "--etcd", ETCD.endpoint(), "--app", "secure");
    assertThat(missing.exit()).isEqualTo(2);
    assertThat(missing.err()).contains("refused the request");

    CliProcess.Result node = CliProcess.run(dir, "watch", "--etcd", ETCD.endpoint(), "--app", "secure",
        "--etcd-user", "root", "--etcd-password", "nope");
    assertThat(node.exit()).isEqualTo(2);
    assertThat(node.err()).contains("refused the request");
  }
}
