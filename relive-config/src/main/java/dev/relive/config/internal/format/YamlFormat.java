package dev.relive.config.internal.format;

import dev.relive.config.ConfigException;
import dev.relive.config.ConfigNode;
import dev.relive.config.Origin;
import dev.relive.config.Problem;
import dev.relive.config.internal.Paths;

import dev.relive.config.ConfigNode.ListNode;
import dev.relive.config.ConfigNode.ObjectNode;
import dev.relive.config.ConfigNode.ScalarNode;
import dev.relive.config.spi.ConfigFormat;
import dev.relive.config.spi.ParseLimits;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.common.FlowStyle;
import org.snakeyaml.engine.v2.common.ScalarStyle;
import org.snakeyaml.engine.v2.events.AliasEvent;
import org.snakeyaml.engine.v2.events.CollectionStartEvent;
import org.snakeyaml.engine.v2.events.Event;
import org.snakeyaml.engine.v2.events.NodeEvent;
import org.snakeyaml.engine.v2.events.ScalarEvent;
import org.snakeyaml.engine.v2.parser.ParserImpl;
import org.snakeyaml.engine.v2.scanner.StreamReader;
import org.snakeyaml.engine.v2.exceptions.Mark;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;
import org.snakeyaml.engine.v2.nodes.Tag;
import org.snakeyaml.engine.v2.resolver.ScalarResolver;
import org.snakeyaml.engine.v2.schema.CoreSchema;
import org.jspecify.annotations.Nullable;

/**
 * YAML 1.2 (core schema) through snakeyaml-engine's event parser.
 *
 * <p>Implementation notes: the tree is built from parser events with an explicit stack rather than through
 * snakeyaml-engine's recursive composer, so nesting depth is checked before it can exhaust the stack, every
 * alias expansion is counted against {@link ParseLimits#maxNodes()} (alias bombs), duplicate keys and
 * multiple documents are refused with their marks, and {@code <<} merge keys are applied (explicit keys win,
 * earlier merge sources win over later ones).
 */
public final class YamlFormat implements ConfigFormat {
  private static final ScalarResolver RESOLVER = new CoreSchema().getScalarResolver();
  // The YAML 1.2 core schema's forms, checked for explicitly tagged values too (!!int --5 is not an int).
  private static final Pattern INT_DECIMAL = Pattern.compile("[-+]?[0-9]+");
  private static final Pattern INT_OCTAL = Pattern.compile("0o[0-7]+");
  private static final Pattern INT_HEX = Pattern.compile("0x[0-9a-fA-F]+");
  private static final Pattern FLOAT = Pattern.compile("[-+]?(\\.[0-9]+|[0-9]+(\\.[0-9]*)?)([eE][-+]?[0-9]+)?");
  private static final Pattern FLOAT_INF = Pattern.compile("[-+]?\\.(inf|Inf|INF)");
  private static final Pattern FLOAT_NAN = Pattern.compile("\\.(nan|NaN|NAN)");
  private static final Pattern BOOL = Pattern.compile("true|True|TRUE|false|False|FALSE");
  private static final Pattern NULL = Pattern.compile("~|null|Null|NULL|");

  @Override
  public String name() {
    return "yaml";
  }

  @Override
  public Set<String> extensions() {
    return Set.of("yaml", "yml");
  }

  @Override
  public ObjectNode parse(byte[] bytes, String sourceName, ParseLimits limits) {
    String text = Text.decode(bytes, sourceName, limits);
    LoadSettings settings = LoadSettings.builder()
        .setLabel(sourceName)
        .setCodePointLimit(Math.max(limits.maxBytes(), 1))
        .setMaxAliasesForCollections(limits.maxAliases())
        .setAllowDuplicateKeys(false)
        .setSchema(new CoreSchema())
        .build();
    Builder builder = new Builder(sourceName, limits, text);
    try {
      ParserImpl parser = new ParserImpl(settings, new StreamReader(settings, text));
      while (parser.hasNext()) {
        builder.accept(parser.next());
      }
    } catch (MarkedYamlEngineException e) {
      throw new ConfigException.Parse(new Problem("", builder.origin(e.getProblemMark()), e.getProblem()));
    } catch (YamlEngineException e) {
      throw new ConfigException.Parse(new Problem("", Origin.of(sourceName), String.valueOf(e.getMessage())));
    } catch (StackOverflowError e) {
      throw new ConfigException.Parse(new Problem("", Origin.of(sourceName), "nesting is too deep"));
    }
    return builder.result();
  }

