package dev.relive.config.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The secret-name rule: a key is secret when its last word is a secret word, or its last two words are a
 * secret pair. Keys split into words at camelCase humps, digits-to-letters, {@code _}, {@code -}, {@code .}
 * and spaces. Matching whole last words, not substrings, keeps {@code max_tokens}, {@code tokenizer},
 * {@code secretary} and {@code passwordPolicy} visible while {@code dbPassword}, {@code api_key} and
 * {@code client-secret} are hidden.
 */
public final class SecretNames {
  private static final Set<String> WORDS = Set.of("password", "passwords", "passwd", "passphrase", "pwd", "secret",
      "secrets", "token", "credential", "credentials", "apikey", "privatekey", "accesskey", "secretkey");
  private static final Set<String> PAIRS = Set.of("api key", "private key", "access key", "secret key",
      "signing key", "encryption key", "master key", "client secret", "auth token", "session key");

  private SecretNames() {}

  /** Word stems at least one of which every secret key holds; a key without any is decided without allocating. */
  private static final String[] STEMS = {"pass", "pwd", "secret", "token", "credential", "key"};

  /** True if this one key (not a path) names a secret. */
  public static boolean isSecretKey(String key) {
    if (!mayBeSecret(key)) {
      return false;
    }
    List<String> words = words(key);
    if (words.isEmpty()) {
      return false;
    }
    String last = words.get(words.size() - 1);
    return WORDS.contains(last) || (words.size() > 1 && PAIRS.contains(words.get(words.size() - 2) + " " + last));
  }

  private static boolean mayBeSecret(String key) {
    for (String stem : STEMS) {
      for (int i = 0; i + stem.length() <= key.length(); i++) {
        if (key.regionMatches(true, i, stem, 0, stem.length())) {
          return true;
        }
      }
    }
    return false;
  }

  /** The lower-case words of a key. */
  static List<String> words(String key) {
    List<String> out = new ArrayList<>();
    StringBuilder word = new StringBuilder();
    for (int i = 0; i < key.length(); i++) {
      char c = key.charAt(i);
      if (!Character.isLetterOrDigit(c)) {
        flush(word, out);
        continue;
      }
      if (i > 0 && word.length() > 0) {
        char prev = key.charAt(i - 1);
        boolean hump = Character.isUpperCase(c) && (Character.isLowerCase(prev) || Character.isDigit(prev));
        boolean acronymEnd = Character.isUpperCase(c) && Character.isUpperCase(prev) && i + 1 < key.length()
            && Character.isLowerCase(key.charAt(i + 1));
        if (hump || acronymEnd) {
          flush(word, out);
        }
      }
      word.append(Character.toLowerCase(c));
    }
    flush(word, out);
    return out;
  }

  private static void flush(StringBuilder word, List<String> out) {
    if (word.length() > 0) {
      out.add(word.toString().toLowerCase(Locale.ROOT));
      word.setLength(0);
    }
  }
}
