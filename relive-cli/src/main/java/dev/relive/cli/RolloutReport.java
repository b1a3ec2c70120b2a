package dev.relive.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** One line per rollout state change: the record as JSON with {@code "event":"rollout"}, or a sentence. */
final class RolloutReport {
  private RolloutReport() {}

  static void print(JsonNode r, boolean json, PrintWriter out) {
    if (json) {
      ObjectNode line = Loading.JSON.createObjectNode().put("event", "rollout");
      line.setAll((ObjectNode) r.deepCopy());
      try {
        out.println(Loading.JSON.writeValueAsString(line));
      } catch (JsonProcessingException e) {
        throw new UncheckedIOException(e);
      }
      out.flush();
      return;
    }
    String id = r.path("id").asText();
    String state = r.path("state").asText();
    if (id.isEmpty()) {
      out.println(r.path("reason").asText());
      out.flush();
      return;
    }
    int steps = r.path("steps").size();
    int step = r.path("step").asInt() + 1;
    String where = "rollout " + id + " (version " + r.path("version").asLong() + ")";
    String stepName = "step " + step + "/" + steps + " (" + r.path("steps").path(step - 1).asText() + ")";
    switch (state) {
      case "PREPARING" -> out.println(where + ": " + stepName + " preparing on " + list(r.path("targets")));
      case "COMMITTED" -> out.println(where + ": " + stepName + " committed on " + list(r.path("targets"))
          + (r.path("bakeMillis").asLong() > 0 ? "; baking " + r.path("bakeMillis").asLong() + " ms" : ""));
      case "ROLLING_BACK" -> out.println(where + ": rolling back " + list(r.path("targets")) + ": "
          + r.path("reason").asText());
      default -> {
        out.println(where + ": " + state.toLowerCase(Locale.ROOT).replace('_', ' ') + ": " + r.path("reason").asText());
        r.path("votes").fields().forEachRemaining(e -> {
          if (!e.getValue().path("vote").asText().equals("OK")) {
            out.println("  " + e.getKey() + ": " + e.getValue().path("vote").asText() + " "
                + list(e.getValue().path("problems")));
          }
        });
        if (!r.path("lost").isEmpty()) {
          out.println("  lost: " + list(r.path("lost")));
        }
      }
    }
    out.flush();
  }

  private static String list(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.asText()));
    return out.isEmpty() ? "(none)" : String.join(", ", out);
  }
}
