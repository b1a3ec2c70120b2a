package dev.relive.config.internal;

import dev.relive.config.ConfigException;
import dev.relive.config.ConfigNode;
import dev.relive.config.ConfigTree;
import dev.relive.config.Origin;
import dev.relive.config.Problem;
import dev.relive.config.SourceStamp;
import dev.relive.config.UnknownKeys;
import dev.relive.config.internal.bind.Binder;
import dev.relive.config.internal.bind.EnvNames;
import dev.relive.config.internal.bind.RelaxedNames;
import dev.relive.config.internal.format.Formats;
import dev.relive.config.internal.format.Text;

import dev.relive.config.ConfigNode.ListNode;
import dev.relive.config.ConfigNode.ObjectNode;
import dev.relive.config.ConfigNode.ScalarNode;
import dev.relive.config.spi.ConfigFormat;
import dev.relive.config.spi.ConfigSource;
import dev.relive.config.spi.ParseLimits;
import dev.relive.config.spi.SourceData;
import java.io.IOException;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The read, parse and merge steps: reads every source, parses documents (reusing the last tree of a source
 * whose stamp has not changed), and merges the layers in order, later winning key by key. Lists are replaced
 * whole, except that flat entries (environment, system properties) address single elements by index.
 *
 * <p>Used from the reload thread only.
 */
public final class Layers {
  private final List<ConfigSource> sources;
  private final Formats formats;
  private final ParseLimits limits;
  private final Type type;
  private final UnknownKeys unknownKeys;
  private final IdentityHashMap<ConfigSource, Parsed> lastParsed = new IdentityHashMap<>();

  /** A source's last parsed tree, already in the type's own key names, and the problems renaming found. */
  private record Parsed(String stamp, ObjectNode tree, List<Problem> problems) {}

  /** The merged tree with each source's stamp, or the problems that stopped it. */
  public record Result(ObjectNode merged, List<SourceStamp> stamps, List<Problem> problems, List<Problem> warnings) {}

  public Layers(List<ConfigSource> sources, Formats formats, ParseLimits limits, Type type, UnknownKeys unknownKeys) {
    this.sources = List.copyOf(sources);
    this.formats = formats;
    this.limits = limits;
    this.type = type;
    this.unknownKeys = unknownKeys;
  }

  public List<ConfigSource> sources() {
    return sources;
  }

  public Result read() {
    return read(Map.of());
  }

  /** Reads every layer, taking the content of the sources in {@code instead} as given rather than reading them. */
  public Result read(Map<ConfigSource, SourceData> instead) {
    List<Problem> problems = new ArrayList<>();
    List<Problem> warnings = new ArrayList<>();
    List<SourceStamp> stamps = new ArrayList<>();
    ObjectNode merged = ObjectNode.empty(Origin.DEFAULT);
    for (ConfigSource source : sources) {
      SourceData data;
      try {
        SourceData given = instead.get(source);
        data = given != null ? given : source instanceof BoundedSource bounded ? bounded.read(limits.maxBytes())
            : source.read();
      } catch (ConfigException e) {
        problems.addAll(e.problems());
        continue;
      } catch (VirtualMachineError e) {
        throw e;
      } catch (Throwable e) {
        problems.add(new Problem("", Origin.of(source.name()), "cannot read: " + Text.describe(e)));
        continue;
      }
      stamps.add(new SourceStamp(source.name(), data.stamp(), !(data instanceof SourceData.Absent)));
      if (data instanceof SourceData.Document document) {
        Optional<ObjectNode> tree = parse(source, document, problems);
        if (tree.isPresent()) {
          merged = merge(merged, tree.get());
        }
      } else if (data instanceof SourceData.Tree tree) {
        merged = merge(merged, RelaxedNames.canonicalize(tree.root(), type, problems));
      } else if (data instanceof SourceData.Entries entries) {
        merged = overlay(merged, source.name(), entries, problems, warnings);
      }
    }
    return new Result(merged, stamps, problems, warnings);
  }

