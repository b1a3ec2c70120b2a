package dev.relive.config;

import static org.assertj.core.api.Assertions.assertThat;

import dev.relive.config.spi.ParseLimits;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every kind of bad change is rejected with its path and origin while the previous version keeps serving
 * and the process carries on.
 */
class RejectionTest {
  record Port(String host, int port) {}

  @TempDir
  Path dir;

  /** A problem as text, with the temporary directory left out of its origin. */
  private String rel(Problem p) {
    return p.toString().replace(dir + java.io.File.separator, "");
  }

  private LiveConfig<Port> start(String fileName, String good) {
    Path file = Fixtures.write(dir.resolve(fileName), good);
    return LiveConfig.builder(Port.class).source(ConfigSources.file(file))
        .limits(new ParseLimits(64 * 1024, 16, 10, 10_000)).executor(Runnable::run).build();
  }

  private ReloadEvent.Rejected rejectAfterWriting(LiveConfig<Port> config, String fileName, byte[] bad) {
    Port before = config.get();
    long version = config.snapshot().version();
    Fixtures.write(dir.resolve(fileName), bad);
    ReloadEvent event = config.reload();
    assertThat(event).isInstanceOf(ReloadEvent.Rejected.class);
    ReloadEvent.Rejected rejected = (ReloadEvent.Rejected) event;
    assertThat(config.get()).isSameAs(before);
    assertThat(config.snapshot().version()).isEqualTo(version);
    assertThat(rejected.servingVersion()).isEqualTo(version);
    assertThat(config.status().lastRejection()).contains(rejected);
    assertThat(rejected.problems()).allSatisfy(p -> assertThat(p.origin().source()).endsWith(fileName));
    return rejected;
  }

  static Stream<Arguments> malformed() {
    String deepYaml = "host: x\nport: 1\nn: " + "[".repeat(40) + "]".repeat(40) + "\n";
    String deepJson = "{\"host\":\"x\",\"port\":1,\"n\":" + "[".repeat(40) + "]".repeat(40) + "}";
    String deepToml = "host = \"x\"\nport = 1\nn = " + "[".repeat(40) + "]".repeat(40) + "\n";
    String deepProps = "host=x\nport=1\n" + "a.".repeat(40) + "b=1\n";
    String laughs = "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n"
        + "b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
        + "d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n";
    String huge = "host: x\nport: 1\npad: \"" + "x".repeat(70 * 1024) + "\"\n";
    return Stream.of(
        // syntax errors, with the line and column where they are
        Arguments.of("c.yaml", "host: x\nport: [1, 2\n", "c.yaml:3:1", ""),
        Arguments.of("c.json", "{\"host\": \"x\",\n \"port\": }", "c.json:2:10", "Unexpected character"),
        Arguments.of("c.toml", "host = \"x\"\nport = = 1\n", "c.toml:2:8", ""),
        Arguments.of("c.properties", "host=x\nport=1\nservers[0=y\n", "c.properties:3:1", "unclosed '['"),
        // hostile documents
        Arguments.of("c.yaml", laughs, "c.yaml:", "aliases"),
        Arguments.of("c.yaml", deepYaml, "c.yaml:3:", "deeper than the limit of 16"),
        Arguments.of("c.json", deepJson, "c.json:1:", "deeper than the limit of 16"),
        Arguments.of("c.toml", deepToml, "c.toml:", "deeper than the limit of 16"),
        Arguments.of("c.properties", deepProps, "c.properties:3:1", "deeper than the limit of 16"),
        Arguments.of("c.yaml", huge, "c.yaml", "more than the limit of 65536"),
        // duplicates and multiple documents
        Arguments.of("c.yaml", "host: x\nport: 1\nhost: y\n", "c.yaml:3:1", "duplicate key, first defined at c.yaml:1:1"),
        Arguments.of("c.json", "{\"host\": \"x\", \"port\": 1,\n\"host\": \"y\"}", "c.json:2:1", "duplicate key"),
        Arguments.of("c.toml", "host = \"x\"\nport = 1\nhost = \"y\"\n", "c.toml:3:", ""),
        Arguments.of("c.properties", "host=x\nport=1\nhost=y\n", "c.properties:3:1", "duplicate key, first defined at c.properties:1:1"),
        Arguments.of("c.yaml", "host: x\nport: 1\n---\nhost: y\n", "c.yaml:3:1", "second document"),
        // top level is not a mapping
        Arguments.of("c.yaml", "- host\n- port\n", "c.yaml:1:1", "top level must be a mapping"));
  }

