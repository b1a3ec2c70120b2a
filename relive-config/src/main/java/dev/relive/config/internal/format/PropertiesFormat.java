package dev.relive.config.internal.format;

import dev.relive.config.ConfigException;
import dev.relive.config.Origin;
import dev.relive.config.Problem;

import dev.relive.config.ConfigNode.ObjectNode;
import dev.relive.config.ConfigNode.ScalarNode;
import dev.relive.config.spi.ConfigFormat;
import dev.relive.config.spi.ParseLimits;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Java properties files (UTF-8). Keys are paths: {@code db.url}, {@code servers[0].host}. Values are
 * strings; binding converts them.
 *
 * <p>Implementation notes: {@link java.util.Properties#load} drops line numbers and silently keeps the last of two
 * duplicate keys, so lines are joined and decoded here, by the rules its Javadoc gives: a line ending in an odd
 * number of backslashes continues on the next (whose leading blanks are dropped); the key ends at the first
 * unescaped {@code =}, {@code :} or blank; escapes are {@code \t \n \r \f \\uXXXX}, and a backslash
 * before any other character stands for that character. {@code PropertiesFormatTest} checks this against
 * {@code Properties.load} on generated documents. Loading each line through {@code Properties} instead
 * allocated a 16 KiB buffer per line.
 */
public final class PropertiesFormat implements ConfigFormat {

  @Override
  public String name() {
    return "properties";
  }

  @Override
  public Set<String> extensions() {
    return Set.of("properties");
  }

  /** One decoded entry: its key and value, and where its logical line starts. */
  public record Entry(String key, String value, Origin origin) {}

  @Override
  public ObjectNode parse(byte[] bytes, String sourceName, ParseLimits limits) {
    String text = Text.decode(bytes, sourceName, limits);
    TreeBuilder tree = new TreeBuilder(new Origin(sourceName, 1, 1));
    List<Problem> problems = new ArrayList<>();
    int count = 0;
    for (Entry entry : entries(text, sourceName, problems)) {
      if (++count > limits.maxNodes()) {
        throw new ConfigException.Parse(new Problem(entry.key, entry.origin, "more than " + limits.maxNodes() + " keys"));
      }
      List<Object> segments;
      try {
        segments = keyPath(entry.key);
      } catch (IllegalArgumentException ex) {
        problems.add(new Problem(entry.key, entry.origin, String.valueOf(ex.getMessage())));
        continue;
      }
      if (segments.size() > limits.maxDepth()) {
        problems.add(new Problem(entry.key, entry.origin, "nesting is deeper than the limit of " + limits.maxDepth()));
        continue;
      }
      tree.put(segments, ScalarNode.string(entry.value, entry.origin), entry.key);
    }
    problems.addAll(tree.problems());
    if (problems.isEmpty()) {
      ObjectNode root = tree.build();
      problems.addAll(tree.problems());
      if (problems.isEmpty()) {
        return root;
      }
    }
    throw new ConfigException.Parse(problems);
  }

  /**
   * A key's path segments. Keys are paths ({@code db.url}, {@code servers[0].host}); as in Spring Boot,
   * brackets around anything but digits name one map key whole, dots included ({@code my.map[key.with.dots]}).
   *
   * @throws IllegalArgumentException if the key is malformed
   */
  static List<Object> keyPath(String key) {
    List<Object> out = new ArrayList<>();
    StringBuilder word = new StringBuilder();
    boolean afterBracket = false;
    for (int i = 0; i < key.length(); i++) {
      char c = key.charAt(i);
      if (c == '.') {
        if (word.length() == 0 && !afterBracket) {
          throw new IllegalArgumentException("empty key in '" + key + "'");
        }
        if (word.length() > 0) {
          out.add(word.toString());
          word.setLength(0);
        }
        afterBracket = false;
      } else if (c == '[') {
        int end = key.indexOf(']', i);
        if (end < 0) {
          throw new IllegalArgumentException("unclosed '[' in '" + key + "'");
        }
        if (word.length() > 0) {
          out.add(word.toString());
          word.setLength(0);
        }
        String inside = key.substring(i + 1, end);
        if (inside.isEmpty()) {
          throw new IllegalArgumentException("empty [] in '" + key + "'");
        }
        out.add(inside.chars().allMatch(ch -> ch >= '0' && ch <= '9') ? (Object) Integer.parseInt(inside) : inside);
        i = end;
        afterBracket = true;
      } else {
        word.append(c);
        afterBracket = false;
      }
    }
    if (word.length() > 0) {
      out.add(word.toString());
    } else if (!afterBracket) {
      throw new IllegalArgumentException(key.isEmpty() ? "empty key" : "key ends with '.': '" + key + "'");
    }
    return out;
  }

  /** Every entry of a properties text in order, duplicates kept; malformed lines become problems. */
  public static List<Entry> entries(String text, String sourceName, List<Problem> problems) {
    String[] lines = text.lines().toArray(String[]::new);
    List<Entry> out = new ArrayList<>();
    for (int i = 0; i < lines.length; i++) {
      String line = lines[i];
      int start = firstNonBlank(line);
      if (start < 0 || line.charAt(start) == '#' || line.charAt(start) == '!') {
        continue;
      }
      Origin origin = new Origin(sourceName, i + 1, start + 1);
      StringBuilder logical = new StringBuilder(line.length()).append(line, start, line.length());
      String piece = line;
      while (endsWithContinuation(piece)) {
        logical.setLength(logical.length() - 1);
        if (logical.length() == 0 || i + 1 == lines.length) {
          break;
        }
        piece = lines[++i];
        int blank = firstNonBlank(piece);
        logical.append(piece, blank < 0 ? piece.length() : blank, piece.length());
      }
      if (logical.length() == 0) {
        continue; // a lone backslash joins nothing: like Properties.load, read on as if a new line began
      }
      try {
        int[] split = split(logical);
        out.add(new Entry(unescape(logical, 0, split[0]), unescape(logical, split[1], logical.length()), origin));
      } catch (IllegalArgumentException e) {
        problems.add(new Problem("", origin, "malformed line: " + e.getMessage()));
      }
    }
    return out;
  }

  private static int firstNonBlank(String line) {
    for (int i = 0; i < line.length(); i++) {
      if (!isBlank(line.charAt(i))) {
        return i;
      }
    }
    return -1;
  }

  /** Where the key ends and the value starts in a logical line: the first unescaped separator and its blanks. */
  private static int[] split(CharSequence line) {
    int n = line.length();
    int keyEnd = 0;
    boolean escaped = false;
    while (keyEnd < n) {
      char c = line.charAt(keyEnd);
      if (!escaped && (c == '=' || c == ':' || isBlank(c))) {
        break;
      }
      escaped = c == '\\' && !escaped;
      keyEnd++;
    }
    int valueStart = keyEnd;
    boolean separator = false;
    while (valueStart < n) {
      char c = line.charAt(valueStart);
      if (!isBlank(c)) {
        if (separator || (c != '=' && c != ':')) {
          break;
        }
        separator = true;
      }
      valueStart++;
    }
    return new int[] {keyEnd, valueStart};
  }

  private static String unescape(CharSequence line, int from, int to) {
    StringBuilder out = null;
    for (int i = from; i < to; i++) {
      char c = line.charAt(i);
      if (c != '\\') {
        if (out != null) {
          out.append(c);
        }
        continue;
      }
      if (out == null) {
        out = new StringBuilder(to - from).append(line, from, i);
      }
      char e = ++i < to ? line.charAt(i) : '\\';
      switch (e) {
        case 't' -> out.append('\t');
        case 'n' -> out.append('\n');
        case 'r' -> out.append('\r');
        case 'f' -> out.append('\f');
        case 'u' -> {
          int code = i + 4 < to ? hex4(line, i + 1) : -1;
          if (code < 0) {
            throw new IllegalArgumentException("a \\u escape needs four hex digits");
          }
          out.append((char) code);
          i += 4;
        }
        default -> out.append(e);
      }
    }
    return out == null ? line.subSequence(from, to).toString() : out.toString();
  }

  /** The value of the four hex digits at {@code from}, or -1: ASCII digits only, as {@code Properties.load}. */
  private static int hex4(CharSequence s, int from) {
    int code = 0;
    for (int i = from; i < from + 4; i++) {
      char c = s.charAt(i);
      int digit = c >= '0' && c <= '9' ? c - '0'
          : c >= 'a' && c <= 'f' ? c - 'a' + 10
          : c >= 'A' && c <= 'F' ? c - 'A' + 10
          : -1;
      if (digit < 0) {
        return -1;
      }
      code = code * 16 + digit;
    }
    return code;
  }

  private static boolean isBlank(char c) {
    return c == ' ' || c == '\t' || c == '\f';
  }

  private static boolean endsWithContinuation(CharSequence s) {
    int backslashes = 0;
    for (int i = s.length() - 1; i >= 0 && s.charAt(i) == '\\'; i--) {
      backslashes++;
    }
    return backslashes % 2 == 1;
  }
}
