package dev.relive.config.internal;

import dev.relive.config.Registration;
import dev.relive.config.internal.bind.Binder;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * Listeners and participants indexed by the path they watch, so finding who to call costs in proportion to
 * what changed, not to how many are registered.
 *
 * <p>Implementation notes: the index is a concurrent map from path to an immutable list, replaced per path
 * with {@code compute}, so a registration from any thread is safely published to the reload thread and
 * costs in proportion to the listeners at its own path. A selector is resolved to a path once, at registration,
 * by finding where in the serving value its result sits (identity, through records, lists, maps and
 * optionals); results that cannot be located uniquely, or that are shared values such as boxed numbers or
 * enum constants, are indexed at the root and compared with {@code equals} on every change.
 *
 * @param <E> the registered item
 */
public final class Dispatch<E> {
  private final AtomicLong sequence = new AtomicLong();
  private final Map<String, List<Entry<E>>> byPath = new ConcurrentHashMap<>();

  /** A registered item with the path it watches and an optional selector for the equality guard. */
  public static final class Entry<E> {
    public final long seq;
    public final String path;
    public final @Nullable Function<Object, Object> selector;
    public final E item;

    public Entry(long seq, String path, @Nullable Function<Object, Object> selector, E item) {
      this.seq = seq;
      this.path = path;
      this.selector = selector;
      this.item = item;
    }

    /** True if the selected part differs (always true without a selector). */
    public boolean changed(Object previous, Object current) {
      return selector == null || !Objects.equals(selector.apply(previous), selector.apply(current));
    }
  }

  public Registration add(String path, @Nullable Function<Object, Object> selector, E item) {
    Entry<E> entry = new Entry<>(sequence.incrementAndGet(), path, selector, item);
    byPath.compute(path, (p, list) -> {
      List<Entry<E>> next = new ArrayList<>(list == null ? List.of() : list);
      next.add(entry);
      return List.copyOf(next);
    });
    return () -> remove(entry);
  }

  private void remove(Entry<E> entry) {
    byPath.computeIfPresent(entry.path, (p, list) -> {
      List<Entry<E>> rest = new ArrayList<>(list);
      rest.remove(entry);
      return rest.isEmpty() ? null : List.copyOf(rest);
    });
  }

  /** Everything registered at a changed path or at one of its ancestors, in registration order. */
  public List<Entry<E>> affected(Collection<String> changedPaths) {
    Map<String, List<Entry<E>>> index = byPath;
    if (index.isEmpty()) {
      return List.of();
    }
    Set<String> seen = new HashSet<>();
    List<Entry<E>> out = new ArrayList<>();
    for (String changed : changedPaths) {
      for (String path : Paths.selfAndAncestors(changed)) {
        if (!seen.add(path)) {
          break;
        }
        List<Entry<E>> entries = index.get(path);
        if (entries != null) {
          out.addAll(entries);
        }
      }
    }
    out.sort(Comparator.comparingLong(e -> e.seq));
    return out;
  }

  /** Everything registered, in registration order. */
  public List<Entry<E>> all() {
    List<Entry<E>> out = new ArrayList<>();
    byPath.values().forEach(out::addAll);
    out.sort(Comparator.comparingLong(e -> e.seq));
    return out;
  }

  public boolean isEmpty() {
    return byPath.isEmpty();
  }

  /**
   * Where a selector's result sits in a value: the path, or the root when it cannot be located uniquely.
   */
  public static String locate(Object root, Object selected) {
    if (selected == null || !(selected.getClass().isRecord() || selected instanceof Collection<?>
        || selected instanceof Map<?, ?> || (selected instanceof Optional<?> o && o.isPresent()))) {
      return "";
    }
    if ((selected instanceof Collection<?> c && c.isEmpty()) || (selected instanceof Map<?, ?> m && m.isEmpty())) {
      return "";
    }
    List<String> found = new ArrayList<>();
    search(root, selected, "", found, 0);
    return found.size() == 1 ? found.get(0) : "";
  }

  private static void search(Object value, Object target, String path, List<String> found, int depth) {
    if (value == null || found.size() > 1 || depth > 64) {
      return;
    }
    if (value == target) {
      found.add(path);
      return;
    }
    if (value instanceof Optional<?> o) {
      o.ifPresent(v -> search(v, target, path, found, depth + 1));
    } else if (value.getClass().isRecord()) {
      Binder.RecordPlan plan = Binder.plan(value.getClass());
      for (int i = 0; i < plan.components.length; i++) {
        try {
          var accessor = plan.components[i].getAccessor();
          accessor.setAccessible(true);
          search(accessor.invoke(value), target, Paths.child(path, plan.keys[i]), found, depth + 1);
        } catch (ReflectiveOperationException | RuntimeException e) {
          return;
        }
      }
    } else if (value instanceof List<?> list) {
      for (int i = 0; i < list.size(); i++) {
        search(list.get(i), target, Paths.index(path, i), found, depth + 1);
      }
    } else if (value instanceof Map<?, ?> map) {
      map.forEach((k, v) -> {
        if (k instanceof String key) {
          search(v, target, Paths.child(path, key), found, depth + 1);
        }
      });
    }
  }
}
