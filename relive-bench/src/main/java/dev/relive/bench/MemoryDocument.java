package dev.relive.bench;

import dev.relive.config.spi.ConfigSource;
import dev.relive.config.spi.SourceData;
import java.security.MessageDigest;
import java.util.HexFormat;

/** A document held in memory, so scale measurements time parsing and not the disk. */
final class MemoryDocument implements ConfigSource {
  private final String format;
  private volatile byte[] bytes;

  MemoryDocument(String format, byte[] bytes) {
    this.format = format;
    this.bytes = bytes;
  }

  void set(byte[] next) {
    bytes = next;
  }

  @Override
  public String name() {
    return "memory." + format;
  }

  @Override
  public SourceData read() {
    byte[] b = bytes;
    try {
      return new SourceData.Document(b, format, HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b)));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** {@code keys} entries as properties; entry {@code changed} gets {@code value}. */
  static byte[] properties(int keys, int changed, String value) {
    StringBuilder out = new StringBuilder(keys * 32);
    for (int i = 0; i < keys; i++) {
      out.append("entries.k").append(i).append('=').append(i == changed ? value : "value-" + i).append('\n');
    }
    return out.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
  }
}
