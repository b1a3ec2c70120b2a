package dev.relive.config.internal.bind;

import dev.relive.config.AllowNonFinite;
import dev.relive.config.ConfigNode;
import dev.relive.config.ConfigTree;
import dev.relive.config.Default;
import dev.relive.config.Key;
import dev.relive.config.Origin;
import dev.relive.config.Problem;
import dev.relive.config.Secret;
import dev.relive.config.UnknownKeys;
import dev.relive.config.internal.Paths;
import dev.relive.config.internal.SecretNames;
import dev.relive.config.internal.format.TreeBuilder;

import dev.relive.config.ConfigNode.ListNode;
import dev.relive.config.ConfigNode.ObjectNode;
import dev.relive.config.ConfigNode.ScalarNode;
import java.lang.reflect.AnnotatedElement;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.lang.reflect.WildcardType;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Binds a tree to a record type: nested records, {@code List}/{@code Set}/{@code Map}, {@code Optional},
 * enums, {@code Duration} ({@code 30s} or ISO-8601), {@code URI}, {@code Path}, dates, numbers, booleans.
 * Absent keys take their {@link Default}; absent {@code Optional}s are empty and absent collections empty.
 * Every problem is collected with its path and origin; none stops the others from being found.
 *
 * <p>Implementation notes: one plan per record class is cached in a {@link ClassValue}. Messages never
 * include the value at a secret path.
 */
public final class Binder {
  private static final Object NO_VALUE = new Object();
  private static final Pattern DURATION = Pattern.compile("(-?\\d+)\\s*(ns|us|ms|s|m|h|d)");
  private static final ClassValue<RecordPlan> PLANS = new ClassValue<>() {
    @Override
    protected RecordPlan computeValue(Class<?> type) {
      return new RecordPlan(type);
    }
  };

  private final UnknownKeys unknownKeys;

  public Binder(UnknownKeys unknownKeys) {
    this.unknownKeys = unknownKeys;
  }

  /** The outcome of binding one candidate. */
  public record Result<T>(@Nullable T value, List<Problem> problems, List<Problem> warnings, Set<String> secretPaths) {}

  public <T> Result<T> bind(ObjectNode root, Class<T> type) {
    Run run = new Run();
    Object value;
    if (type == ConfigTree.class) {
      value = ConfigTree.of(root);
    } else {
      value = run.bind(root, type, "", root.origin(), null, false);
    }
    return new Result<>(run.problems.isEmpty() ? type.cast(value) : null, run.problems, run.warnings, run.secretPaths);
  }

  /**
   * Checks at build time that every type reachable from a record can be bound.
   *
   * @throws IllegalArgumentException naming the first unsupported component
   */
  public static void checkSupported(Type type, String path) {
    checkSupported(type, path, new ArrayList<>());
  }

  /**
   * @param enclosing the record types being checked, outermost first, with the path at which each sits: a
   *     type met again is a cycle, which no finite configuration could describe and binding would recurse on
   */
  private static void checkSupported(Type type, String path, List<Object[]> enclosing) {
    Class<?> raw = raw(type);
    if (raw == ConfigTree.class || raw == ConfigNode.class || isScalar(raw)) {
      return;
    }
    if (raw == Optional.class || List.class == raw || Set.class == raw || Collection.class == raw) {
      checkSupported(typeArg(type, 0, path), path + "[]", enclosing);
      return;
    }
    if (raw == Map.class) {
      Class<?> key = raw(typeArg(type, 0, path));
      if (key != String.class && !key.isEnum()) {
        throw new IllegalArgumentException(path + ": map keys must be String or an enum, were " + key.getName());
      }
      checkSupported(typeArg(type, 1, path), path + ".*", enclosing);
      return;
    }
    if (raw.isRecord()) {
      requireOpen(raw);
      for (Object[] outer : enclosing) {
        if (outer[0] == raw) {
          String at = ((String) outer[1]).isEmpty() ? raw.getSimpleName() : (String) outer[1];
          throw new IllegalArgumentException(String.format("%s refers back to %s (%s): recursive configuration "
              + "types are not supported; use a Map or ConfigTree for trees of unknown depth",
              path, raw.getSimpleName(), at));
        }
      }
      enclosing.add(new Object[] {raw, path});
      for (RecordComponent c : raw.getRecordComponents()) {
        checkSupported(c.getGenericType(), Paths.child(path, keyOf(c)), enclosing);
      }
      enclosing.remove(enclosing.size() - 1);
      return;
    }
    throw new IllegalArgumentException((path.isEmpty() ? "configuration type" : path) + ": cannot bind to "
        + type.getTypeName() + " (use a record, a collection, Optional or a value type)");
  }

