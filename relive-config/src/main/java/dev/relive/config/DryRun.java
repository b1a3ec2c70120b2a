package dev.relive.config;

import java.util.List;

/**
 * What a candidate document would do if it were the whole configuration: the problems that would reject it,
 * or the changes it would make. Nothing is applied. Secrets are redacted in both.
 *
 * @param valid    true if the candidate would be accepted (participants aside: they are not prepared)
 * @param problems every problem, with path and origin ({@code candidate.yaml:3:9}); empty when valid
 * @param changes  the leaf changes from the serving version; empty when invalid
 */
public record DryRun(boolean valid, List<Problem> problems, List<ConfigTree.ValueChange> changes) {
  public DryRun {
    problems = List.copyOf(problems);
    changes = List.copyOf(changes);
  }
}