  private Optional<ObjectNode> parse(ConfigSource source, SourceData.Document document, List<Problem> problems) {
    Parsed last = lastParsed.get(source);
    if (last != null && last.stamp.equals(document.stamp())) {
      problems.addAll(last.problems);
      return Optional.of(last.tree);
    }
    Optional<ConfigFormat> format = formats.find(document.format());
    if (format.isEmpty()) {
      problems.add(new Problem("", Origin.of(source.name()), "unknown format '" + document.format()
          + "' (known: " + formats.known() + ")"));
      return Optional.empty();
    }
    try {
      List<Problem> renaming = new ArrayList<>();
      String name = document.origin().isEmpty() ? source.name() : document.origin();
      ObjectNode tree = RelaxedNames.canonicalize(format.get().parse(document.bytes(), name, limits), type,
          renaming);
      lastParsed.put(source, new Parsed(document.stamp(), tree, List.copyOf(renaming)));
      problems.addAll(renaming);
      return Optional.of(tree);
    } catch (ConfigException e) {
      problems.addAll(e.problems());
    } catch (VirtualMachineError e) {
      throw e;
    } catch (Throwable e) {
      problems.add(new Problem("", Origin.of(source.name()), format.get().name() + " parser failed: " + e));
    }
    return Optional.empty();
  }

  /**
   * Parses one document in the named format, for dry runs.
   *
   * @throws ConfigException.Parse for an unknown format or a malformed document
   */
  public ObjectNode parse(byte[] bytes, String format, String sourceName) {
    ConfigFormat f = formats.find(format).orElseThrow(() -> new ConfigException.Parse(new Problem("",
        Origin.of(sourceName), "unknown format '" + format + "' (known: " + formats.known() + ")")));
    return f.parse(bytes, sourceName, limits);
  }

  /** Deep merge: objects merge key by key; anything else in {@code upper} replaces what is below. */
  public static ObjectNode merge(ObjectNode lower, ObjectNode upper) {
    if (lower.fields().isEmpty()) {
      return upper;
    }
    Map<String, ConfigNode> fields = new LinkedHashMap<>(lower.fields());
    upper.fields().forEach((k, v) -> {
      ConfigNode below = fields.get(k);
      fields.put(k, below instanceof ObjectNode b && v instanceof ObjectNode u ? merge(b, u) : v);
    });
    return new ObjectNode(fields, upper.origin());
  }

  private ObjectNode overlay(ObjectNode merged, String sourceName, SourceData.Entries entries, List<Problem> problems,
      List<Problem> warnings) {
    record Entry(String name, List<Object> segments, String value) {}
    List<Entry> resolved = new ArrayList<>();
    for (Map.Entry<String, String> e : entries.entries().entrySet()) {
      String name = e.getKey();
      String rest = name.substring(entries.prefix().length());
      Origin origin = Origin.of(sourceName + ":" + name);
      if (entries.style() == SourceData.Entries.Style.PATHS) {
        try {
          resolved.add(new Entry(name, Paths.parse(rest), e.getValue()));
        } catch (IllegalArgumentException ex) {
          problems.add(new Problem(rest, origin, String.valueOf(ex.getMessage())));
        }
        continue;
      }
      EnvNames.Resolution r = EnvNames.resolve(rest, type, merged);
      List<Object> segments = r.segments();
      String error = String.valueOf(r.error());
      if (segments != null) {
        resolved.add(new Entry(name, segments, e.getValue()));
      } else if (error.startsWith("is ambiguous") || unknownKeys == UnknownKeys.FAIL) {
        problems.add(new Problem("", origin, name + " " + error));
      } else {
        warnings.add(new Problem("", origin, name + " " + error + "; ignored"));
      }
    }
    resolved.removeIf(e -> {
      boolean tooDeep = e.segments().size() > limits.maxDepth();
      if (tooDeep) {
        problems.add(new Problem("", Origin.of(sourceName + ":" + e.name()),
            "nesting is deeper than the limit of " + limits.maxDepth()));
      }
      return tooDeep;
    });
    resolved.sort(Comparator.comparing(Entry::segments, Layers::compareSegments));
    ObjectNode out = merged;
    for (Entry e : resolved) {
      Origin origin = Origin.of(sourceName + ":" + e.name());
      String path = EnvNames.render(e.segments());
      ConfigNode value = ScalarNode.string(e.value(), origin);
      if (isListOfValues(e.segments(), out)) {
        List<ConfigNode> items = new ArrayList<>();
        for (String part : e.value().split(",", -1)) {
          if (!part.isBlank()) {
            items.add(ScalarNode.string(part.trim(), origin));
          }
        }
        value = new ListNode(items, origin);
      }
      try {
        out = (ObjectNode) set(out, e.segments(), 0, value, path, sourceName + ":");
      } catch (IllegalArgumentException ex) {
        problems.add(new Problem(path, origin, String.valueOf(ex.getMessage())));
      }
    }
    return out;
  }

