package dev.relive.admin;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.relive.config.ConfigNode;
import dev.relive.config.ConfigSnapshot;
import dev.relive.config.ConfigStatus;
import dev.relive.config.ConfigTree;
import dev.relive.config.DryRun;
import dev.relive.config.Problem;
import dev.relive.config.ReloadEvent;
import dev.relive.config.WatchedFile;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Locale;

/** The admin API's JSON shapes. Every tree and value written here is redacted first. */
final class AdminJson {
  static final ObjectMapper MAPPER = new ObjectMapper();

  private AdminJson() {}

  static ObjectNode object() {
    return MAPPER.createObjectNode();
  }

  static JsonNode tree(ConfigTree redacted) {
    return parse(redacted.toJson());
  }

  static JsonNode node(ConfigNode redacted) {
    return parse(ConfigTree.toJson(redacted));
  }

  private static JsonNode parse(String json) {
    try {
      return MAPPER.readTree(json);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }

  static ObjectNode config(String name, ConfigSnapshot<?> snapshot) {
    ObjectNode out = object();
    out.put("name", name);
    out.put("version", snapshot.version());
    out.put("hash", snapshot.hash());
    out.put("time", snapshot.time().toString());
    out.set("config", tree(snapshot.tree()));
    return out;
  }

  static ObjectNode status(ConfigStatus s) {
    ObjectNode out = object();
    out.put("name", s.name());
    out.put("version", s.servingVersion());
    out.put("hash", s.servingHash());
    out.put("servingSince", s.servingSince().toString());
    out.put("status", s.degraded() ? "DEGRADED" : s.pinned() ? "PINNED" : "OK");
    out.put("degraded", s.degraded());
    strings(out.putArray("degradedReasons"), s.degradedReasons());
    out.put("servingLastGood", s.servingLastGood());
    out.put("pinned", s.pinned());
    out.put("staged", s.staged());
    s.lastResult().ifPresent(e -> out.set("lastResult", event(e)));
    s.lastRejection().ifPresent(e -> out.set("lastRejection", event(e)));
    ObjectNode counts = out.putObject("counts");
    counts.put("applied", s.applied());
    counts.put("rejected", s.rejected());
    counts.put("listenerFailures", s.listenerFailures());
    counts.put("slowListeners", s.slowListeners());
    ArrayNode files = out.putArray("watchedFiles");
    for (WatchedFile f : s.watchedFiles()) {
      ObjectNode file = files.addObject();
      file.put("path", f.path().toString());
      file.put("mode", f.mode().name().toLowerCase(Locale.ROOT));
      f.lastChange().ifPresent(t -> file.put("lastChange", t.toString()));
      f.warning().ifPresent(w -> file.put("warning", w));
      strings(file.putArray("notes"), f.notes());
    }
    return out;
  }

  static ObjectNode event(ReloadEvent e) {
    ObjectNode out = object();
    if (e instanceof ReloadEvent.Applied a) {
      out.put("event", "applied");
      out.put("version", a.version());
      out.put("previousVersion", a.previousVersion());
      out.put("hash", a.hash());
      strings(out.putArray("changed"), a.changedPaths());
      problems(out.putArray("warnings"), a.warnings());
    } else if (e instanceof ReloadEvent.RolledBack r) {
      out.put("event", "rolled_back");
      out.put("version", r.version());
      out.put("previousVersion", r.previousVersion());
      out.put("restoredVersion", r.restoredVersion());
      out.put("hash", r.hash());
      strings(out.putArray("changed"), r.changedPaths());
    } else if (e instanceof ReloadEvent.Rejected r) {
      out.put("event", "rejected");
      out.put("version", r.servingVersion());
      out.put("stage", r.stage().name().toLowerCase(Locale.ROOT));
      problems(out.putArray("problems"), r.problems());
    } else if (e instanceof ReloadEvent.Unchanged u) {
      out.put("event", "unchanged");
      out.put("version", u.servingVersion());
    } else if (e instanceof ReloadEvent.Skipped s) {
      out.put("event", "skipped");
      out.put("version", s.servingVersion());
      out.put("reason", s.reason());
    } else if (e instanceof ReloadEvent.Aborted a) {
      out.put("event", "aborted");
      out.put("version", a.servingVersion());
      out.put("reason", a.reason());
    }
    out.put("cause", e.cause());
    out.put("time", e.time().toString());
    out.put("durationMs", e.duration().toNanos() / 1e6);
    return out;
  }

  static ObjectNode history(List<? extends ConfigSnapshot<?>> history) {
    ObjectNode out = object();
    ArrayNode versions = out.putArray("versions");
    for (ConfigSnapshot<?> s : history) {
      ObjectNode v = versions.addObject();
      v.put("version", s.version());
      v.put("hash", s.hash());
      v.put("time", s.time().toString());
      v.put("cause", s.cause());
    }
    return out;
  }

  static ArrayNode changes(List<ConfigTree.ValueChange> changes) {
    ArrayNode out = MAPPER.createArrayNode();
    for (ConfigTree.ValueChange c : changes) {
      ObjectNode change = out.addObject();
      change.put("path", c.path());
      change.set("before", c.before().map(AdminJson::node).orElse(null));
      change.set("after", c.after().map(AdminJson::node).orElse(null));
    }
    return out;
  }

  static ObjectNode dryRun(DryRun result) {
    ObjectNode out = object();
    out.put("valid", result.valid());
    problems(out.putArray("problems"), result.problems());
    out.set("changes", changes(result.changes()));
    return out;
  }

  static ObjectNode error(String message) {
    return object().put("error", message);
  }

  private static void strings(ArrayNode array, List<String> values) {
    values.forEach(array::add);
  }

  private static void problems(ArrayNode array, List<Problem> problems) {
    for (Problem p : problems) {
      array.addObject().put("path", p.path()).put("origin", p.origin().toString()).put("message", p.message());
    }
  }
}
