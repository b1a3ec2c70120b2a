package dev.relive.config.internal.bind;

import dev.relive.config.ConfigNode;
import dev.relive.config.ConfigNode.ListNode;
import dev.relive.config.ConfigNode.ObjectNode;
import dev.relive.config.ConfigTree;
import dev.relive.config.Problem;
import dev.relive.config.internal.Paths;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.UnaryOperator;
import org.jspecify.annotations.Nullable;

/**
 * Relaxed names, as Spring Boot binds them: {@code pool-size}, {@code pool_size}, {@code POOL_SIZE} and
 * {@code poolSize} all name the component {@code poolSize} (or the key its {@code @Key} gives). Each layer's
 * tree is rewritten to the record's own keys before layers merge, so a later layer's {@code poolSize}
 * overrides an earlier one's {@code pool-size}, and paths in diffs, listeners and problems are always the
 * record's keys; origins stay those of the text as written. Two spellings of one key in one layer are a problem.
 * Also suggests the component an unknown key was probably meant to be.
 */
public final class RelaxedNames {
  private RelaxedNames() {}

  /** The form two spellings of one name share: lower case, without {@code -} and {@code _}. */
  static String normalized(String key) {
    StringBuilder out = new StringBuilder(key.length());
    for (int i = 0; i < key.length(); i++) {
      char c = key.charAt(i);
      if (c != '-' && c != '_') {
        out.append(Character.toLowerCase(c));
      }
    }
    return out.toString();
  }

  /** The tree with relaxed spellings renamed to the type's keys; the same instance when nothing was renamed. */
  public static ObjectNode canonicalize(ObjectNode root, Type type, List<Problem> problems) {
    if (type == ConfigTree.class) {
      return root;
    }
    return (ObjectNode) walk(root, type, "", problems);
  }

  private static ConfigNode walk(ConfigNode node, Type type, String path, List<Problem> problems) {
    Class<?> raw = Binder.raw(type);
    if (raw == Optional.class) {
      return walk(node, Binder.typeArg(type, 0, path), path, problems);
    }
    if (node instanceof ListNode list && (raw == List.class || raw == Set.class || raw == Collection.class)) {
      Type element = Binder.typeArg(type, 0, path);
      List<ConfigNode> items = null;
      for (int i = 0; i < list.items().size(); i++) {
        ConfigNode item = list.items().get(i);
        ConfigNode renamed = walk(item, element, Paths.index(path, i), problems);
        if (renamed != item && items == null) {
          items = new ArrayList<>(list.items());
        }
        if (items != null) {
          items.set(i, renamed);
        }
      }
      return items == null ? list : new ListNode(items, list.origin());
    }
    if (!(node instanceof ObjectNode object)) {
      return node;
    }
    if (raw == Map.class) {
      Type value = Binder.typeArg(type, 1, path);
      return mapFields(object, path, problems, k -> value, k -> k);
    }
    if (!raw.isRecord()) {
      return node;
    }
    Binder.RecordPlan plan = Binder.plan(raw);
    Map<String, String> byNormalized = new HashMap<>();
    for (String key : plan.keys) {
      byNormalized.put(normalized(key), key);
    }
    Map<String, String> renames = new HashMap<>();
    Map<String, String> spelledAs = new HashMap<>();
    for (String key : object.fields().keySet()) {
      String canonical = plan.byKey.containsKey(key) ? key : byNormalized.get(normalized(key));
      if (canonical == null) {
        continue;
      }
      String earlier = spelledAs.putIfAbsent(canonical, key);
      if (earlier != null) {
        problems.add(new Problem(Paths.child(path, canonical), object.fields().get(key).origin(), "'" + earlier
            + "' and '" + key + "' both set " + Paths.child(path, canonical) + "; keep one"));
        continue;
      }
      if (!canonical.equals(key)) {
        renames.put(key, canonical);
      }
    }
    return mapFields(object, path, problems, k -> {
      Integer index = plan.byKey.get(renames.getOrDefault(k, k));
      return index == null ? null : plan.components[index].getGenericType();
    }, k -> renames.getOrDefault(k, k));
  }

  /** The declared type of the value under a key, or null when the type does not know the key. */
  private interface TypeOf {
    @Nullable Type of(String key);
  }

  private static ObjectNode mapFields(ObjectNode object, String path, List<Problem> problems,
      TypeOf typeOf, UnaryOperator<String> rename) {
    Map<String, ConfigNode> fields = null;
    for (Map.Entry<String, ConfigNode> e : object.fields().entrySet()) {
      String key = rename.apply(e.getKey());
      Type childType = typeOf.of(e.getKey());
      ConfigNode child = childType == null ? e.getValue() : walk(e.getValue(), childType, Paths.child(path, key), problems);
      if ((child != e.getValue() || !key.equals(e.getKey())) && fields == null) {
        fields = new LinkedHashMap<>();
        for (Map.Entry<String, ConfigNode> before : object.fields().entrySet()) {
          if (before.getKey().equals(e.getKey())) {
            break;
          }
          fields.put(rename.apply(before.getKey()), before.getValue());
        }
      }
      if (fields != null && !fields.containsKey(key)) {
        fields.put(key, child);
      }
    }
    return fields == null ? object : new ObjectNode(fields, object.origin());
  }

  /**
   * The key among {@code known} that {@code unknown} was probably meant to be: the same once normalized, or
   * within two edits of it ({@code poolSzie} → {@code poolSize}); empty when none is close.
   */
  public static Optional<String> closest(String unknown, Collection<String> known) {
    String u = normalized(unknown);
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    for (String k : known) {
      int d = distance(u, normalized(k));
      if (d < bestDistance) {
        bestDistance = d;
        best = k;
      }
    }
    int allowed = Math.min(2, Math.max(1, u.length() / 4));
    return best != null && bestDistance <= allowed ? Optional.of(best) : Optional.empty();
  }

  /** Optimal string alignment distance: insertions, deletions, substitutions and swaps of neighbours. */
  static int distance(String a, String b) {
    int[][] d = new int[a.length() + 1][b.length() + 1];
    for (int i = 0; i <= a.length(); i++) {
      d[i][0] = i;
    }
    for (int j = 0; j <= b.length(); j++) {
      d[0][j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
        if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
          d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
        }
      }
    }
    return d[a.length()][b.length()];
  }
}