  /**
   * Relive builds records through their canonical constructors by reflection: in a named module, the record's
   * package must be open to Relive's module. Says the exact line to add when it is not.
   *
   * @throws IllegalArgumentException naming the module-info line that is missing
   */
  private static void requireOpen(Class<?> record) {
    Module module = record.getModule();
    Module relive = Binder.class.getModule();
    String pkg = record.getPackageName();
    if (module.isNamed() && !module.isOpen(pkg, relive)) {
      throw new IllegalArgumentException(String.format("%s is in module %s, which does not open %s to %s: add "
          + "'opens %s to %s;' to that module's module-info.java (and 'requires %s;')", record.getName(),
          module.getName(), pkg, relive.isNamed() ? relive.getName() : "Relive", pkg,
          relive.isNamed() ? relive.getName() : "dev.relive.config", "dev.relive.config"));
    }
  }

  public static boolean isScalar(Class<?> raw) {
    return raw.isPrimitive() || raw == String.class || Number.class.isAssignableFrom(raw) || raw == Boolean.class
        || raw == Character.class || raw.isEnum() || raw == Duration.class || raw == URI.class || raw == Path.class
        || raw == Instant.class || raw == LocalDate.class || raw == LocalTime.class || raw == LocalDateTime.class
        || raw == OffsetDateTime.class;
  }

  public static String keyOf(RecordComponent c) {
    Key key = c.getAnnotation(Key.class);
    return key != null ? key.value() : c.getName();
  }

  public static Class<?> raw(Type type) {
    if (type instanceof Class<?> c) {
      return c;
    }
    if (type instanceof ParameterizedType p) {
      return (Class<?>) p.getRawType();
    }
    if (type instanceof WildcardType w) {
      return raw(w.getUpperBounds()[0]);
    }
    throw new IllegalArgumentException("unsupported type " + type.getTypeName());
  }

  public static Type typeArg(Type type, int index, String path) {
    if (type instanceof ParameterizedType p) {
      Type arg = p.getActualTypeArguments()[index];
      return arg instanceof WildcardType w ? w.getUpperBounds()[0] : arg;
    }
    throw new IllegalArgumentException(path + ": raw " + type.getTypeName() + " needs a type argument");
  }

  public static RecordPlan plan(Class<?> type) {
    return PLANS.get(type);
  }

  /** A record's components, keys and canonical constructor. */
  public static final class RecordPlan {
    public final RecordComponent[] components;
    public final String[] keys;
    public final Map<String, Integer> byKey = new LinkedHashMap<>();
    public final Constructor<?> constructor;

    public RecordPlan(Class<?> type) {
      components = type.getRecordComponents();
      keys = new String[components.length];
      Class<?>[] types = new Class<?>[components.length];
      for (int i = 0; i < components.length; i++) {
        keys[i] = keyOf(components[i]);
        byKey.put(keys[i], i);
        types[i] = components[i].getType();
      }
      try {
        constructor = type.getDeclaredConstructor(types);
        constructor.setAccessible(true);
      } catch (NoSuchMethodException | RuntimeException e) {
        throw new IllegalArgumentException("cannot use the canonical constructor of " + type.getName()
            + " (if it is in a named module, open its package to dev.relive.config): " + e.getMessage(), e);
      }
    }
  }

  /** One binding pass: collects problems, warnings and secret paths. */
  private final class Run {
    final List<Problem> problems = new ArrayList<>();
    final List<Problem> warnings = new ArrayList<>();
    final Set<String> secretPaths = new HashSet<>();

    /** True while binding below a component marked {@link AllowNonFinite}. */
    private boolean nonFinite;

    Object bind(@Nullable ConfigNode node, Type type, String path, Origin parentOrigin, @Nullable AnnotatedElement element,
        boolean secret) {
      if (element != null) {
        boolean outer = nonFinite;
        nonFinite = element.isAnnotationPresent(AllowNonFinite.class);
        try {
          return bindValue(node, type, path, parentOrigin, element, secret);
        } finally {
          nonFinite = outer;
        }
      }
      return bindValue(node, type, path, parentOrigin, element, secret);
    }

