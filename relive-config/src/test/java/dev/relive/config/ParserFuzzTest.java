package dev.relive.config;

import dev.relive.config.internal.format.JsonFormat;
import dev.relive.config.internal.format.PropertiesFormat;
import dev.relive.config.internal.format.TomlFormat;
import dev.relive.config.internal.format.YamlFormat;

import static org.assertj.core.api.Assertions.assertThat;

import dev.relive.config.spi.ConfigFormat;
import dev.relive.config.spi.ParseLimits;
import java.nio.charset.StandardCharsets;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** Whatever the bytes, every parser returns a tree or throws {@link ConfigException.Parse} with an origin. */
class ParserFuzzTest {
  private static final List<ConfigFormat> FORMATS = List.of(new YamlFormat(), new JsonFormat(), new TomlFormat(),
      new PropertiesFormat());
  private static final ParseLimits LIMITS = new ParseLimits(16 * 1024, 20, 20, 5_000);

  @Property(tries = 400)
  void randomBytes_onlyEverThrowParseProblems(@ForAll("bytes") byte[] input) {
    FORMATS.forEach(f -> check(f, input));
  }

  @Property(tries = 400)
  void mutatedDocuments_onlyEverThrowParseProblems(@ForAll("documents") String doc) {
    FORMATS.forEach(f -> check(f, doc.getBytes(StandardCharsets.UTF_8)));
  }

  private static void check(ConfigFormat format, byte[] input) {
    try {
      ConfigNode.ObjectNode root = format.parse(input, "fuzz." + format.name(), LIMITS);
      assertThat(root).isNotNull();
      ConfigTree.of(root).hash();
    } catch (ConfigException.Parse e) {
      assertThat(e.problems()).isNotEmpty()
          .allSatisfy(p -> assertThat(p.origin().source()).isEqualTo("fuzz." + format.name()));
    }
  }

  @Provide
  Arbitrary<byte[]> bytes() {
    return Arbitraries.bytes().array(byte[].class).ofMaxSize(300);
  }

  @Provide
  Arbitrary<String> documents() {
    Arbitrary<String> pieces = Arbitraries.of("a", "b: ", "- ", "[", "]", "{", "}", ":", ",", "\"", "'", "\n", "  ",
        "&x ", "*x", "<<: ", "---\n", "=", "[[t]]\n", "[t]\n", "\\\n", "#", "1", "0x", "1e9", "true", "~", "\t", "é",
        "a.b", "[0]", "!!str ", "!!map ", "? ", "|\n", ">\n", "%YAML 1.2\n", "\"\"\"", "'''");
    return pieces.list().ofMaxSize(60).map(l -> String.join("", l));
  }
}
