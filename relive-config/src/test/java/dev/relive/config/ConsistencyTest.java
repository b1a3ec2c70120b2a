package dev.relive.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A reload is all-or-nothing: a failure of any kind, injected into every user hook, leaves history,
 * {@code lastResult}, the last-good cache, the events and {@code get()} agreeing, and never escapes
 * {@code reload()} or {@code rollback()}.
 */
class ConsistencyTest {
  record Db(String url, int pool) {}

  record Cfg(String name, Db db) {}

  /** Every hook a user can give the engine. */
  enum Hook {
    PARTICIPANT_PREPARE, PARTICIPANT_COMMIT, PARTICIPANT_ABORT, PARTICIPANT_SELECTOR, VALIDATOR, LISTENER,
    LISTENER_SELECTOR, SUBSCRIBER
  }

  /** Every way a hook can go wrong, short of a VirtualMachineError (which is deliberately not caught). */
  enum Fault {
    RUNTIME_EXCEPTION, CHECKED_EXCEPTION, ASSERTION_ERROR, LINKAGE_ERROR, RETURNS_NULL;

    void fire() {
      switch (this) {
        case RUNTIME_EXCEPTION -> throw new IllegalStateException("injected");
        case CHECKED_EXCEPTION -> sneaky(new java.io.IOException("injected"));
        case ASSERTION_ERROR -> throw new AssertionError("injected");
        case LINKAGE_ERROR -> throw new NoClassDefFoundError("injected");
        case RETURNS_NULL -> { }
      }
    }
  }

  @TempDir
  Path dir;

