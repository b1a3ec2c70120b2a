package dev.relive.config;

import dev.relive.config.ConfigNode.ObjectNode;
import dev.relive.config.ConfigNode.ScalarNode;
import dev.relive.config.spi.ConfigFormat;
import dev.relive.config.spi.ParseLimits;
import java.io.IOException;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;

/**
 * Java properties files (UTF-8). Keys are paths: {@code db.url}, {@code servers[0].host}. Values are
 * strings; binding converts them.
 *
 * <p>Implementation notes: {@link Properties#load} drops line numbers and silently keeps the last of two
 * duplicate keys, so the file is split into logical lines here (continuations, comments) and each logical
 * line is handed to {@code Properties.load} alone, which keeps the JDK's own escape and separator rules.
 */
final class PropertiesFormat implements ConfigFormat {

  @Override
  public String name() {
    return "properties";
  }

  @Override
  public Set<String> extensions() {
    return Set.of("properties");
  }

  @Override
  public ObjectNode parse(byte[] bytes, String sourceName, ParseLimits limits) {
    String text = Text.decode(bytes, sourceName, limits);
    String[] lines = text.split("\r\n|\r|\n", -1);
    TreeBuilder tree = new TreeBuilder(new Origin(sourceName, 1, 1));
    List<Problem> problems = new ArrayList<>();
    int count = 0;
    for (int i = 0; i < lines.length; i++) {
      String line = lines[i];
      int start = firstNonBlank(line);
      if (start < 0 || line.charAt(start) == '#' || line.charAt(start) == '!') {
        continue;
      }
      Origin origin = new Origin(sourceName, i + 1, start + 1);
      StringBuilder logical = new StringBuilder(line);
      while (endsWithContinuation(logical) && i + 1 < lines.length) {
        logical.append('\n').append(lines[++i]);
      }
      Properties one = new Properties();
      try {
        one.load(new StringReader(logical.toString()));
      } catch (IOException | IllegalArgumentException e) {
        problems.add(new Problem("", origin, "malformed line: " + e.getMessage()));
        continue;
      }
      for (Map.Entry<Object, Object> e : one.entrySet()) {
        String key = (String) e.getKey();
        if (++count > limits.maxNodes()) {
          throw new ConfigException.Parse(new Problem(key, origin, "more than " + limits.maxNodes() + " keys"));
        }
        List<Object> segments;
        try {
          segments = Paths.parse(key);
        } catch (IllegalArgumentException ex) {
          problems.add(new Problem(key, origin, ex.getMessage()));
          continue;
        }
        if (segments.size() > limits.maxDepth()) {
          problems.add(new Problem(key, origin, "nesting is deeper than the limit of " + limits.maxDepth()));
          continue;
        }
        tree.put(segments, ScalarNode.string((String) e.getValue(), origin), key);
      }
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

  private static int firstNonBlank(String line) {
    for (int i = 0; i < line.length(); i++) {
      char c = line.charAt(i);
      if (c != ' ' && c != '\t' && c != '\f') {
        return i;
      }
    }
    return -1;
  }

  private static boolean endsWithContinuation(CharSequence s) {
    int backslashes = 0;
    for (int i = s.length() - 1; i >= 0 && s.charAt(i) == '\\'; i--) {
      backslashes++;
    }
    return backslashes % 2 == 1;
  }
}