  private static final class Builder {
    private final String source;
    private final ParseLimits limits;
    private final Deque<Frame> stack = new ArrayDeque<>();
    private final Map<String, ConfigNode> anchors = new HashMap<>();
    private final IdentityHashMap<ConfigNode, Long> anchoredSizes = new IdentityHashMap<>();
    private long expanded;
    private int aliases;
    private int documents;
    private @Nullable ObjectNode root;
    private final String text;
    private final boolean bmpOnly;
    private int cursorCodePoints;
    private int cursorChars;

    Builder(String source, ParseLimits limits, String text) {
      this.source = source;
      this.limits = limits;
      this.text = text;
      this.bmpOnly = text.codePoints().allMatch(cp -> cp < 0x10000);
    }

    /**
     * The character right after an event, or -1. Marks count code points; the cursor walks forward with the
     * events, so mapping them to string indexes stays linear.
     */
    private int charAfter(Event event) {
      Optional<Mark> end = event.getEndMark();
      if (end.isEmpty() || end.get().getIndex() < cursorCodePoints) {
        return -1;
      }
      int target = end.get().getIndex();
      while (cursorCodePoints < target && cursorChars < text.length()) {
        cursorChars += Character.charCount(text.codePointAt(cursorChars));
        cursorCodePoints++;
      }
      return cursorChars < text.length() ? text.charAt(cursorChars) : -1;
    }

    /**
     * The lines after the first of a flow collection or quoted scalar (between two mark indexes) must be
     * indented, with spaces, more than the block collection holding it; a parser that took them at any
     * indentation would read what YAML refuses. Blank lines do not count.
     */
    private void requireIndentedLines(int fromMark, int toMark, String path) {
      int blockIndent = -1;
      for (Frame f : stack) {
        if (f.indent >= 0) {
          blockIndent = f.indent;
          break;
        }
      }
      if (blockIndent < 0) {
        return;
      }
      int from = charIndex(fromMark);
      int to = charIndex(toMark);
      for (int i = from; i < to && i < text.length(); i++) {
        if (text.charAt(i) != '\n') {
          continue;
        }
        int spaces = 0;
        while (i + 1 + spaces < text.length() && text.charAt(i + 1 + spaces) == ' ') {
          spaces++;
        }
        int next = i + 1 + spaces;
        boolean blank = next >= text.length() || text.charAt(next) == '\n' || text.charAt(next) == '\r'
            || (text.charAt(next) == '\t' && restIsBlank(next));
        if (!blank && spaces <= blockIndent && next < to) {
          int lineNumber = (int) text.substring(0, i + 1).chars().filter(c -> c == '\n').count() + 1;
          throw new ConfigException.Parse(new Problem(path, new Origin(source, lineNumber, spaces + 1),
              "this line of a multi-line value must be indented with spaces more than its parent (column "
                  + (blockIndent + 1) + ")"));
        }
      }
    }

    private boolean restIsBlank(int from) {
      for (int j = from; j < text.length() && text.charAt(j) != '\n'; j++) {
        if (text.charAt(j) != ' ' && text.charAt(j) != '\t' && text.charAt(j) != '\r') {
          return false;
        }
      }
      return true;
    }

    /** A mark index (code points) as an index into the text. */
    private int charIndex(int markIndex) {
      return bmpOnly ? markIndex : text.offsetByCodePoints(0, Math.min(markIndex, text.codePointCount(0, text.length())));
    }

