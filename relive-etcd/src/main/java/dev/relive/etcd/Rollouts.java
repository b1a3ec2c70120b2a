package dev.relive.etcd;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The rollout state machine's vocabulary, shared by the coordinator (which alone writes
 * {@code /relive/{app}/rollout}) and the nodes (which read it and vote):
 *
 * <pre>
 * PREPARING(round r, targets T) --all T voted OK--> COMMITTED --bake healthy--> PREPARING(r+1) ... --> DONE
 *      |  a NACK, a missing vote, a lost target, abort                |  unhealthy, lost, abort
 *      v                                                                v
 *   ABORTED (nothing was committed)               ROLLING_BACK(round r', targets = committed) --> ROLLED_BACK
 * </pre>
 *
 * A step's targets are the live members its selector picks, fixed when the step starts, less those already
 * committed. Selectors: {@code 100%} or {@code 10%} (a stable hash of the node id), {@code 3} (the first
 * three nodes in that hash order), {@code zone=eu-1} (labels, all must match; several joined with
 * {@code ,}), or node ids joined with {@code ,}.
 */
final class Rollouts {
  static final String PREPARING = "PREPARING";
  static final String COMMITTED = "COMMITTED";
  static final String ROLLING_BACK = "ROLLING_BACK";
  static final String ROLLED_BACK = "ROLLED_BACK";
  static final String ABORTED = "ABORTED";
  static final String DONE = "DONE";

  private Rollouts() {}

  /** True while a rollout is running (not in a final state). */
  static boolean active(JsonNode rollout) {
    String state = rollout.path("state").asText("");
    return state.equals(PREPARING) || state.equals(COMMITTED) || state.equals(ROLLING_BACK);
  }

  static List<String> strings(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.asText()));
    return out;
  }

  /**
   * The members a selector picks, in a stable order.
   *
   * @throws IllegalArgumentException for a selector that is none of the forms above
   */
  static List<String> select(String selector, Map<String, Map<String, String>> members) {
    String s = selector.trim();
    List<String> byHash = new ArrayList<>(members.keySet());
    byHash.sort(Comparator.comparingLong(Rollouts::hash).thenComparing(Comparator.naturalOrder()));
    if (s.endsWith("%")) {
      int percent = number(s.substring(0, s.length() - 1), selector);
      if (percent > 100) {
        throw new IllegalArgumentException("a percentage is at most 100%, was " + selector);
      }
      return byHash.stream().filter(n -> hash(n) % 100 < percent).toList();
    }
    if (s.matches("\\d+")) {
      int count = number(s, selector);
      return byHash.subList(0, Math.min(count, byHash.size()));
    }
    if (s.contains("=")) {
      Map<String, String> wanted = new java.util.LinkedHashMap<>();
      for (String pair : s.split(",", -1)) {
        int eq = pair.indexOf('=');
        if (eq <= 0) {
          throw new IllegalArgumentException("a label selector is key=value[,key=value], was " + selector);
        }
        wanted.put(pair.substring(0, eq).trim(), pair.substring(eq + 1).trim());
      }
      return byHash.stream().filter(n -> members.getOrDefault(n, Map.of()).entrySet().containsAll(wanted.entrySet()))
          .toList();
    }
    Set<String> ids = new LinkedHashSet<>();
    for (String id : s.split(",", -1)) {
      if (!id.isBlank()) {
        ids.add(id.trim());
      }
    }
    if (ids.isEmpty()) {
      throw new IllegalArgumentException("an empty selector");
    }
    return byHash.stream().filter(ids::contains).toList();
  }

  /** Checks a selector's form without members. */
  static void requireSelector(String selector) {
    var unused = select(selector, Map.of());
  }

  private static int number(String text, String selector) {
    try {
      int n = Integer.parseInt(text.trim());
      if (n < 0) {
        throw new NumberFormatException();
      }
      return n;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("not a selector: " + selector + " (100%, 10%, 3, zone=eu-1 or node ids)", e);
    }
  }

  /** A stable, well-spread hash of a node id: the same node always falls in the same percentage. */
  static long hash(String node) {
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(node.getBytes(StandardCharsets.UTF_8));
      return ((d[0] & 0xffL) << 24 | (d[1] & 0xffL) << 16 | (d[2] & 0xffL) << 8 | (d[3] & 0xffL));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  static String lower(String state) {
    return state.toLowerCase(Locale.ROOT);
  }
}