  private boolean isListOfValues(List<Object> segments, ObjectNode merged) {
    @Nullable Type t = type;
    for (Object s : segments) {
      if (t == null) {
        break;
      }
      t = EnvNames.childType(t, s);
    }
    if (t != null) {
      Class<?> raw = Binder.raw(t);
      if (raw == Optional.class) {
        raw = Binder.raw(Binder.typeArg(t, 0, ""));
        t = Binder.typeArg(t, 0, "");
      }
      return (raw == List.class || raw == java.util.Set.class || raw == java.util.Collection.class)
          && Binder.isScalar(Binder.raw(Binder.typeArg(t, 0, "")));
    }
    return ConfigTree.of(merged).find(EnvNames.render(segments)).filter(n -> n instanceof ListNode).isPresent();
  }

  /**
   * {@code value} set at {@code segments} in {@code node}. A value this same source set where another of its
   * entries needs an object (APP_INNER=x beside APP_INNER_A=1) is a conflict naming both; a lower layer's value
   * there is simply replaced.
   */
  private static ConfigNode set(@Nullable ConfigNode node, List<Object> segments, int i, ConfigNode value, String path,
      String sameSource) {
    if (i == segments.size()) {
      return value;
    }
    if (node instanceof ScalarNode s && s.origin().source().startsWith(sameSource)) {
      throw new IllegalArgumentException(value.origin().source().substring(sameSource.length()) + " sets a key under "
          + EnvNames.render(segments.subList(0, i)) + ", which " + s.origin().source().substring(sameSource.length())
          + " sets to a value; remove one of them");
    }
    Object segment = segments.get(i);
    if (segment instanceof Integer index) {
      List<ConfigNode> items = node instanceof ListNode l ? new ArrayList<>(l.items()) : new ArrayList<>();
      if (index < items.size()) {
        items.set(index, set(items.get(index), segments, i + 1, value, path, sameSource));
      } else if (index == items.size()) {
        items.add(set(null, segments, i + 1, value, path, sameSource));
      } else {
        throw new IllegalArgumentException("list index " + index + " is past the end (the list has "
            + items.size() + " elements; add them in order)");
      }
      return new ListNode(items, node != null ? node.origin() : value.origin());
    }
    Map<String, ConfigNode> fields = node instanceof ObjectNode o ? new LinkedHashMap<>(o.fields()) : new LinkedHashMap<>();
    String key = (String) segment;
    fields.put(key, set(fields.get(key), segments, i + 1, value, path, sameSource));
    return new ObjectNode(fields, node instanceof ObjectNode ? node.origin() : value.origin());
  }

  private static int compareSegments(List<Object> a, List<Object> b) {
    for (int i = 0; i < Math.min(a.size(), b.size()); i++) {
      Object x = a.get(i);
      Object y = b.get(i);
      int c = x instanceof Integer xi && y instanceof Integer yi ? Integer.compare(xi, yi)
          : String.valueOf(x).compareTo(String.valueOf(y));
      if (c != 0) {
        return c;
      }
    }
    return Integer.compare(a.size(), b.size());
  }
}
