package dev.relive.config;

import java.util.List;

/**
 * What a candidate document would do if it were the whole configuration: the problems that would reject it,
 * or the changes it would make. Nothing is applied. Secrets are redacted in both: a changed secret is listed
 * with both values redacted, and no message compares the candidate with a serving secret. Immutable.
 */
public final class DryRun {
  private final boolean valid;
  private final List<Problem> problems;
  private final List<ConfigTree.ValueChange> changes;

  DryRun(boolean valid, List<Problem> problems, List<ConfigTree.ValueChange> changes) {
    this.valid = valid;
    this.problems = List.copyOf(problems);
    this.changes = List.copyOf(changes);
  }

  /** True if the candidate would be accepted (participants aside: they are not prepared). */
  public boolean valid() {
    return valid;
  }

  /** Every problem, with path and origin ({@code candidate.yaml:3:9}); empty when valid. */
  public List<Problem> problems() {
    return problems;
  }

  /** The leaf changes from the serving version; empty when invalid. */
  public List<ConfigTree.ValueChange> changes() {
    return changes;
  }

  @Override
  public String toString() {
    return valid ? "DryRun[valid, " + changes.size() + " changes]" : "DryRun[invalid, " + problems + "]";
  }
}
