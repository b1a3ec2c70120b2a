package dev.relive.spring;

import dev.relive.config.ConfigSnapshot;
import dev.relive.config.ConfigStatus;
import dev.relive.config.LiveConfig;
import dev.relive.config.Problem;
import dev.relive.config.ReloadEvent;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;
import org.springframework.boot.actuate.endpoint.annotation.WriteOperation;

/**
 * {@code /actuator/relive}: every live record's status; {@code /actuator/relive/{record}}: its history; a POST
 * to {@code /actuator/relive} reloads (with {@code {"dryRun": true}}, validates and reports the changed paths
 * without swapping); to {@code /actuator/relive/{record}} with {@code action} rollback (and
 * {@code version}), pin or unpin. Exposed and secured as Actuator says (not exposed over HTTP by default).
 * Values are never shown: versions, hashes and paths only.
 */
@Endpoint(id = "relive")
public class ReliveEndpoint {
  private final LiveRecords records;

  public ReliveEndpoint(LiveRecords records) {
    this.records = records;
  }

  @ReadOperation
  public Map<String, Object> status() {
    Map<String, Object> out = new LinkedHashMap<>();
    records.configs().forEach((name, config) -> out.put(name, status(config)));
    return out;
  }

  @ReadOperation
  public List<Map<String, Object>> history(@Selector String record) {
    List<Map<String, Object>> out = new ArrayList<>();
    for (ConfigSnapshot<?> s : config(record).history()) {
      Map<String, Object> v = new LinkedHashMap<>();
      v.put("version", s.version());
      v.put("hash", s.hash());
      v.put("time", s.time().toString());
      v.put("cause", s.cause());
      out.add(v);
    }
    return out;
  }

  /**
   * Reloads; with {@code dryRun} true, only validates: every record is bound, validated and prepared, the
   * changed property paths (the diff, without values) and problems are reported, and nothing swaps.
   */
  @WriteOperation
  public Map<String, Object> reload(@Nullable Boolean dryRun) {
    boolean check = Boolean.TRUE.equals(dryRun);
    LiveRecords.Reload r = check ? records.check("actuator") : records.reload("actuator");
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("result", !r.ok() ? "rejected" : check ? "valid" : r.applied().isEmpty() ? "unchanged" : "applied");
    out.put("applied", r.applied());
    out.put("changed", new java.util.TreeMap<>(r.changed()));
    out.put("problems", r.problems().stream().map(Problem::toString).toList());
    return out;
  }

  @WriteOperation
  public Map<String, Object> act(@Selector String record, String action, @Nullable Long version) {
    LiveConfig<?> config = config(record);
    Map<String, Object> out = new LinkedHashMap<>();
    switch (action) {
      case "rollback" -> {
        if (version == null) {
          throw new IllegalArgumentException("rollback needs a version");
        }
        ReloadEvent e = config.rollback(version);
        out.put("result", e.kind());
      }
      case "pin" -> {
        config.pin();
        out.put("result", "pinned");
      }
      case "unpin" -> {
        var unused = config.unpin();
        out.put("result", "unpinned");
      }
      default -> throw new IllegalArgumentException("action is rollback, pin or unpin, was " + action);
    }
    out.put("status", status(config));
    return out;
  }

  private LiveConfig<?> config(String record) {
    LiveConfig<?> c = records.configs().get(record);
    if (c == null) {
      throw new IllegalArgumentException("no live record " + record + " (known: " + records.configs().keySet() + ")");
    }
    return c;
  }

  static Map<String, Object> status(LiveConfig<?> config) {
    ConfigStatus s = config.status();
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("version", s.servingVersion());
    out.put("hash", s.servingHash());
    out.put("degraded", s.degraded());
    out.put("degradedReasons", s.degradedReasons());
    out.put("pinned", s.pinned());
    s.lastRejection().ifPresent(r -> out.put("lastRejection", Map.of("time", r.time().toString(),
        "problems", r.problems().stream().map(Problem::toString).toList())));
    return out;
  }
}
