package dev.relive.etcd;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.etcd.jetcd.ByteSequence;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Relive's managed layout for an application, and the JSON of its values:
 *
 * <pre>
 * /relive/{app}/versions/{n}   immutable: {"version", "format", "sha256", "author", "message", "time", "parent", "document"}
 * /relive/{app}/last           "n": the highest version written (a rollout writes versions the head does not name yet)
 * /relive/{app}/head           "n": the stable version nodes serve, moved by one Txn that compares what it read
 * /relive/{app}/canary         during a rollout: {"rollout", "version", "nodes"}: these nodes serve that version
 * /relive/{app}/rollout        the current (or last) rollout's state machine, written only by the elected coordinator
 * /relive/{app}/rollouts/{id}  finished rollouts, as they ended
 * /relive/{app}/votes/{id}/{round}/{node}  a node's vote in one prepare round: OK, or NACK with problems
 * /relive/{app}/abort          "id": an operator asked the running coordinator to stop that rollout
 * /relive/{app}/coordinator/   etcd's election: one coordinator per app
 * /relive/{app}/members/{node} under a lease: what the node serves, what it rejected, its health
 * </pre>
 *
 * History lives in the version keys, never in etcd's MVCC history, which compaction removes. A node watches
 * the keys from {@code canary} to {@code head} as one range, so no other key may sort between them.
 */
final class Layout {
  static final ObjectMapper JSON = new ObjectMapper();
  /** Larger documents are refused: etcd's default request limit is 1.5 MiB, and the record carries more. */
  static final int MAX_DOCUMENT_BYTES = 1 << 20;
  private static final Pattern APP = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");

  private Layout() {}

  static String requireApp(String app) {
    if (!APP.matcher(app).matches()) {
      throw new IllegalArgumentException(String.format("an app name is letters, digits, '.', '_' and '-', was '%s'", app));
    }
    return app;
  }

  static String requireNode(String node) {
    java.util.Objects.requireNonNull(node, "node");
    if (node.isEmpty() || node.contains("/")) {
      throw new IllegalArgumentException(String.format("a node id is non-empty and has no '/', was '%s'", node));
    }
    return node;
  }

  static String root(String app) {
    return "/relive/" + app + "/";
  }

  static String head(String app) {
    return root(app) + "head";
  }

  static String last(String app) {
    return root(app) + "last";
  }

  static String canary(String app) {
    return root(app) + "canary";
  }

  /** The end (exclusive) of the range a node watches: {@code canary} and {@code head}. */
  static String afterHead(String app) {
    return head(app) + "\0";
  }

  static String rollout(String app) {
    return root(app) + "rollout";
  }

  static String archive(String app, String id) {
    return root(app) + "rollouts/" + id;
  }

  static String votes(String app, String id, long round) {
    return root(app) + "votes/" + id + "/" + round + "/";
  }

  static String votesOf(String app, String id) {
    return root(app) + "votes/" + id + "/";
  }

  static String abort(String app) {
    return root(app) + "abort";
  }

  static String election(String app) {
    return root(app) + "coordinator";
  }

  static String versions(String app) {
    return root(app) + "versions/";
  }

  /** Version keys are the plain number; listings sort them by number, not by key. */
  static String version(String app, long n) {
    return versions(app) + n;
  }

  static String members(String app) {
    return root(app) + "members/";
  }

  static String member(String app, String node) {
    return members(app) + node;
  }

  static ByteSequence bytes(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }

  static String text(ByteSequence b) {
    return b.toString(StandardCharsets.UTF_8);
  }

  static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  static ObjectNode object() {
    return JSON.createObjectNode();
  }

  /** A value's JSON, or empty when it is not a JSON object (a corrupt or foreign value). */
  static Optional<JsonNode> parse(ByteSequence value) {
    try {
      JsonNode node = JSON.readTree(value.getBytes());
      return node != null && node.isObject() ? Optional.of(node) : Optional.empty();
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  static String write(JsonNode node) {
    try {
      return JSON.writeValueAsString(node);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