    private Object bindValue(@Nullable ConfigNode node, Type type, String path, Origin parentOrigin,
        @Nullable AnnotatedElement element,
        boolean secret) {
      Class<?> raw = raw(type);
      if (element != null && element.isAnnotationPresent(Secret.class)) {
        secret = true;
        secretPaths.add(path);
      }
      if (node == null || (node instanceof ScalarNode s && s.kind() == ScalarNode.Kind.NULL)) {
        Default def = element == null ? null : element.getAnnotation(Default.class);
        if (def != null) {
          return bind(ScalarNode.string(def.value(), Origin.DEFAULT), type, path, parentOrigin, null, secret);
        }
        if (raw == Optional.class) {
          return Optional.empty();
        }
        if (raw == List.class || raw == Collection.class) {
          return List.of();
        }
        if (raw == Set.class) {
          return Set.of();
        }
        if (raw == Map.class) {
          return Map.of();
        }
        if (raw.isRecord()) {
          return bindRecord(ObjectNode.empty(node != null ? node.origin() : parentOrigin), raw, path, secret);
        }
        problems.add(new Problem(path, node != null ? node.origin() : parentOrigin,
            node != null ? "must not be null" : "is required but missing"));
        return NO_VALUE;
      }
      if (raw == Optional.class) {
        Object inner = bind(node, typeArg(type, 0, path), path, parentOrigin, null, secret);
        return inner == NO_VALUE ? NO_VALUE : Optional.of(inner);
      }
      if (raw == ConfigNode.class) {
        return node;
      }
      if (raw == ConfigTree.class) {
        return node instanceof ObjectNode o ? ConfigTree.of(o) : mismatch(node, path, "an object");
      }
      if (raw.isRecord()) {
        return node instanceof ObjectNode o ? bindRecord(o, raw, path, secret) : mismatch(node, path, "an object");
      }
      if (raw == List.class || raw == Collection.class || raw == Set.class) {
        if (!(node instanceof ListNode list)) {
          return mismatch(node, path, "a list");
        }
        Collection<Object> out = raw == Set.class ? new LinkedHashSet<>() : new ArrayList<>();
        boolean ok = true;
        Type element0 = typeArg(type, 0, path);
        for (int i = 0; i < list.items().size(); i++) {
          ConfigNode item = list.items().get(i);
          String itemPath = Paths.index(path, i);
          if (item instanceof ScalarNode s && s.kind() == ScalarNode.Kind.NULL) {
            problems.add(new Problem(itemPath, item.origin(), "list elements must not be null"));
            ok = false;
            continue;
          }
          Object v = bind(item, element0, itemPath, list.origin(), null, secret);
          ok &= v != NO_VALUE;
          out.add(v);
        }
        if (!ok) {
          return NO_VALUE;
        }
        return raw == Set.class ? Collections.unmodifiableSet(out instanceof Set<Object> s ? s : new LinkedHashSet<>(out))
            : Collections.unmodifiableList((List<Object>) out);
      }
      if (raw == Map.class) {
        if (!(node instanceof ObjectNode object)) {
          return mismatch(node, path, "an object");
        }
        Class<?> keyType = raw(typeArg(type, 0, path));
        Type valueType = typeArg(type, 1, path);
        Map<Object, Object> out = new LinkedHashMap<>();
        boolean ok = true;
        // A map of values takes nested keys whole, as flat formats write them: logging.level.org.hibernate.SQL
        // is the key "org.hibernate.SQL" of the map at logging.level.
        Map<String, ConfigNode> entries = keyType == String.class && isScalar(raw(valueType))
            ? flatten(object) : object.fields();
        for (Map.Entry<String, ConfigNode> e : entries.entrySet()) {
          String entryPath = Paths.child(path, e.getKey());
          Object key = keyType == String.class ? e.getKey()
              : scalar(ScalarNode.string(e.getKey(), e.getValue().origin()), keyType, entryPath, false);
          Object v = bind(e.getValue(), valueType, entryPath, object.origin(), null,
              secret || SecretNames.isSecretKey(e.getKey()));
          if (key == NO_VALUE || v == NO_VALUE) {
            ok = false;
          } else {
            out.put(key, v);
          }
        }
        return ok ? Collections.unmodifiableMap(out) : NO_VALUE;
      }
      if (!(node instanceof ScalarNode scalar)) {
        return mismatch(node, path, "a single value");
      }
      return scalar(scalar, raw, path, secret);
    }

    /** Nested objects' keys joined with '.', a value kept beside keys ({@code TreeBuilder.SELF}) under its own key. */
    private Map<String, ConfigNode> flatten(ObjectNode object) {
      Map<String, ConfigNode> out = new LinkedHashMap<>();
      object.fields().forEach((k, v) -> flattenInto(k, v, out));
      return out;
    }

    private void flattenInto(String key, ConfigNode node, Map<String, ConfigNode> out) {
      if (node instanceof ObjectNode o && !o.fields().isEmpty()) {
        o.fields().forEach((k, v) -> flattenInto(k.equals(TreeBuilder.SELF) ? key : key + "." + k, v, out));
      } else {
        out.put(key, node);
      }
    }

