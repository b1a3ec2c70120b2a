package dev.relive.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** A framework's own binding in place of the engine's: everything else (reject, unchanged, history) stays. */
class BindingTest {
  /** Not a record: only a custom binding can make it. */
  static final class Pool {
    final int size;

    Pool(int size) {
      this.size = size;
    }
  }

  private static final Binding<Pool> POOL = (tree, problems) -> {
    String size = tree.getString("pool.size").orElse("");
    int n = Integer.parseInt(size);
    if (n < 1) {
      problems.add("pool.size", "must be at least 1, was " + n);
    }
    return new Pool(n);
  };

  @Test
  void aCustomBinding_makesTheValue_rejectsWithOrigins_andKeepsTheLastGood() {
    InMemorySource memory = new InMemorySource("mem").set(Map.of("pool", Map.of("size", 4)));
    try (LiveConfig<Pool> config = LiveConfig.builder(Pool.class, POOL).source(memory).reloadOnSighup(false).build()) {
      assertThat(config.get().size).isEqualTo(4);
      memory.set(Map.of("pool", Map.of("size", 0)));
      ReloadEvent.Rejected r = (ReloadEvent.Rejected) config.reload();
      assertThat(r.stage()).isEqualTo(ReloadEvent.Stage.BIND);
      assertThat(r.problems()).singleElement().asString().contains("pool.size: must be at least 1, was 0");
      assertThat(config.get().size).isEqualTo(4);
      memory.set(Map.of("pool", Map.of("size", "x")));
      assertThat(((ReloadEvent.Rejected) config.reload()).problems().get(0).message())
          .startsWith("binding failed: ");
      memory.set(Map.of("pool", Map.of("size", 4)));
      assertThat(config.reload()).isInstanceOf(ReloadEvent.Unchanged.class);
    }
    assertThatThrownBy(() -> LiveConfig.builder(Pool.class)).isInstanceOf(IllegalArgumentException.class);
  }
}
