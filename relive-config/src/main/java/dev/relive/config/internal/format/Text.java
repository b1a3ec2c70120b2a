package dev.relive.config.internal.format;

import dev.relive.config.ConfigException;
import dev.relive.config.Origin;
import dev.relive.config.Problem;

import dev.relive.config.spi.ParseLimits;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/** Strict UTF-8 decoding and size checks shared by the built-in formats. */
public final class Text {
  private Text() {}

  /**
   * Decodes a document as strict UTF-8 after checking its size; a leading byte-order mark is dropped.
   *
   * @throws ConfigException.Parse naming the line and column of the first invalid byte, or the size
   */
  public static String decode(byte[] bytes, String source, ParseLimits limits) {
    if (bytes.length > limits.maxBytes()) {
      throw new ConfigException.Parse(new Problem("", Origin.of(source),
          "document is " + bytes.length + " bytes, more than the limit of " + limits.maxBytes()));
    }
    if (looksLikeUtf16(bytes)) {
      throw new ConfigException.Parse(new Problem("", new Origin(source, 1, 1),
          "the file looks like UTF-16 (a byte-order mark or a zero byte beside each character); save it as UTF-8"));
    }
    int start = bytes.length >= 3 && (bytes[0] & 0xff) == 0xEF && (bytes[1] & 0xff) == 0xBB
        && (bytes[2] & 0xff) == 0xBF ? 3 : 0;
    CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
        .onMalformedInput(CodingErrorAction.REPORT)
        .onUnmappableCharacter(CodingErrorAction.REPORT);
    ByteBuffer in = ByteBuffer.wrap(bytes, start, bytes.length - start);
    CharBuffer out = CharBuffer.allocate(bytes.length);
    CoderResult result = decoder.decode(in, out, true);
    if (result.isError()) {
      throw invalid(bytes, start, in.position(), source);
    }
    result = decoder.flush(out);
    if (result.isError()) {
      throw invalid(bytes, start, in.position(), source);
    }
    return out.flip().toString();
  }

  /** A UTF-16 byte-order mark, or zero bytes in every other place of the first characters (ASCII in UTF-16). */
  private static boolean looksLikeUtf16(byte[] bytes) {
    if (bytes.length >= 2 && (((bytes[0] & 0xff) == 0xFE && (bytes[1] & 0xff) == 0xFF)
        || ((bytes[0] & 0xff) == 0xFF && (bytes[1] & 0xff) == 0xFE))) {
      return true;
    }
    int pairs = Math.min(bytes.length / 2, 16);
    if (pairs < 2) {
      return false;
    }
    int evenZeros = 0;
    int oddZeros = 0;
    for (int i = 0; i < pairs * 2; i += 2) {
      evenZeros += bytes[i] == 0 ? 1 : 0;
      oddZeros += bytes[i + 1] == 0 ? 1 : 0;
    }
    return evenZeros == pairs || oddZeros == pairs;
  }

  /**
   * An I/O failure in words an operator reads: what happened, without the Java exception's class name
   * ({@code NoSuchFileException}, {@code AccessDeniedException}, "Is a directory").
   */
  public static String describe(Throwable e) {
    if (e instanceof java.nio.file.NoSuchFileException) {
      return "it does not exist";
    }
    if (e instanceof java.nio.file.AccessDeniedException) {
      return "permission denied";
    }
    if (e instanceof java.nio.file.FileSystemException f && f.getReason() != null) {
      return f.getReason().substring(0, 1).toLowerCase(java.util.Locale.ROOT) + f.getReason().substring(1);
    }
    String message = e.getMessage();
    return message == null || message.isBlank() ? e.getClass().getSimpleName() : message;
  }

  private static ConfigException.Parse invalid(byte[] bytes, int start, int offset, String source) {
    int line = 1;
    int lineStart = start;
    for (int i = start; i < offset; i++) {
      if (bytes[i] == '\n') {
        line++;
        lineStart = i + 1;
      }
    }
    int column;
    try {
      column = StandardCharsets.UTF_8.newDecoder()
          .decode(ByteBuffer.wrap(bytes, lineStart, offset - lineStart)).length() + 1;
    } catch (CharacterCodingException e) {
      column = offset - lineStart + 1;
    }
    return new ConfigException.Parse(new Problem("", new Origin(source, line, column),
        String.format("invalid UTF-8 (byte 0x%02X at offset %d)", bytes[offset] & 0xff, offset)));
  }
}