    /** YAML needs white space before a comment; a parser that lets "x"#c through would read what YAML refuses. */
    private void requireSpaceBeforeComment(Event event, String path) {
      if (charAfter(event) == '#') {
        Mark m = event.getEndMark().get();
        throw new ConfigException.Parse(new Problem(path, new Origin(source, m.getLine() + 1, m.getColumn() + 1),
            "a comment needs white space before '#'"));
      }
    }

    Origin origin(Optional<Mark> mark) {
      return mark.map(m -> new Origin(source, m.getLine() + 1, m.getColumn() + 1)).orElse(Origin.of(source));
    }

    private ConfigException.Parse fail(Event event, String path, String message) {
      return new ConfigException.Parse(new Problem(path, origin(event.getStartMark()), message));
    }

    ObjectNode result() {
      return root != null ? root : ObjectNode.empty(new Origin(source, 1, 1));
    }

    void accept(Event event) {
      switch (event.getEventId()) {
        case DocumentStart -> {
          if (++documents > 1) {
            throw fail(event, "", "a second document starts here; a configuration file holds exactly one");
          }
        }
        case MappingStart, SequenceStart -> startCollection((CollectionStartEvent) event);
        case MappingEnd, SequenceEnd -> endCollection(event);
        case Scalar -> scalar((ScalarEvent) event);
        case Alias -> alias((AliasEvent) event);
        default -> { }
      }
    }

    private void startCollection(CollectionStartEvent event) {
      Frame parent = stack.peek();
      if (parent != null && parent.awaitingKey()) {
        throw fail(event, parent.path, "a key must be a plain value, not a list or mapping");
      }
      if (stack.size() >= limits.maxDepth()) {
        throw fail(event, parent == null ? "" : parent.childPath(), "nesting is deeper than the limit of " + limits.maxDepth());
      }
      boolean mapping = event.getEventId() == Event.ID.MappingStart;
      event.getTag().filter(t -> !t.equals(mapping ? Tag.MAP.getValue() : Tag.SEQ.getValue()) && !t.equals("!"))
          .ifPresent(t -> {
            throw fail(event, parent == null ? "" : parent.childPath(), "unsupported tag " + t);
          });
      countNodes(event, 1);
      boolean flow = event.getFlowStyle() == FlowStyle.FLOW;
      Mark at = event.getStartMark().orElseThrow();
      stack.push(new Frame(mapping, parent == null ? "" : parent.childPath(), origin(event.getStartMark()), anchorOf(event),
          flow ? -1 : at.getColumn(), at.getIndex()));
    }

    private void endCollection(Event event) {
      requireSpaceBeforeComment(event, stack.peek() == null ? "" : stack.peek().path);
      Frame frame = stack.pop();
      if (frame.indent < 0) {
        requireIndentedLines(frame.start, event.getEndMark().orElseThrow().getIndex(), frame.path);
      }
      ConfigNode node = frame.build();
      if (frame.anchor != null) {
        anchors.put(frame.anchor, node);
        anchoredSizes.put(node, frame.size);
      }
      attach(node, frame.size, event);
    }

    private void scalar(ScalarEvent event) {
      Frame parent = stack.peek();
      if (event.getScalarStyle() == ScalarStyle.DOUBLE_QUOTED || event.getScalarStyle() == ScalarStyle.SINGLE_QUOTED) {
        requireSpaceBeforeComment(event, parent == null ? "" : parent.childPath());
        requireIndentedLines(event.getStartMark().orElseThrow().getIndex(), event.getEndMark().orElseThrow().getIndex(),
            parent == null ? "" : parent.childPath());
      }
      if (parent != null && parent.awaitingKey()) {
        String key = event.getValue();
        if (event.getAnchor().isPresent()) {
          throw fail(event, parent.path, "anchors on keys are not supported");
        }
        parent.key(key, event.isPlain() && key.equals("<<"), origin(event.getStartMark()), this, event);
        return;
      }
      countNodes(event, 1);
      ScalarNode node = toScalar(event, parent == null ? "" : parent.childPath());
      String anchor = anchorOf(event);
      if (anchor != null) {
        anchors.put(anchor, node);
        anchoredSizes.put(node, 1L);
      }
      attach(node, 1, event);
    }

