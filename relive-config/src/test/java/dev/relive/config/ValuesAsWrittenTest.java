package dev.relive.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Values as written, in every format: what each parser must accept, what it must refuse (with an origin),
 * and the text a String field gets.
 */
class ValuesAsWrittenTest {
  @TempDir
  Path dir;

  record Zip(String zip, String color, String version) {}

  record Ratio(double ratio) {}

  record LooseRatio(@AllowNonFinite double ratio, @AllowNonFinite List<Double> more) {}

  record Hosts(List<String> hosts, Inner inner) {}

  record Inner(String a) {}

  private <T> T load(Class<T> type, String name, String content) {
    Path file = Fixtures.write(dir.resolve(name), content);
    try (LiveConfig<T> config = LiveConfig.builder(type).source(ConfigSources.file(file)).reloadOnSighup(false).build()) {
      return config.get();
    }
  }

  private List<String> problems(Class<?> type, String name, String content) {
    Path file = Fixtures.write(dir.resolve(name), content.getBytes(StandardCharsets.UTF_8));
    try {
      LiveConfig.builder(type).source(ConfigSources.file(file)).reloadOnSighup(false).build().close();
    } catch (ConfigException e) {
      return e.problems().stream().map(p -> p.toString().replace(dir + "/", "")).toList();
    }
    throw new AssertionError(name + " was accepted");
  }

  @Test
  void aStringField_getsTheTextAsWritten_inEveryFormat() {
    Zip expected = new Zip("01234", "0xFF00FF", "3.10");
    assertThat(load(Zip.class, "z.yaml", "zip: 01234\ncolor: 0xFF00FF\nversion: 3.10\n")).isEqualTo(expected);
    assertThat(load(Zip.class, "z.properties", "zip=01234\ncolor=0xFF00FF\nversion=3.10\n")).isEqualTo(expected);
    assertThat(load(Zip.class, "z.json", "{\"zip\": \"01234\", \"color\": \"0xFF00FF\", \"version\": 3.10}"))
        .isEqualTo(expected);
    assertThat(load(Zip.class, "z.toml", "zip = \"01234\"\ncolor = 0xFF00FF\nversion = 3.10\n")).isEqualTo(expected);
  }

