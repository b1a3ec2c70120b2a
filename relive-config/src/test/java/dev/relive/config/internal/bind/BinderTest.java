package dev.relive.config.internal.bind;

import dev.relive.config.ConfigNode;
import dev.relive.config.ConfigTree;
import dev.relive.config.Default;
import dev.relive.config.UnknownKeys;
import dev.relive.config.internal.Paths;
import dev.relive.config.internal.format.YamlFormat;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Conversions, defaults and YAML specifics (anchors, merge keys, core schema). */
class BinderTest {
  enum Level { DEBUG, INFO, WARN_ONLY }

  record Inner(@Default("7") int n, @Default("x") String s) {}

  record Types(Duration ms, Duration iso, Duration days, URI uri, Path path, LocalDate date, BigDecimal money,
      long big, short small, char letter, Level level, Level dashed, Optional<Integer> missing,
      Optional<Integer> present, List<Integer> none, Set<String> set, Map<Level, Integer> byLevel,
      Inner inner, @Default("PT1M") Duration defaulted, ConfigTree raw, boolean flag) {}

  private static ConfigTree yaml(String text) {
    return ConfigTree.of(new YamlFormat().parse(text.getBytes(java.nio.charset.StandardCharsets.UTF_8), "t.yaml",
        dev.relive.config.spi.ParseLimits.DEFAULTS));
  }

  @Test
  void valueTypes_areConverted() {
    ConfigTree tree = yaml("""
        ms: 500ms
        iso: PT2H
        days: 2d
        uri: https://example.com/x?y=1
        path: /var/lib/app
        date: 2026-11-21
        money: 1.10
        big: 0x7fffffffffff
        small: -3
        letter: z
        level: info
        dashed: warn-only
        present: 4
        set: [a, b, a]
        byLevel: {debug: 1, WARN_ONLY: 2}
        raw: {any: [1, {deep: true}]}
        flag: TRUE
        """);
    Binder.Result<Types> r = new Binder(UnknownKeys.FAIL).bind(tree.root(), Types.class);
    assertThat(r.problems()).isEmpty();
    Types t = r.value();
    assertThat(t.ms()).isEqualTo(Duration.ofMillis(500));
    assertThat(t.iso()).isEqualTo(Duration.ofHours(2));
    assertThat(t.days()).isEqualTo(Duration.ofDays(2));
    assertThat(t.uri()).isEqualTo(URI.create("https://example.com/x?y=1"));
    assertThat(t.path()).isEqualTo(Path.of("/var/lib/app"));
    assertThat(t.date()).isEqualTo(LocalDate.of(2026, 11, 21));
    assertThat(t.money()).isEqualByComparingTo("1.10").hasScaleOf(2);
    assertThat(t.big()).isEqualTo(0x7fffffffffffL);
    assertThat(t.small()).isEqualTo((short) -3);
    assertThat(t.letter()).isEqualTo('z');
    assertThat(t.level()).isEqualTo(Level.INFO);
    assertThat(t.dashed()).isEqualTo(Level.WARN_ONLY);
    assertThat(t.missing()).isEmpty();
    assertThat(t.present()).contains(4);
    assertThat(t.none()).isEmpty();
    assertThat(t.set()).containsExactly("a", "b");
    assertThat(t.byLevel()).containsExactly(Map.entry(Level.DEBUG, 1), Map.entry(Level.WARN_ONLY, 2));
    assertThat(t.inner()).isEqualTo(new Inner(7, "x"));
    assertThat(t.defaulted()).isEqualTo(Duration.ofMinutes(1));
    assertThat(t.raw().getString("any[1].deep")).contains("true");
    assertThat(t.flag()).isTrue();
  }