    private void alias(AliasEvent event) {
      Frame parent = stack.peek();
      String name = event.getAlias().getValue();
      if (parent != null && parent.awaitingKey()) {
        throw fail(event, parent.path, "an alias cannot be used as a key");
      }
      if (++aliases > limits.maxAliases()) {
        throw fail(event, parent == null ? "" : parent.childPath(), "more than " + limits.maxAliases() + " aliases");
      }
      ConfigNode target = anchors.get(name);
      if (target == null) {
        throw fail(event, parent == null ? "" : parent.childPath(),
            "alias *" + name + " refers to an anchor that is not defined before it, or to the node that contains it");
      }
      long size = anchoredSizes.getOrDefault(target, 1L);
      countNodes(event, size);
      attach(target, size, event);
    }

    private void countNodes(Event event, long n) {
      expanded += n;
      if (expanded > limits.maxNodes()) {
        Frame parent = stack.peek();
        throw fail(event, parent == null ? "" : parent.childPath(), "document expands to more than "
            + limits.maxNodes() + " nodes (an alias bomb?)");
      }
    }

    private void attach(ConfigNode node, long size, Event event) {
      Frame parent = stack.peek();
      if (parent == null) {
        if (node instanceof ObjectNode object) {
          root = object;
        } else if (!(node instanceof ScalarNode s && s.kind() == ScalarNode.Kind.NULL)) {
          throw new ConfigException.Parse(new Problem("", node.origin(),
              "the top level must be a mapping of keys to values, was a " + (node instanceof ListNode ? "list" : "scalar")));
        }
        return;
      }
      parent.add(node, size, this, event);
    }

    private static @Nullable String anchorOf(NodeEvent event) {
      return event.getAnchor().map(a -> a.getValue()).orElse(null);
    }

    private ScalarNode toScalar(ScalarEvent event, String path) {
      String value = event.getValue();
      Origin origin = origin(event.getStartMark());
      String tag = event.getTag().filter(t -> !t.equals("!")).orElse(null);
      if (tag == null) {
        tag = event.isPlain() ? RESOLVER.resolve(value, true).getValue() : Tag.STR.getValue();
      }
      try {
        if (tag.equals(Tag.STR.getValue())) {
          return new ScalarNode(ScalarNode.Kind.STRING, value, origin);
        } else if (tag.equals(Tag.INT.getValue())) {
          return new ScalarNode(ScalarNode.Kind.INTEGER, integer(value).toString(), origin, value);
        } else if (tag.equals(Tag.FLOAT.getValue())) {
          return new ScalarNode(ScalarNode.Kind.DECIMAL, decimal(value), origin, value);
        } else if (tag.equals(Tag.BOOL.getValue()) && BOOL.matcher(value).matches()) {
          return new ScalarNode(ScalarNode.Kind.BOOLEAN, Boolean.toString(value.equalsIgnoreCase("true")), origin, value);
        } else if (tag.equals(Tag.NULL.getValue()) && NULL.matcher(value).matches()) {
          return new ScalarNode(ScalarNode.Kind.NULL, "", origin, value);
        } else if (tag.equals(Tag.BOOL.getValue()) || tag.equals(Tag.NULL.getValue())) {
          throw new NumberFormatException(value);
        }
      } catch (NumberFormatException e) {
        throw fail(event, path, "'" + value + "' is not a valid " + tag.substring(tag.lastIndexOf(':') + 1)
            + " of the YAML 1.2 core schema");
      }
      throw fail(event, path, "unsupported tag " + tag);
    }