  @Test
  void toml_keepsDecimalsAndSecondsAsWritten_inTheTreeAndItsJson() {
    ConfigTree tree = load(ConfigTree.class, "t.toml", "a = 12345678.0\nt = 1979-05-27T07:32:00Z\nl = 07:32:00\n"
        + "d = 1979-05-27 07:32:00\n");
    assertThat(tree.toJson()).isEqualTo("{\"a\":12345678.0,\"t\":\"1979-05-27T07:32:00Z\",\"l\":\"07:32:00\","
        + "\"d\":\"1979-05-27T07:32:00\"}");
    ConfigTree yaml = load(ConfigTree.class, "t.yaml", "a: 12345678.0\nt: 1979-05-27T07:32:00Z\nl: '07:32:00'\n"
        + "d: 1979-05-27T07:32:00\n");
    assertThat(tree.hash()).isEqualTo(yaml.hash());
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', textBlock = """
      c.yaml  | k: "value"# comment\\n             | c.yaml:1:11: k: a comment needs white space before '#'
      c.yaml  | k: [a, b]#x\\n                     | c.yaml:1:10: k: a comment needs white space before '#'
      c.yaml  | k: !!int --5\\n                    | c.yaml:1:4: k: '--5' is not a valid int of the YAML 1.2 core schema
      c.yaml  | k: !!float abc.inf\\n              | c.yaml:1:4: k: 'abc.inf' is not a valid float of the YAML 1.2 core schema
      c.yaml  | k: !!bool yes\\n                   | c.yaml:1:4: k: 'yes' is not a valid bool of the YAML 1.2 core schema
      c.yaml  | b: &b {x: 1}\\nc: &c {y: 2}\\nk:\\n  <<: *b\\n  <<: *c\\n | c.yaml:5:3: k: a second << merge key in one mapping; the first is at c.yaml:4:3 (merge several mappings with << [*a, *b])
      c.json  | \\n   \\t\\n                      | c.json:1:1: the document holds no JSON value (only white space); it must be an object of keys to values
      c.json  | \\uFEFF                            | c.json:1:1: the document holds no JSON value (only white space); it must be an object of keys to values
      c.json  | {"n": 1e2147483648}               | c.json:1:7: n: the number 1e2147483648 is out of range
      c.toml  | o = 1979-05-27T07:32:00+01:5\\n    | c.toml:1:28: Invalid zone offset minutes (valid range 0..59)
      """)
  void invalidDocuments_areRefusedWithAnOrigin(String name, String content, String expected) {
    assertThat(problems(ConfigTree.class, name, unescape(content))).containsExactly(expected);
  }

  @Test
  void validYamlThatTheOldParserRefused_isAccepted() {
    assertThat(load(ConfigTree.class, "tab.yaml", "key:\tvalue\nq: \"a\\tb\"\nlit: |\n  one\n   two\n").toJson())
        .isEqualTo("{\"key\":\"value\",\"q\":\"a\\tb\",\"lit\":\"one\\n two\\n\"}");
  }

  @Test
  void numbersThatOverflowTheirField_orAreNotFinite_areProblems_unlessTheFieldOptsIn() {
    assertThat(problems(Ratio.class, "r.yaml", "ratio: 1e400\n")).containsExactly("r.yaml:1:8: ratio: is too large for a double, was '1e400'");
    assertThat(problems(Ratio.class, "r2.yaml", "ratio: .nan\n")).containsExactly("r2.yaml:1:8: ratio: must be a finite "
        + "number (mark the component @AllowNonFinite to allow NaN and infinities), was '.nan'");
    assertThat(problems(Ratio.class, "r.toml", "ratio = -inf\n")).singleElement().asString().contains("must be a finite number");
    LooseRatio loose = load(LooseRatio.class, "l.yaml", "ratio: .inf\nmore: [.nan, 1e400]\n");
    assertThat(loose.ratio()).isInfinite();
    assertThat(loose.more().get(0)).isNaN();
    assertThat(loose.more().get(1)).isInfinite();
  }

  @Test
  void environment_aValueAndKeysBelowItAreAConflictNamingBoth_andEmptyListElementsAreDropped() {
    InMemorySource base = new InMemorySource("base");
    base.set(Map.of("hosts", List.of("x"), "inner.a", "base"));
    assertThatThrownBy(() -> LiveConfig.builder(Hosts.class).source(base)
        .source(ConfigSources.env("APP", Map.of("APP_INNER", "x", "APP_INNER_A", "1"))).reloadOnSighup(false).build())
        .isInstanceOf(ConfigException.class).hasMessage(
            "env:APP_INNER_A: inner.a: APP_INNER_A sets a key under inner, which APP_INNER sets to a value; remove one of them");
    try (LiveConfig<Hosts> config = LiveConfig.builder(Hosts.class).source(base)
        .source(ConfigSources.env("APP", Map.of("APP_HOSTS", "a, b ,", "APP_INNER_A", "env"))).reloadOnSighup(false)
        .build()) {
      assertThat(config.get()).isEqualTo(new Hosts(List.of("a", "b"), new Inner("env")));
    }
  }

  @Test
  void aFileOverTheLimit_isRefusedWithoutBeingRead_andUtf16AndDirectoriesAreNamed() throws Exception {
    Path big = dir.resolve("big.yaml");
    try (var out = java.nio.channels.FileChannel.open(big, java.nio.file.StandardOpenOption.CREATE_NEW,
        java.nio.file.StandardOpenOption.WRITE)) {
      out.position(500L * 1024 * 1024);
      out.write(java.nio.ByteBuffer.wrap(new byte[] {'\n'}));
    }
    assertThatThrownBy(() -> LiveConfig.builder(ConfigTree.class).source(ConfigSources.file(big)).reloadOnSighup(false)
        .build()).isInstanceOf(ConfigException.class)
        .hasMessage(big + ": file is 524288001 bytes, more than the limit of 4194304");

    Path utf16 = dir.resolve("u16.yaml");
    java.nio.file.Files.write(utf16, "a: 1\n".getBytes(StandardCharsets.UTF_16LE));
    assertThatThrownBy(() -> LiveConfig.builder(ConfigTree.class).source(ConfigSources.file(utf16))
        .reloadOnSighup(false).build()).hasMessageEndingWith("u16.yaml:1:1: the file looks like UTF-16 (a byte-order "
        + "mark or a zero byte beside each character); save it as UTF-8");
    Path folder = java.nio.file.Files.createDirectory(dir.resolve("conf.yaml"));
    assertThatThrownBy(() -> LiveConfig.builder(ConfigTree.class).source(ConfigSources.file(folder))
        .reloadOnSighup(false).build()).hasMessage(folder + ": is a directory, not a file");
  }

  private static String unescape(String s) {
    return s.replace("\\n", "\n").replace("\\t", "\t").replace("\\uFEFF", "\uFEFF");
  }
}