  static Stream<Arguments> everyHookAndFault() {
    List<Arguments> out = new ArrayList<>();
    for (Hook hook : Hook.values()) {
      for (Fault fault : Fault.values()) {
        out.add(Arguments.of(hook, fault));
      }
    }
    return out.stream();
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("everyHookAndFault")
  void aFailingHook_leavesEverythingConsistent(Hook hook, Fault fault) {
    InMemorySource memory = new InMemorySource("test");
    memory.set(values("v1", 1));
    Path cache = dir.resolve("last-good.json");
    AtomicInteger prepares = new AtomicInteger();
    AtomicInteger commits = new AtomicInteger();
    AtomicInteger aborts = new AtomicInteger();
    List<ReloadEvent> healthyEvents = new CopyOnWriteArrayList<>();
    boolean[] armed = {false};
    Runnable maybe = () -> {
      if (armed[0]) {
        fault.fire();
      }
    };
    Participant<Cfg> counted = (current, candidate) -> {
      prepares.incrementAndGet();
      return new Participant.Prepared() {
        @Override
        public void commit() {
          commits.incrementAndGet();
        }

        @Override
        public void abort() {
          aborts.incrementAndGet();
        }
      };
    };
    try (LiveConfig<Cfg> config = LiveConfig.builder(Cfg.class).source(memory).lastGoodCache(cache)
        .validator((c, problems) -> {
          if (hook == Hook.VALIDATOR) {
            maybe.run();
          }
        })
        .executor(Runnable::run).reloadOnSighup(false).build()) {
      // A healthy participant prepared first, so that a later failure must abort it.
      config.participate(counted);
      config.participate(hook == Hook.PARTICIPANT_SELECTOR ? selector(maybe) : c -> c.db(), (current, candidate) -> {
        if (hook == Hook.PARTICIPANT_PREPARE) {
          if (armed[0] && fault == Fault.RETURNS_NULL) {
            return null;
          }
          maybe.run();
        }
        return new Participant.Prepared() {
          @Override
          public void commit() {
            if (hook == Hook.PARTICIPANT_COMMIT) {
              maybe.run();
            }
          }

          @Override
          public void abort() {
            if (hook == Hook.PARTICIPANT_ABORT) {
              maybe.run();
            }
          }
        };
      });
      // A participant that always refuses, to make aborts happen when the hook under test is an abort.
      if (hook == Hook.PARTICIPANT_ABORT) {
        config.participate(c -> c.name(), (current, candidate) -> {
          if (candidate.name().equals("refuse")) {
            throw new IllegalStateException("refused");
          }
          return null;
        });
      }
      config.onChange(change -> {
        if (hook == Hook.LISTENER) {
          maybe.run();
        }
      });
      config.onChange(hook == Hook.LISTENER_SELECTOR ? selector(maybe) : Cfg::db, (a, b) -> { });
      config.subscribe(e -> {
        if (hook == Hook.SUBSCRIBER) {
          maybe.run();
        }
      });
      config.subscribe(healthyEvents::add);

      armed[0] = true;
      memory.set(values(hook == Hook.PARTICIPANT_ABORT ? "refuse" : "v2", 2));
      ReloadEvent first = config.reload();
      check(config, first, 1, cache, healthyEvents);
      assertThat(first.kind()).isEqualTo(expected(hook, fault));
      memory.set(values("v3", 3));
      long before = config.snapshot().version();
      check(config, config.reload(), before, cache, healthyEvents);
      before = config.snapshot().version();
      check(config, config.rollback(1), before, cache, healthyEvents);
      armed[0] = false;
      memory.set(values("v4", 4));
      before = config.snapshot().version();
      ReloadEvent last = config.reload();
      assertThat(last).isInstanceOf(ReloadEvent.Applied.class);
      check(config, last, before, cache, healthyEvents);
      assertThat(config.get().name()).isEqualTo("v4");
    }
    // Every prepared participant was either committed or aborted, exactly once.
    assertThat(commits.get() + aborts.get()).isEqualTo(prepares.get());
  }

  /** The invariants that must hold after any run, whatever failed in it. */
  private static void check(LiveConfig<Cfg> config, ReloadEvent event, long versionBefore, Path cache,
      List<ReloadEvent> events) {
    ConfigSnapshot<Cfg> snapshot = config.snapshot();
    assertThat(config.get()).isSameAs(snapshot.value());
    assertThat(config.history().get(0)).isSameAs(snapshot);
    assertThat(config.status().lastResult()).containsSame(event);
    assertThat(events.get(events.size() - 1)).isSameAs(event);
    assertThat(event.servingVersion()).isEqualTo(snapshot.version());
    if (event instanceof ReloadEvent.Applied || event instanceof ReloadEvent.RolledBack) {
      assertThat(snapshot.version()).isEqualTo(versionBefore + 1);
    } else {
      assertThat(snapshot.version()).isEqualTo(versionBefore);
    }
    if (event instanceof ReloadEvent.Rejected r) {
      assertThat(r.problems()).isNotEmpty();
    }
    assertThat(Fixtures.read(cache)).contains("\"version\" : " + snapshot.version() + ",");
    for (ConfigSnapshot<Cfg> kept : config.history()) {
      assertThat(kept.version()).isLessThanOrEqualTo(snapshot.version());
    }
  }

  /** What the first run with the fault armed must give. */
  private static String expected(Hook hook, Fault fault) {
    boolean throwing = fault != Fault.RETURNS_NULL;
    return switch (hook) {
      case PARTICIPANT_PREPARE, PARTICIPANT_SELECTOR, VALIDATOR -> throwing ? "rejected" : "applied";
      case PARTICIPANT_ABORT -> "rejected";
      default -> "applied";
    };
  }

  private static Map<String, Object> values(String name, int pool) {
    return Map.of("name", name, "db.url", "jdbc:" + name, "db.pool", pool);
  }

  private static <S> Function<Cfg, S> selector(Runnable maybe) {
    return c -> {
      maybe.run();
      @SuppressWarnings("unchecked")
      S db = (S) c.db();
      return db;
    };
  }

  @SuppressWarnings("unchecked")
  private static <E extends Throwable> void sneaky(Throwable e) throws E {
    throw (E) e;
  }
}
