package dev.relive.bench;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.relive.cli.Main;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Runs the public conformance suites through {@code relive check}, in this JVM, as a user would run the
 * command on each file, and sorts every case:
 *
 * <ul>
 *   <li><b>accepted right</b>: a valid document, accepted, and the effective configuration {@code check}
 *       prints equals the suite's expected value;</li>
 *   <li><b>rejected right</b>: an invalid document, refused with exit 1 and every problem naming its origin
 *       ({@code file:line:col});</li>
 *   <li><b>refused by design</b>: a valid document Relive refuses on purpose, with an origin: a top level that
 *       is not a mapping, several documents, duplicate keys, an empty file, and (YAML) keys that are not plain
 *       scalars or tags outside the core schema;</li>
 *   <li><b>failed</b>: everything else (a valid document refused for another reason, a wrong value, an invalid
 *       one accepted, a problem without an origin, exit 2).</li>
 * </ul>
 *
 * <p>Usage: {@code Conformance json JSONTestSuite/test_parsing | toml toml-test/tests | yaml yaml-test-suite-data}
 * ({@code scripts/conformance} fetches nothing; it takes the suites' directories).
 */
public final class Conformance {
  private static final ObjectMapper JSON = new ObjectMapper()
      .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
      .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
  private static final Pattern ORIGIN = Pattern.compile("^  \\S+?:\\d+(:\\d+)?: .*");
  private static final Pattern BY_DESIGN = Pattern.compile(".*(the top level must be|a second document starts here|"
      + "duplicate key|a key must be a plain value|anchors on keys are not supported|an alias cannot be used as a key|"
      + "unsupported tag|holds no JSON value|file is empty).*");

  private final Map<String, Integer> counts = new TreeMap<>();
  private final List<String> failures = new ArrayList<>();

  private Conformance() {}

  public static void main(String[] args) throws Exception {
    if (args.length != 2) {
      System.err.println("usage: Conformance json|toml|yaml DIR");
      System.exit(2);
    }
    Conformance c = new Conformance();
    Path dir = Path.of(args[1]);
    switch (args[0]) {
      case "json" -> c.json(dir);
      case "toml" -> c.toml(dir);
      case "yaml" -> c.yaml(dir);
      default -> throw new IllegalArgumentException(args[0]);
    }
    System.out.println(args[0] + ": " + c.counts);
    c.failures.forEach(f -> System.out.println("  FAILED " + f));
  }

  /** What {@code relive check FILE} did. */
  private record Check(int exit, String out, String err) {
    boolean everyProblemHasAnOrigin() {
      return err.lines().filter(l -> l.startsWith("  ")).allMatch(l -> ORIGIN.matcher(l).matches())
          && err.lines().anyMatch(l -> l.startsWith("  "));
    }
  }

  private static synchronized Check check(Path file) {
    PrintStream out = System.out;
    PrintStream err = System.err;
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    ByteArrayOutputStream e = new ByteArrayOutputStream();
    try {
      System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
      System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
      int exit = Main.run("check", file.toString());
      return new Check(exit, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(out);
      System.setErr(err);
    }
  }

  private void count(String outcome, String name, String detail) {
    counts.merge(outcome, 1, Integer::sum);
    if (outcome.equals("failed")) {
      failures.add(name + ": " + detail);
    }
  }

  /** A valid document: accepted with the expected value, or refused by design, or failed. */
  private void valid(String name, Check r, JsonNode expected, Comparison compare) {
    if (r.exit() == 0) {
      try {
        JsonNode actual = JSON.readTree(r.out());
        if (expected == null || compare.same(expected, actual)) {
          count("accepted right", name, "");
        } else {
          count("failed", name, "accepted with a different value: " + actual + " expected " + expected);
        }
      } catch (IOException e) {
        count("failed", name, "check printed no JSON: " + e.getMessage());
      }
    } else if (r.exit() == 1 && r.everyProblemHasAnOrigin() && BY_DESIGN.matcher(r.err().replace('\n', ' ')).matches()) {
      count("refused by design", name, r.err());
    } else {
      count("failed", name, "refused (exit " + r.exit() + "): " + r.err().trim().replace('\n', ' '));
    }
  }

  private void invalid(String name, Check r) {
    if (r.exit() == 1 && r.everyProblemHasAnOrigin()) {
      count("rejected right", name, "");
    } else if (r.exit() == 0) {
      count("failed", name, "accepted an invalid document");
    } else {
      count("failed", name, "refused without an origin (exit " + r.exit() + "): " + r.err().trim().replace('\n', ' '));
    }
  }

  @FunctionalInterface
  private interface Comparison {
    boolean same(JsonNode expected, JsonNode actual);
  }

  // ---- JSON: nst/JSONTestSuite test_parsing, y_ must parse, n_ must not, i_ either --------------------------

  private void json(Path dir) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      for (Path f : files.sorted().toList()) {
        String name = f.getFileName().toString();
        Check r = check(f);
        if (name.startsWith("y_")) {
          JsonNode expected;
          try {
            expected = JSON.readTree(Files.readString(f));
          } catch (IOException e) {
            expected = null;
          }
          valid(name, r, expected, Conformance::sameJson);
        } else if (name.startsWith("n_")) {
          invalid(name, r);
        } else {
          count(r.exit() == 0 ? "implementation-defined: accepted"
              : r.exit() == 1 && r.everyProblemHasAnOrigin() ? "implementation-defined: refused with an origin"
              : "failed", name, "exit " + r.exit() + " " + r.err().trim());
        }
      }
    }
  }

  /** JSON values equal, numbers by value. */
  static boolean sameJson(JsonNode a, JsonNode b) {
    if (a.isNumber() && b.isNumber()) {
      return a.decimalValue().compareTo(b.decimalValue()) == 0;
    }
    if (a.isObject() && b.isObject()) {
      if (a.size() != b.size()) {
        return false;
      }
      for (Iterator<String> it = a.fieldNames(); it.hasNext(); ) {
        String k = it.next();
        if (!b.has(k) || !sameJson(a.get(k), b.get(k))) {
          return false;
        }
      }
      return true;
    }
    if (a.isArray() && b.isArray()) {
      if (a.size() != b.size()) {
        return false;
      }
      for (int i = 0; i < a.size(); i++) {
        if (!sameJson(a.get(i), b.get(i))) {
          return false;
        }
      }
      return true;
    }
    return a.equals(b);
  }

  // ---- TOML: toml-lang/toml-test tests, the files listed for TOML 1.1.0 --------------------------------------

  private void toml(Path tests) throws IOException {
    for (String line : Files.readAllLines(tests.resolve("files-toml-1.1.0"))) {
      if (!line.endsWith(".toml")) {
        continue;
      }
      Path f = tests.resolve(line);
      Check r = check(f);
      if (line.startsWith("valid/")) {
        Path expected = tests.resolve(line.replaceAll("\\.toml$", ".json"));
        valid(line, r, JSON.readTree(Files.readString(expected)), Conformance::sameToml);
      } else {
        invalid(line, r);
      }
    }
  }

  /** toml-test's tagged JSON ({"type": "integer", "value": "1"}) against what check printed. */
  static boolean sameToml(JsonNode expected, JsonNode actual) {
    if (expected.isObject() && expected.size() == 2 && expected.has("type") && expected.has("value")
        && expected.get("value").isTextual()) {
      String type = expected.get("type").asText();
      String value = expected.get("value").asText();
      switch (type) {
        case "string":
          return actual.isTextual() && actual.asText().equals(value);
        case "integer":
          return actual.isIntegralNumber() && actual.bigIntegerValue().equals(new java.math.BigInteger(value));
        case "float":
          return sameFloat(value, actual);
        case "bool":
          return actual.isBoolean() && String.valueOf(actual.asBoolean()).equals(value);
        default:
          return actual.isTextual() && sameTime(type, value, actual.asText());
      }
    }
    if (expected.isObject()) {
      if (!actual.isObject() || actual.size() != expected.size()) {
        return false;
      }
      for (Iterator<String> it = expected.fieldNames(); it.hasNext(); ) {
        String k = it.next();
        if (!actual.has(k) || !sameToml(expected.get(k), actual.get(k))) {
          return false;
        }
      }
      return true;
    }
    if (expected.isArray()) {
      if (!actual.isArray() || actual.size() != expected.size()) {
        return false;
      }
      for (int i = 0; i < expected.size(); i++) {
        if (!sameToml(expected.get(i), actual.get(i))) {
          return false;
        }
      }
      return true;
    }
    return false;
  }

  private static boolean sameFloat(String value, JsonNode actual) {
    String v = value.toLowerCase(Locale.ROOT).replace("+", "");
    if (v.equals("nan") || v.equals("-nan")) {
      return actual.isTextual() && actual.asText().equals("NaN");
    }
    if (v.equals("inf") || v.equals("-inf")) {
      return actual.isTextual() && actual.asText().equals(v.startsWith("-") ? "-Infinity" : "Infinity");
    }
    return actual.isNumber() && new BigDecimal(v).compareTo(actual.decimalValue()) == 0;
  }

  private static boolean sameTime(String type, String expected, String actual) {
    try {
      return switch (type) {
        case "datetime" -> OffsetDateTime.parse(expected.replace(' ', 'T').replace('z', 'Z'))
            .isEqual(OffsetDateTime.parse(actual));
        case "datetime-local" -> LocalDateTime.parse(expected.replace(' ', 'T')).equals(LocalDateTime.parse(actual));
        case "date-local" -> LocalDate.parse(expected).equals(LocalDate.parse(actual));
        case "time-local" -> LocalTime.parse(expected).equals(LocalTime.parse(actual));
        default -> false;
      };
    } catch (RuntimeException e) {
      return false;
    }
  }

  // ---- YAML: yaml/yaml-test-suite, the "data" branch: each case a directory with in.yaml -------------------

  private void yaml(Path data) throws IOException {
    List<Path> cases;
    try (Stream<Path> walk = Files.walk(data)) {
      cases = walk.filter(p -> p.getFileName().toString().equals("in.yaml")).map(Path::getParent).sorted().toList();
    }
    for (Path c : cases) {
      String name = data.relativize(c).toString();
      Check r = check(c.resolve("in.yaml"));
      if (Files.exists(c.resolve("error"))) {
        invalid(name, r);
        continue;
      }
      List<JsonNode> docs = new ArrayList<>();
      if (Files.exists(c.resolve("in.json"))) {
        try (MappingIterator<JsonNode> it = JSON.readerFor(JsonNode.class).readValues(Files.readString(c.resolve("in.json")))) {
          while (it.hasNext()) {
            docs.add(it.next());
          }
        }
      }
      if (docs.size() == 1 && docs.get(0).isObject()) {
        valid(name, r, docs.get(0), Conformance::sameJson);
      } else if (docs.isEmpty() && !Files.exists(c.resolve("in.json"))) {
        // no JSON form (complex keys, custom tags): valid YAML without a JSON value to compare
        valid(name, r, null, Conformance::sameJson);
      } else if (docs.isEmpty() || (docs.size() == 1 && docs.get(0).isNull())) {
        // an empty document: Relive reads it as an empty configuration
        valid(name, r, JSON.createObjectNode(), Conformance::sameJson);
      } else {
        // several documents, or a top level that is not a mapping: Relive refuses these on purpose
        valid(name, r, JSON.readTree("\"not comparable\""), (e, a) -> false);
      }
    }
  }
}
