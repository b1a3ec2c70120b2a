package dev.relive.config.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** Paths.parse reads back exactly the segments Paths.child and Paths.index wrote, whatever the keys hold. */
class PathsPropertyTest {

  @Property(tries = 2000)
  void renderThenParse_givesTheSameSegments(@ForAll("segments") List<Object> segments) {
    assertThat(Paths.parse(render(segments))).isEqualTo(segments);
  }

  @Example
  void keysThatNeedQuotes_andBackslashes_roundTrip() {
    for (String key : List.of("a b\\", "a\\b", "\\", "\"", "a.b", "[0]", "", " ", "x\"y\\\"z")) {
      String path = Paths.child("root", key);
      assertThat(Paths.parse(path)).containsExactly("root", key);
      assertThat(Paths.selfAndAncestors(path)).containsExactly(path, "root", "");
    }
  }

  @Example
  void malformedPaths_areRefused() {
    for (String bad : List.of("a..b", "a.", ".a", "a[x]", "a[-1]", "a[", "\"a", "\"a\"b", "a[0]b")) {
      assertThatThrownBy(() -> Paths.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Provide
  Arbitrary<List<Object>> segments() {
    Arbitrary<Object> key = Arbitraries.strings().withChars("ab.[]\"\\ x_-é\t").ofMaxLength(6).map(k -> (Object) k);
    Arbitrary<Object> index = Arbitraries.integers().between(0, 10_000).map(i -> (Object) i);
    return Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(3, key), net.jqwik.api.Tuple.of(1, index))
        .list().ofMaxSize(6);
  }

  private static String render(List<Object> segments) {
    String p = "";
    List<Object> seen = new ArrayList<>();
    for (Object s : segments) {
      p = s instanceof Integer i ? Paths.index(p, i) : Paths.child(p, (String) s);
      seen.add(s);
    }
    return p;
  }
}
