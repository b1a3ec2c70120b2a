package dev.relive.config.internal.bind;

import dev.relive.config.ConfigNode;
import dev.relive.config.ConfigSources;
import dev.relive.config.ConfigTree;
import dev.relive.config.internal.Paths;

import dev.relive.config.ConfigNode.ListNode;
import dev.relive.config.ConfigNode.ObjectNode;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Resolves an environment-style name ({@code DB_MAX_POOL_SIZE}) to a key path by walking the configuration
 * type; the rule is documented on {@link ConfigSources}.
 */
public final class EnvNames {
  private EnvNames() {}

  /** A resolved name: path segments, or the reason it could not be resolved. */
  public record Resolution(@Nullable List<Object> segments, @Nullable String error) {}

  /** Splits a key into upper-case words at separators and lower-to-upper case changes. */
  public static List<String> words(String key) {
    List<String> out = new ArrayList<>();
    StringBuilder word = new StringBuilder();
    for (int i = 0; i < key.length(); i++) {
      char c = key.charAt(i);
      if (!Character.isLetterOrDigit(c)) {
        flush(word, out);
        continue;
      }
      if (Character.isUpperCase(c) && i > 0 && (Character.isLowerCase(key.charAt(i - 1)) || Character.isDigit(key.charAt(i - 1)))) {
        flush(word, out);
      }
      word.append(Character.toUpperCase(c));
    }
    flush(word, out);
    return out;
  }

  private static void flush(StringBuilder word, List<String> out) {
    if (word.length() > 0) {
      out.add(word.toString());
      word.setLength(0);
    }
  }

  public static Resolution resolve(String name, Type type, ObjectNode lower) {
    List<String> tokens = new ArrayList<>();
    for (String t : name.split("_", -1)) {
      if (!t.isEmpty()) {
        tokens.add(t.toUpperCase(Locale.ROOT));
      }
    }
    if (tokens.isEmpty()) {
      return new Resolution(null, "names no key");
    }
    List<List<Object>> matches = new ArrayList<>();
    match(tokens, 0, type, lower, new ArrayList<>(), matches);
    if (matches.isEmpty()) {
      return new Resolution(null, "matches no key of the configuration");
    }
    if (matches.size() > 1) {
      List<String> paths = new ArrayList<>();
      for (List<Object> m : matches) {
        paths.add(render(m));
      }
      return new Resolution(null, "is ambiguous: it matches " + String.join(" and ", paths));
    }
    return new Resolution(matches.get(0), null);
  }

  public static String render(List<Object> segments) {
    String p = "";
    for (Object s : segments) {
      p = s instanceof Integer i ? Paths.index(p, i) : Paths.child(p, (String) s);
    }
    return p;
  }

  private static void match(List<String> tokens, int pos, @Nullable Type type, @Nullable ConfigNode lower, List<Object> path,
      List<List<Object>> out) {
    Class<?> raw = type == null ? null : Binder.raw(type);
    if (raw == Optional.class) {
      match(tokens, pos, Binder.typeArg(Objects.requireNonNull(type), 0, ""), lower, path, out);
      return;
    }
    if (pos == tokens.size()) {
      out.add(List.copyOf(path));
      return;
    }
    if (raw != null && raw.isRecord()) {
      for (RecordComponent c : raw.getRecordComponents()) {
        String key = Binder.keyOf(c);
        ConfigNode child = lower instanceof ObjectNode o ? o.fields().get(key) : null;
        tryKey(tokens, pos, key, c.getGenericType(), child, path, out);
      }
    } else if (raw != null && (raw == List.class || raw == Set.class || raw == Collection.class)) {
      if (tokens.get(pos).chars().allMatch(Character::isDigit)) {
        int index = Integer.parseInt(tokens.get(pos));
        ConfigNode child = lower instanceof ListNode l && index < l.items().size() ? l.items().get(index) : null;
        path.add(index);
        match(tokens, pos + 1, Binder.typeArg(Objects.requireNonNull(type), 0, ""), child, path, out);
        path.remove(path.size() - 1);
      }
    } else if (raw == null || raw == Map.class || raw == ConfigTree.class || raw == ConfigNode.class) {
      Type valueType = raw == Map.class && type != null ? Binder.typeArg(type, 1, "") : null;
      int before = out.size();
      if (lower instanceof ObjectNode o) {
        for (Map.Entry<String, ConfigNode> e : o.fields().entrySet()) {
          tryKey(tokens, pos, e.getKey(), valueType, e.getValue(), path, out);
        }
      } else if (lower instanceof ListNode l && tokens.get(pos).chars().allMatch(Character::isDigit)) {
        int index = Integer.parseInt(tokens.get(pos));
        path.add(index);
        match(tokens, pos + 1, valueType, index < l.items().size() ? l.items().get(index) : null, path, out);
        path.remove(path.size() - 1);
      }
      if (out.size() == before) {
        boolean leafValues = valueType != null && Binder.isScalar(Binder.raw(valueType));
        if (leafValues || raw == null) {
          List<String> rest = tokens.subList(pos, tokens.size());
          if (leafValues) {
            path.add(String.join("_", rest).toLowerCase(Locale.ROOT));
          } else {
            rest.forEach(t -> path.add(t.toLowerCase(Locale.ROOT)));
          }
          out.add(List.copyOf(path));
          path.subList(path.size() - (leafValues ? 1 : rest.size()), path.size()).clear();
        } else {
          path.add(tokens.get(pos).toLowerCase(Locale.ROOT));
          match(tokens, pos + 1, valueType, null, path, out);
          path.remove(path.size() - 1);
        }
      }
    }
  }

  private static void tryKey(List<String> tokens, int pos, String key, @Nullable Type type, @Nullable ConfigNode child,
      List<Object> path, List<List<Object>> out) {
    List<String> words = words(key);
    if (!words.isEmpty() && pos + words.size() <= tokens.size() && tokens.subList(pos, pos + words.size()).equals(words)) {
      path.add(key);
      match(tokens, pos + words.size(), type, child, path, out);
      path.remove(path.size() - 1);
    }
  }

  /** The declared type one segment below {@code type}, or null when it cannot be known. */
  public static @Nullable Type childType(Type type, Object segment) {
    Class<?> raw = Binder.raw(type);
    if (raw == Optional.class) {
      return childType(Binder.typeArg(type, 0, ""), segment);
    }
    if (raw.isRecord() && segment instanceof String key) {
      for (RecordComponent c : raw.getRecordComponents()) {
        if (Binder.keyOf(c).equals(key)) {
          return c.getGenericType();
        }
      }
      return null;
    }
    if ((raw == List.class || raw == Set.class || raw == Collection.class) && segment instanceof Integer) {
      return Binder.typeArg(type, 0, "");
    }
    if (raw == Map.class && segment instanceof String) {
      return Binder.typeArg(type, 1, "");
    }
    return null;
  }
}