  @ParameterizedTest(name = "{0}: {2} {3}")
  @MethodSource("malformed")
  void malformedDocument_isRejectedWithItsOrigin_andTheOldVersionServes(String file, String bad, String origin, String message) {
    String good = switch (file.substring(file.indexOf('.') + 1)) {
      case "yaml" -> "host: ok\nport: 1\n";
      case "json" -> "{\"host\": \"ok\", \"port\": 1}";
      case "toml" -> "host = \"ok\"\nport = 1\n";
      default -> "host=ok\nport=1\n";
    };
    try (LiveConfig<Port> config = start(file, good)) {
      ReloadEvent.Rejected rejected = rejectAfterWriting(config, file, bad.getBytes(StandardCharsets.UTF_8));
      assertThat(rejected.stage()).isEqualTo(ReloadEvent.Stage.SOURCES);
      assertThat(rejected.problems()).anySatisfy(p -> {
        assertThat(rel(p)).startsWith(origin);
        assertThat(rel(p)).containsIgnoringCase(message);
      });
      assertThat(config.get()).isEqualTo(new Port("ok", 1));
    }
  }

  @ParameterizedTest
  @MethodSource("invalidUtf8")
  void invalidUtf8_isRejectedWithLineAndColumn(String file, String prefix) {
    byte[] head = prefix.getBytes(StandardCharsets.UTF_8);
    byte[] bad = new byte[head.length + 2];
    System.arraycopy(head, 0, bad, 0, head.length);
    bad[head.length] = (byte) 0xC3;
    bad[head.length + 1] = (byte) 0x28;
    String good = file.endsWith("json") ? "{\"host\": \"ok\", \"port\": 1}" : file.endsWith("toml") ? "host = \"ok\"\nport = 1\n"
        : file.endsWith("yaml") ? "host: ok\nport: 1\n" : "host=ok\nport=1\n";
    try (LiveConfig<Port> config = start(file, good)) {
      ReloadEvent.Rejected rejected = rejectAfterWriting(config, file, bad);
      assertThat(rejected.problems()).singleElement().satisfies(p -> {
        assertThat(p.origin().line()).isEqualTo(2);
        assertThat(p.origin().column()).isEqualTo(prefix.length() - prefix.lastIndexOf('\n'));
        assertThat(p.message()).contains("invalid UTF-8");
      });
    }
  }

  static Stream<Arguments> invalidUtf8() {
    return Stream.of(Arguments.of("u.yaml", "port: 1\nhost: é"), Arguments.of("u.json", "{\"port\": 1,\n\"host\": \""),
        Arguments.of("u.toml", "port = 1\nhost = \""), Arguments.of("u.properties", "port=1\nhost="));
  }

  @Test
  void aliasExpansionBeyondTheNodeLimit_isRejected() {
    try (LiveConfig<Port> config = LiveConfig.builder(Port.class)
        .source(ConfigSources.file(Fixtures.write(dir.resolve("b.yaml"), "host: ok\nport: 1\n")))
        .limits(new ParseLimits(64 * 1024, 32, 50, 1000)).executor(Runnable::run).build()) {
      String bomb = "host: ok\nport: 1\na: &a [1,2,3,4,5,6,7,8,9,10]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
          + "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\n";
      ReloadEvent.Rejected rejected = rejectAfterWriting(config, "b.yaml", bomb.getBytes(StandardCharsets.UTF_8));
      assertThat(rejected.problems()).singleElement().satisfies(p -> assertThat(p.message()).contains("alias bomb"));
    }
  }

  @Test
  void recursiveAlias_isRejected() {
    try (LiveConfig<Port> config = start("r.yaml", "host: ok\nport: 1\n")) {
      ReloadEvent.Rejected rejected = rejectAfterWriting(config, "r.yaml",
          "host: ok\nport: 1\nloop: &x [1, *x]\n".getBytes(StandardCharsets.UTF_8));
      assertThat(rejected.problems().get(0).message()).contains("*x");
      assertThat(rel(rejected.problems().get(0))).startsWith("r.yaml:3:14");
    }
  }

  // ---- binding --------------------------------------------------------------------------------------

  @Test
  void bindingErrors_areAllReportedAtOnce_withPathAndOrigin() {
    try (LiveConfig<AppConfig> config = LiveConfig.builder(AppConfig.class)
        .source(ConfigSources.file(Fixtures.write(dir.resolve("app.yaml"), "name: a\ndb:\n  url: u\n  password: p\n"
            + "timeout: 1s\nmode: fast\nratio: 1\n")))
        .executor(Runnable::run).build()) {
      AppConfig before = config.get();
      Fixtures.write(dir.resolve("app.yaml"), "name: a\ndb:\n  url: u\n  poolSize: lots\n  password: p\n"
          + "servers:\n  - host: h\n    port: 99999999999\ntimeout: 30\nmode: turbo\nratio: true\ntags: nope\n");
      ReloadEvent.Rejected rejected = (ReloadEvent.Rejected) config.reload();
      assertThat(rejected.stage()).isEqualTo(ReloadEvent.Stage.BIND);
      assertThat(rejected.problems()).extracting(this::rel).containsExactlyInAnyOrder(
          "app.yaml:4:13: db.poolSize: must be a whole number, was 'lots'",
          "app.yaml:8:11: servers[0].port: must be between -2147483648 and 2147483647, was '99999999999'",
          "app.yaml:9:10: timeout: must be a duration such as 500ms, 30s, 5m, 2h, 1d or PT30S, was '30'",
          "app.yaml:10:7: mode: must be one of fast, safe, was 'turbo'",
          "app.yaml:11:8: ratio: must be a number, was 'true'",
          "app.yaml:12:7: tags: expected a list, found a single value");
      assertThat(config.get()).isSameAs(before);
    }
  }

