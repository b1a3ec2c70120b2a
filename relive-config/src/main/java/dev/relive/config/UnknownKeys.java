package dev.relive.config;

/** What to do with keys that no record component binds. */
public enum UnknownKeys {
  /** Reject the candidate: each unknown key is a problem with its origin. */
  FAIL,
  /** Apply the candidate and log each unknown key with its origin once per version. The default. */
  WARN
}
