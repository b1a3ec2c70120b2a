package dev.relive.config.internal;

import java.util.ArrayList;
import java.util.List;

/**
 * Key paths as text: keys joined by {@code .}, list indexes as {@code [n]}; a key that contains {@code .},
 * brackets, quotes, backslashes or spaces, or is empty, is written in double quotes ({@code limits."a.b"}),
 * with {@code \} and {@code "} escaped by a backslash. {@link #parse} reads back exactly what
 * {@link #child} and {@link #index} wrote.
 */
public final class Paths {
  private Paths() {}

  public static String child(String parent, String key) {
    String k = needsQuotes(key) ? '"' + key.replace("\\", "\\\\").replace("\"", "\\\"") + '"' : key;
    return parent.isEmpty() ? k : parent + "." + k;
  }

  public static String index(String parent, int index) {
    return parent + "[" + index + "]";
  }

  private static boolean needsQuotes(String key) {
    if (key.isEmpty()) {
      return true;
    }
    for (int i = 0; i < key.length(); i++) {
      char c = key.charAt(i);
      if (c == '.' || c == '[' || c == ']' || c == '"' || c == '\\' || Character.isWhitespace(c)) {
        return true;
      }
    }
    return false;
  }

  /**
   * Splits a path into segments: a {@link String} for a key, an {@link Integer} for a list index.
   *
   * @throws IllegalArgumentException if the path is malformed
   */
  public static List<Object> parse(String path) {
    List<Object> out = new ArrayList<>();
    int i = 0;
    int n = path.length();
    boolean expectKey = true;
    while (i < n) {
      char c = path.charAt(i);
      if (c == '[') {
        int end = path.indexOf(']', i);
        if (end < 0) {
          throw new IllegalArgumentException("unclosed '[' in path '" + path + "'");
        }
        String digits = path.substring(i + 1, end);
        try {
          if (digits.isEmpty() || !digits.chars().allMatch(ch -> ch >= '0' && ch <= '9')) {
            throw new NumberFormatException(digits);
          }
          out.add(Integer.parseInt(digits));
        } catch (NumberFormatException e) {
          throw new IllegalArgumentException("bad list index in path '" + path + "'", e);
        }
        i = end + 1;
        expectKey = false;
      } else if (c == '.') {
        if (expectKey) {
          throw new IllegalArgumentException("empty key in path '" + path + "'");
        }
        i++;
        expectKey = true;
      } else if (!expectKey) {
        throw new IllegalArgumentException("expected '.' or '[' at offset " + i + " of path '" + path + "'");
      } else if (c == '"') {
        StringBuilder key = new StringBuilder();
        i++;
        while (i < n && path.charAt(i) != '"') {
          if (path.charAt(i) == '\\' && i + 1 < n) {
            i++;
          }
          key.append(path.charAt(i++));
        }
        if (i >= n) {
          throw new IllegalArgumentException("unclosed quote in path '" + path + "'");
        }
        i++;
        out.add(key.toString());
        expectKey = false;
      } else {
        int start = i;
        while (i < n && path.charAt(i) != '.' && path.charAt(i) != '[') {
          i++;
        }
        out.add(path.substring(start, i));
        expectKey = false;
      }
    }
    if (expectKey && !out.isEmpty()) {
      throw new IllegalArgumentException("path ends with '.': '" + path + "'");
    }
    return out;
  }

  /** The path itself and every ancestor up to and including the root (""), nearest first. */
  public static List<String> selfAndAncestors(String path) {
    List<Object> segments = parse(path);
    List<String> out = new ArrayList<>(segments.size() + 1);
    String p = "";
    List<String> forward = new ArrayList<>(segments.size() + 1);
    forward.add("");
    for (Object s : segments) {
      p = s instanceof Integer i ? index(p, i) : child(p, (String) s);
      forward.add(p);
    }
    for (int i = forward.size() - 1; i >= 0; i--) {
      out.add(forward.get(i));
    }
    return out;
  }
}