  @Test
  void missingRequiredKey_namesThePathAndTheObjectThatLacksIt() {
    try (LiveConfig<Port> config = start("m.yaml", "host: ok\nport: 1\n")) {
      ReloadEvent.Rejected rejected = rejectAfterWriting(config, "m.yaml", "host: ok\n".getBytes(StandardCharsets.UTF_8));
      assertThat(rejected.problems()).extracting(this::rel).containsExactly("m.yaml:1:1: port: is required but missing");
    }
  }

  @Test
  void unknownKeys_failPolicy_rejects_warnPolicy_applies() {
    Path file = Fixtures.write(dir.resolve("k.yaml"), "host: ok\nport: 1\n");
    try (LiveConfig<Port> strict = LiveConfig.builder(Port.class).source(ConfigSources.file(file))
        .unknownKeys(UnknownKeys.FAIL).executor(Runnable::run).build();
        LiveConfig<Port> lenient = LiveConfig.builder(Port.class).source(ConfigSources.file(file))
            .executor(Runnable::run).build()) {
      Fixtures.write(file, "host: ok\nport: 2\nprot: 3\n");
      assertThat(strict.reload()).isInstanceOfSatisfying(ReloadEvent.Rejected.class, r ->
          assertThat(r.problems()).extracting(this::rel).containsExactly(
              "k.yaml:3:7: prot: unknown key; did you mean port?"));
      assertThat(lenient.reload()).isInstanceOfSatisfying(ReloadEvent.Applied.class, a ->
          assertThat(a.warnings()).extracting(this::rel).containsExactly(
              "k.yaml:3:7: prot: unknown key; did you mean port?"));
      assertThat(strict.get().port()).isEqualTo(1);
      assertThat(lenient.get().port()).isEqualTo(2);
    }
  }

  record Checked(String host, int port) {
    Checked {
      if (port == 0) {
        throw new IllegalArgumentException("port 0 is reserved");
      }
    }
  }

  @Test
  void recordConstructorThatThrows_isABindingProblem() {
    Path file = Fixtures.write(dir.resolve("c.yaml"), "host: ok\nport: 1\n");
    try (LiveConfig<Checked> config = LiveConfig.builder(Checked.class).source(ConfigSources.file(file))
        .executor(Runnable::run).build()) {
      Fixtures.write(file, "host: ok\nport: 0\n");
      assertThat(config.reload()).isInstanceOfSatisfying(ReloadEvent.Rejected.class, r ->
          assertThat(r.problems()).extracting(Problem::message).containsExactly("port 0 is reserved"));
      assertThat(config.get().port()).isEqualTo(1);
    }
  }

  // ---- validation -----------------------------------------------------------------------------------

