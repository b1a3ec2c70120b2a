package dev.relive.config.internal;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;

/** SHA-256 stamps of the content a source actually read. */
public final class Digests {
  private Digests() {}

  public static String of(byte[] bytes) {
    return HexFormat.of().formatHex(sha256().digest(bytes));
  }

  public static String of(Map<String, String> entries) {
    MessageDigest digest = sha256();
    new TreeMap<>(entries).forEach((k, v) -> {
      digest.update(k.getBytes(StandardCharsets.UTF_8));
      digest.update((byte) 0);
      digest.update(v.getBytes(StandardCharsets.UTF_8));
      digest.update((byte) 0);
    });
    return HexFormat.of().formatHex(digest.digest());
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required by every Java platform", e);
    }
  }
}
