package dev.relive.handoff.serve;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.PrintStream;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the supervisor reports: with {@code --json} one object per line on stdout ({@code started}, {@code
 * ready}, {@code upgrade-started}, {@code switched}, {@code drained}, {@code upgrade-failed}, {@code
 * upgrade-refused}, {@code rolled-back}, {@code exited}); otherwise a sentence per event on stderr.
 */
final class Events {
  private static final JsonFactory JSON = new JsonFactory();

  private final PrintStream out;
  private final boolean json;

  Events(PrintStream out, boolean json) {
    this.out = out;
    this.json = json;
  }

  boolean json() {
    return json;
  }

  /** Emits {@code event} with its fields (strings, numbers, booleans, lists of strings), in order. */
  synchronized void emit(String event, Object... fields) {
    Map<String, Object> f = new LinkedHashMap<>();
    for (int i = 0; i + 1 < fields.length; i += 2) {
      f.put((String) fields[i], fields[i + 1]);
    }
    out.println(json ? toJson(event, f) : toText(event, f));
    out.flush();
  }

  private static String toJson(String event, Map<String, Object> fields) {
    StringWriter w = new StringWriter();
    try (JsonGenerator g = JSON.createGenerator(w)) {
      g.writeStartObject();
      g.writeStringField("event", event);
      for (var e : fields.entrySet()) {
        g.writeFieldName(e.getKey());
        write(g, e.getValue());
      }
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return w.toString();
  }

  private static void write(JsonGenerator g, Object value) throws IOException {
    if (value instanceof Number n) {
      g.writeNumber(n.longValue());
    } else if (value instanceof Boolean b) {
      g.writeBoolean(b);
    } else if (value instanceof List<?> list) {
      g.writeStartArray();
      for (Object o : list) {
        g.writeString(String.valueOf(o));
      }
      g.writeEndArray();
    } else {
      g.writeString(String.valueOf(value));
    }
  }

  private static String toText(String event, Map<String, Object> fields) {
    StringBuilder b = new StringBuilder("relive serve: ").append(event);
    fields.forEach((k, v) -> {
      if (v instanceof List<?> list) {
        b.append("\n  ").append(k).append(":");
        list.forEach(line -> b.append("\n    ").append(line));
      } else {
        b.append(' ').append(k).append('=').append(v);
      }
    });
    return b.toString();
  }
}