  @Test
  void validators_reportEveryProblem_withOrigins_andAThrowingValidatorIsAProblemToo() {
    Path file = Fixtures.write(dir.resolve("v.yaml"), "host: ok\nport: 80\n");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> LiveConfig.builder(Port.class)
        .source(ConfigSources.file(file))
        .validator((c, problems) -> {
          if (c.port() < 1024) {
            problems.add("port", "must be at least 1024, was " + c.port());
          }
        }).executor(Runnable::run).build())
        .isInstanceOfSatisfying(ConfigException.Validation.class, e -> assertThat(e.problems())
            .extracting(this::rel).containsExactly("v.yaml:2:7: port: must be at least 1024, was 80"));
    Fixtures.write(file, "host: ok\nport: 8080\n");
    try (LiveConfig<Port> config = LiveConfig.builder(Port.class).source(ConfigSources.file(file))
        .validator((c, problems) -> {
          if (c.port() < 1024) {
            problems.add("port", "must be at least 1024, was " + c.port());
          }
          if (c.host().isBlank()) {
            problems.add("host", "must not be blank");
          }
        })
        .validator((c, problems) -> {
          if (c.port() == 7) {
            throw new IllegalStateException("boom");
          }
        })
        .executor(Runnable::run).build()) {
      ReloadEvent.Rejected rejected = rejectAfterWriting(config, "v.yaml", "host: \" \"\nport: 7\n".getBytes(StandardCharsets.UTF_8));
      assertThat(rejected.stage()).isEqualTo(ReloadEvent.Stage.VALIDATE);
      assertThat(rejected.problems()).extracting(this::rel).containsExactly(
          "v.yaml:2:7: port: must be at least 1024, was 7",
          "v.yaml:1:7: host: must not be blank",
          "v.yaml:1:1: a validator failed: boom");
    }
  }

  record Pool(@Min(1) @Max(64) int size, @NotBlank String name) {}

  record Bean(@Valid Pool pool, @Valid List<Pool> more) {}

  @Test
  void beanValidation_annotationsAreChecked_withKeyPathsAndOrigins() {
    Path file = Fixtures.write(dir.resolve("b.yaml"), "pool: {size: 4, name: main}\nmore: [{size: 1, name: x}]\n");
    try (LiveConfig<Bean> config = LiveConfig.builder(Bean.class).source(ConfigSources.file(file))
        .executor(Runnable::run).build()) {
      Fixtures.write(file, "pool: {size: 0, name: main}\nmore: [{size: 1, name: x}, {size: 65, name: ''}]\n");
      ReloadEvent.Rejected rejected = (ReloadEvent.Rejected) config.reload();
      assertThat(rejected.stage()).isEqualTo(ReloadEvent.Stage.VALIDATE);
      assertThat(rejected.problems()).extracting(p -> rel(p).substring(0, rel(p).indexOf(": ", rel(p).indexOf(": ") + 1))).containsExactly(
          "b.yaml:2:45: more[1].name", "b.yaml:2:35: more[1].size", "b.yaml:1:14: pool.size");
      assertThat(config.get().pool().size()).isEqualTo(4);
    }
  }

  // ---- participants and listeners -------------------------------------------------------------------

  @Test
  void throwingParticipant_abortsThePreparedOnes_andTheOldVersionServes() {
    List<String> calls = new java.util.concurrent.CopyOnWriteArrayList<>();
    try (LiveConfig<Port> config = start("p.yaml", "host: ok\nport: 1\n")) {
      config.participate((old, neu) -> {
        calls.add("prepare first " + neu.port());
        return prepared(calls, "first");
      });
      config.participate((old, neu) -> {
        throw new IllegalStateException("pool for port " + neu.port() + " cannot start");
      });
      config.participate((old, neu) -> prepared(calls, "never"));
      ReloadEvent.Rejected rejected = rejectAfterWriting(config, "p.yaml", "host: ok\nport: 2\n".getBytes(StandardCharsets.UTF_8));
      assertThat(rejected.stage()).isEqualTo(ReloadEvent.Stage.PREPARE);
      assertThat(rejected.problems().get(0).message()).contains("pool for port 2 cannot start");
      assertThat(calls).containsExactly("prepare first 2", "abort first");
      assertThat(config.get().port()).isEqualTo(1);
    }
  }

  private static Participant.Prepared prepared(List<String> calls, String name) {
    return new Participant.Prepared() {
      @Override
      public void commit() {
        calls.add("commit " + name);
      }

      @Override
      public void abort() {
        calls.add("abort " + name);
      }
    };
  }

  @Test
  void throwingListener_isIsolated_andCounted_andTheVersionStillApplies() {
    AtomicInteger later = new AtomicInteger();
    try (LiveConfig<Port> config = start("l.yaml", "host: ok\nport: 1\n")) {
      config.onChange(change -> {
        throw new IllegalStateException("listener bug");
      });
      config.onChange(change -> later.set(change.current().value().port()));
      config.subscribe(event -> {
        throw new IllegalStateException("subscriber bug");
      });
      Fixtures.write(dir.resolve("l.yaml"), "host: ok\nport: 2\n");
      assertThat(config.reload()).isInstanceOf(ReloadEvent.Applied.class);
      assertThat(config.get().port()).isEqualTo(2);
      assertThat(later).hasValue(2);
      assertThat(config.status().listenerFailures()).isEqualTo(2);
    }
  }

  @Test
  void missingRequiredFile_isReported_andServingGoesOn() throws Exception {
    try (LiveConfig<Port> config = start("gone.yaml", "host: ok\nport: 1\n")) {
      java.nio.file.Files.delete(dir.resolve("gone.yaml"));
      ReloadEvent.Rejected rejected = (ReloadEvent.Rejected) config.reload();
      assertThat(rejected.problems()).extracting(Problem::message).containsExactly("required file does not exist");
      assertThat(rejected.problems().get(0).origin().source()).endsWith("gone.yaml");
      assertThat(config.get().port()).isEqualTo(1);
    }
  }
}