    /** An integer of the core schema ({@code 12}, {@code -3}, {@code 0o17}, {@code 0xFF}); anything else throws. */
    private static BigInteger integer(String text) {
      if (INT_DECIMAL.matcher(text).matches()) {
        return new BigInteger(text.startsWith("+") ? text.substring(1) : text);
      }
      if (INT_OCTAL.matcher(text).matches()) {
        return new BigInteger(text.substring(2), 8);
      }
      if (INT_HEX.matcher(text).matches()) {
        return new BigInteger(text.substring(2), 16);
      }
      throw new NumberFormatException(text);
    }

    /** A float of the core schema, canonical; anything else throws. Plain decimals keep their written form. */
    private static String decimal(String text) {
      if (FLOAT_INF.matcher(text).matches()) {
        return text.startsWith("-") ? "-Infinity" : "Infinity";
      }
      if (FLOAT_NAN.matcher(text).matches()) {
        return "NaN";
      }
      if (!FLOAT.matcher(text).matches()) {
        throw new NumberFormatException(text);
      }
      String t = text.startsWith("+") ? text.substring(1) : text;
      new BigDecimal(t);
      return t;
    }
  }

  /** An open mapping or sequence. */
  private static final class Frame {
    final boolean mapping;
    final String path;
    final Origin origin;
    final @Nullable String anchor;
    final Map<String, ConfigNode> fields = new LinkedHashMap<>();
    final List<ConfigNode> items = new ArrayList<>();
    final List<ObjectNode> merges = new ArrayList<>();
    final Map<String, Origin> keyOrigins = new HashMap<>();
    @Nullable String key;
    boolean mergeKey;
    @Nullable Origin mergeSeen;
    long size = 1;
    /** For a block collection, the column its entries start at; for a flow one, -1. */
    final int indent;
    /** Where a flow collection starts (a mark index), to check its lines when it ends. */
    final int start;

    Frame(boolean mapping, String path, Origin origin, @Nullable String anchor, int indent, int start) {
      this.mapping = mapping;
      this.path = path;
      this.origin = origin;
      this.anchor = anchor;
      this.indent = indent;
      this.start = start;
    }

    boolean awaitingKey() {
      return mapping && key == null && !mergeKey;
    }

    String childPath() {
      if (!mapping) {
        return Paths.index(path, items.size());
      }
      return key == null ? path : Paths.child(path, key);
    }

    void key(String k, boolean merge, Origin at, Builder builder, Event event) {
      if (merge) {
        if (mergeSeen != null) {
          throw builder.fail(event, path, "a second << merge key in one mapping; the first is at " + mergeSeen
              + " (merge several mappings with << [*a, *b])");
        }
        mergeSeen = at;
        mergeKey = true;
        return;
      }
      Origin first = keyOrigins.putIfAbsent(k, at);
      if (first != null) {
        throw builder.fail(event, Paths.child(path, k), "duplicate key, first defined at " + first);
      }
      key = k;
    }

    void add(ConfigNode node, long nodeSize, Builder builder, Event event) {
      size += nodeSize;
      if (!mapping) {
        items.add(node);
      } else if (mergeKey) {
        mergeKey = false;
        if (node instanceof ObjectNode o) {
          merges.add(o);
        } else if (node instanceof ListNode l && l.items().stream().allMatch(i -> i instanceof ObjectNode)) {
          l.items().forEach(i -> merges.add((ObjectNode) i));
        } else {
          throw builder.fail(event, path, "a << merge key needs a mapping or a list of mappings");
        }
      } else {
        fields.put(key, node);
        key = null;
      }
    }

    ConfigNode build() {
      if (!mapping) {
        return new ListNode(items, origin);
      }
      if (merges.isEmpty()) {
        return new ObjectNode(fields, origin);
      }
      Map<String, ConfigNode> merged = new LinkedHashMap<>();
      for (ObjectNode source : merges) {
        source.fields().forEach(merged::putIfAbsent);
      }
      merged.putAll(fields);
      return new ObjectNode(merged, origin);
    }
  }
}