    private Object mismatch(ConfigNode node, String path, String expected) {
      String found = node instanceof ObjectNode ? "an object" : node instanceof ListNode ? "a list" : "a single value";
      problems.add(new Problem(path, node.origin(), "expected " + expected + ", found " + found));
      return NO_VALUE;
    }

    private Object bindRecord(ObjectNode object, Class<?> type, String path, boolean secret) {
      RecordPlan plan = plan(type);
      Object[] args = new Object[plan.components.length];
      boolean ok = true;
      for (int i = 0; i < plan.components.length; i++) {
        RecordComponent c = plan.components[i];
        String childPath = Paths.child(path, plan.keys[i]);
        Object v = bind(object.fields().get(plan.keys[i]), c.getGenericType(), childPath, object.origin(), c,
            secret || SecretNames.isSecretKey(plan.keys[i]));
        if (v == NO_VALUE) {
          ok = false;
        } else {
          args[i] = v;
        }
      }
      for (Map.Entry<String, ConfigNode> e : object.fields().entrySet()) {
        if (plan.byKey.containsKey(e.getKey())) {
          continue;
        }
        if (e.getKey().equals(TreeBuilder.SELF)) {
          problems.add(new Problem(path, e.getValue().origin(), "is given both as a value and with keys below it; "
              + "only a Map takes both"));
          ok = false;
          continue;
        }
        Optional<String> meant = RelaxedNames.closest(e.getKey(), plan.byKey.keySet());
        // A likely typo of a key that is absent: its default would serve in silence, so it is a problem.
        boolean hidesADefault = meant.isPresent() && !object.fields().containsKey(meant.get());
        Problem unknown = new Problem(Paths.child(path, e.getKey()), e.getValue().origin(), meant
            .map(m -> "unknown key; did you mean " + m + "?" + (hidesADefault ? " (" + m + " is not set, so it "
                + "would take its default)" : ""))
            .orElse("unknown key (" + type.getSimpleName() + " has " + String.join(", ", plan.byKey.keySet()) + ")"));
        if (unknownKeys == UnknownKeys.FAIL || hidesADefault) {
          problems.add(unknown);
          ok = false;
        } else {
          warnings.add(unknown);
        }
      }
      if (!ok) {
        return NO_VALUE;
      }
      try {
        return plan.constructor.newInstance(args);
      } catch (InvocationTargetException e) {
        Throwable cause = e.getCause();
        String message = cause == null ? "cannot construct " + type.getSimpleName() : cause.getMessage() != null
            ? cause.getMessage() : cause.getClass().getSimpleName();
        problems.add(new Problem(path, object.origin(), secret ? "rejected by " + type.getSimpleName() : message));
      } catch (ReflectiveOperationException | RuntimeException e) {
        problems.add(new Problem(path, object.origin(), "cannot construct " + type.getName() + ": " + e));
      }
      return NO_VALUE;
    }