  @Test
  void boundCollections_areImmutable() {
    record L(List<String> items, Map<String, String> map) {}
    Binder.Result<L> r = new Binder(UnknownKeys.FAIL).bind(yaml("items: [a]\nmap: {k: v}\n").root(), L.class);
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> r.value().items().add("b"))
        .isInstanceOf(UnsupportedOperationException.class);
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> r.value().map().put("b", "c"))
        .isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void yamlAnchorsAliasesAndMergeKeys_expand() {
    ConfigTree tree = yaml("""
        base: &base {host: a, port: 1, tls: false}
        extra: &extra {tls: true, retries: 3}
        one:
          <<: *base
          port: 2
        two:
          <<: [*extra, *base]
          host: b
        copy: *base
        """);
    assertThat(tree.getString("one.host")).contains("a");
    assertThat(tree.getString("one.port")).contains("2");
    assertThat(tree.getString("one.tls")).contains("false");
    assertThat(tree.find("one.<<")).isEmpty();
    assertThat(tree.getString("two.host")).contains("b");
    assertThat(tree.getString("two.tls")).contains("true");
    assertThat(tree.getString("two.retries")).contains("3");
    assertThat(tree.getString("two.port")).contains("1");
    assertThat(tree.getString("copy.port")).contains("1");
  }

  @Test
  void yamlCoreSchema_typesScalars_andQuotedValuesStayStrings() {
    ConfigTree tree = yaml("a: yes\nb: ~\nc: '1'\nd: 0o17\ne: .inf\nf: 1e3\ng: True\n");
    assertThat(tree.find("a").orElseThrow()).isEqualTo(ConfigNode.ScalarNode.string("yes", tree.origin("a")));
    assertThat(((ConfigNode.ScalarNode) tree.find("b").orElseThrow()).kind()).isEqualTo(ConfigNode.ScalarNode.Kind.NULL);
    assertThat(((ConfigNode.ScalarNode) tree.find("c").orElseThrow()).kind()).isEqualTo(ConfigNode.ScalarNode.Kind.STRING);
    assertThat(tree.getString("d")).contains("15");
    assertThat(tree.getString("e")).contains("Infinity");
    assertThat(tree.getString("f")).contains("1e3");
    assertThat(tree.getString("g")).contains("true");
  }

  @Test
  void diff_listsLeafChanges_andHashIgnoresOrderAndOrigins() {
    ConfigTree a = yaml("x: 1\nlist: [1, 2, 3]\nm: {a: 1, b: 2}\n");
    ConfigTree b = yaml("m: {b: 2, a: 1}\nx: 1\nlist: [1, 2, 3]\n");
    assertThat(a.hash()).isEqualTo(b.hash());
    assertThat(a).isEqualTo(b);
    ConfigTree c = yaml("x: 2\nlist: [1, 5]\nm: {a: 1}\nnew: {k: v}\n");
    assertThat(a.diff(c)).extracting(ConfigTree.ValueChange::path)
        .containsExactly("x", "list[1]", "list[2]", "m.b", "new.k");
    assertThat(yaml("s: '1'\n").hash()).isNotEqualTo(yaml("s: 1\n").hash());
  }

  @Test
  void paths_roundTripQuotedKeys() {
    String p = Paths.child(Paths.child("limits", "a.b"), "c");
    assertThat(p).isEqualTo("limits.\"a.b\".c");
    assertThat(Paths.parse(p)).containsExactly("limits", "a.b", "c");
    assertThat(Paths.parse("servers[10].host")).containsExactly("servers", 10, "host");
    assertThat(Paths.selfAndAncestors("a.b[1]")).containsExactly("a.b[1]", "a.b", "a", "");
  }

  record Tree(String name, List<Tree> children) {}

  record Holder(String title, Map<String, Node> nodes) {}

  record Node(Optional<Holder> parent) {}

  @Test
  void recursiveTypes_areRefusedAtBuild_namingTheCycle() {
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> Binder.checkSupported(Tree.class, ""))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("children[] refers back to Tree (Tree): recursive configuration types are not supported; "
            + "use a Map or ConfigTree for trees of unknown depth");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> Binder.checkSupported(Holder.class, ""))
        .hasMessageStartingWith("nodes.*.parent[] refers back to Holder (Holder)");
  }

  record Timeout(Duration t) {}

  @Test
  void anOverflowingDuration_isAProblemWithItsOrigin_notAnException() {
    for (String text : List.of("9223372036854775807m", "99999999999999999999s", "9223372036854775807d",
        "9223372036854775807us", "PT9999999999999999999H")) {
      Binder.Result<Timeout> r = new Binder(UnknownKeys.WARN).bind(yaml("t: " + text + "\n").root(), Timeout.class);
      assertThat(r.problems()).as(text).singleElement().satisfies(p -> {
        assertThat(p.path()).isEqualTo("t");
        assertThat(p.origin().toString()).isEqualTo("t.yaml:1:4");
      });
    }
  }
}