    private Object scalar(ScalarNode node, Class<?> type, String path, boolean secret) {
      String text = node.text();
      String shown = secret ? "" : ", was '" + node.written() + "'";
      ScalarNode.Kind kind = node.kind();
      try {
        if (type == String.class) {
          return node.written();
        }
        if (type == boolean.class || type == Boolean.class) {
          if (kind == ScalarNode.Kind.BOOLEAN || kind == ScalarNode.Kind.STRING) {
            if (text.equalsIgnoreCase("true")) {
              return true;
            }
            if (text.equalsIgnoreCase("false")) {
              return false;
            }
          }
          return fail(node, path, "must be true or false" + shown);
        }
        if (type == int.class || type == Integer.class || type == long.class || type == Long.class
            || type == short.class || type == Short.class || type == byte.class || type == Byte.class
            || type == BigInteger.class) {
          if (kind != ScalarNode.Kind.INTEGER && kind != ScalarNode.Kind.STRING) {
            return fail(node, path, "must be a whole number" + shown);
          }
          BigInteger value;
          try {
            value = new BigInteger(text.trim());
          } catch (NumberFormatException e) {
            return fail(node, path, "must be a whole number" + shown);
          }
          return integer(value, type, node, path, shown);
        }
        if (type == double.class || type == Double.class || type == float.class || type == Float.class
            || type == BigDecimal.class) {
          if (kind == ScalarNode.Kind.BOOLEAN) {
            return fail(node, path, "must be a number" + shown);
          }
          if (type == BigDecimal.class) {
            return new BigDecimal(text.trim());
          }
          boolean isFloat = type == float.class || type == Float.class;
          double d = Double.parseDouble(text.trim());
          float f = (float) d;
          boolean literal = text.equals("NaN") || text.endsWith("Infinity");
          if (!nonFinite && (Double.isNaN(d) || Double.isInfinite(isFloat ? f : d))) {
            return fail(node, path, literal ? "must be a finite number (mark the component @AllowNonFinite to allow "
                + "NaN and infinities)" + shown : "is too large for a " + type.getSimpleName().toLowerCase(Locale.ROOT)
                + shown);
          }
          return isFloat ? (Object) f : (Object) d;
        }
        if (type == char.class || type == Character.class) {
          return text.length() == 1 ? (Object) text.charAt(0) : fail(node, path, "must be a single character" + shown);
        }
        if (type.isEnum()) {
          for (Object constant : type.getEnumConstants()) {
            String name = ((Enum<?>) constant).name();
            if (name.equalsIgnoreCase(text.trim()) || name.equalsIgnoreCase(text.trim().replace('-', '_'))) {
              return constant;
            }
          }
          List<String> names = new ArrayList<>();
          for (Object constant : type.getEnumConstants()) {
            names.add(((Enum<?>) constant).name().toLowerCase(Locale.ROOT));
          }
          return fail(node, path, "must be one of " + String.join(", ", names) + shown);
        }
        if (type == Duration.class) {
          return duration(node, path, shown);
        }
        if (type == URI.class) {
          return new URI(text.trim());
        }
        if (type == Path.class) {
          return Path.of(text);
        }
        if (type == Instant.class) {
          return Instant.parse(text.trim());
        }
        if (type == LocalDate.class) {
          return LocalDate.parse(text.trim());
        }
        if (type == LocalTime.class) {
          return LocalTime.parse(text.trim());
        }
        if (type == LocalDateTime.class) {
          return LocalDateTime.parse(text.trim());
        }
        if (type == OffsetDateTime.class) {
          return OffsetDateTime.parse(text.trim());
        }
      } catch (NumberFormatException e) {
        return fail(node, path, "must be a number" + shown);
      } catch (URISyntaxException | InvalidPathException | DateTimeParseException e) {
        return fail(node, path, "must be a valid " + type.getSimpleName() + (secret ? "" : ": " + e.getMessage()));
      }
      return fail(node, path, "cannot bind to " + type.getName());
    }

    private Object integer(BigInteger value, Class<?> type, ScalarNode node, String path, String shown) {
      if (type == BigInteger.class) {
        return value;
      }
      long min;
      long max;
      if (type == int.class || type == Integer.class) {
        min = Integer.MIN_VALUE;
        max = Integer.MAX_VALUE;
      } else if (type == short.class || type == Short.class) {
        min = Short.MIN_VALUE;
        max = Short.MAX_VALUE;
      } else if (type == byte.class || type == Byte.class) {
        min = Byte.MIN_VALUE;
        max = Byte.MAX_VALUE;
      } else {
        min = Long.MIN_VALUE;
        max = Long.MAX_VALUE;
      }
      if (value.compareTo(BigInteger.valueOf(min)) < 0 || value.compareTo(BigInteger.valueOf(max)) > 0) {
        return fail(node, path, "must be between " + min + " and " + max + shown);
      }
      long v = value.longValue();
      if (type == int.class || type == Integer.class) {
        return (int) v;
      }
      if (type == short.class || type == Short.class) {
        return (short) v;
      }
      if (type == byte.class || type == Byte.class) {
        return (byte) v;
      }
      return v;
    }

    private Object duration(ScalarNode node, String path, String shown) {
      String text = node.text().trim();
      Matcher m = DURATION.matcher(text);
      if (m.matches()) {
        try {
          long n = Long.parseLong(m.group(1));
          return switch (m.group(2)) {
            case "ns" -> Duration.ofNanos(n);
            case "us" -> Duration.ofNanos(Math.multiplyExact(n, 1000L));
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            default -> Duration.ofDays(n);
          };
        } catch (ArithmeticException | NumberFormatException e) {
          return fail(node, path, "is too long for a duration" + shown);
        }
      }
      try {
        return Duration.parse(text);
      } catch (DateTimeParseException | ArithmeticException e) {
        return fail(node, path, "must be a duration such as 500ms, 30s, 5m, 2h, 1d or PT30S" + shown);
      }
    }

    private Object fail(ScalarNode node, String path, String message) {
      problems.add(new Problem(path, node.origin(), message));
      return NO_VALUE;
    }
  }
}
