package dev.relive.config;

import java.util.List;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

/**
 * The one unchecked root of Relive's failures. Every subtype carries all the problems found at once, each
 * with its path and origin.
 *
 * <p>Subtypes say at which step a candidate failed: {@link Source} (a source could not be read),
 * {@link Parse} (a document is malformed or hostile), {@link Binding} (values do not fit the record type),
 * {@link Validation} (a validator refused the bound value) and {@link Prepare} (a participant could not
 * prepare for it).
 */
public class ConfigException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final transient List<Problem> problems;

  public ConfigException(List<Problem> problems) {
    super(render(problems));
    this.problems = List.copyOf(problems);
  }

  public ConfigException(List<Problem> problems, @Nullable Throwable cause) {
    super(render(problems), cause);
    this.problems = List.copyOf(problems);
  }

  /** Every problem found, in document order where there is one. Never empty. */
  public List<Problem> problems() {
    return problems;
  }

  private static String render(List<Problem> problems) {
    if (problems.isEmpty()) {
      throw new IllegalArgumentException("a ConfigException needs at least one problem");
    }
    if (problems.size() == 1) {
      return problems.get(0).toString();
    }
    return problems.size() + " problems:\n" + problems.stream().map(p -> "  " + p).collect(Collectors.joining("\n"));
  }

  /** A source could not be read: a required file is missing or unreadable. */
  public static final class Source extends ConfigException {
    private static final long serialVersionUID = 1L;

    public Source(List<Problem> problems, @Nullable Throwable cause) {
      super(problems, cause);
    }

    public Source(List<Problem> problems) {
      super(problems);
    }
  }

  /** A document could not be parsed, or exceeded a safety limit. */
  public static final class Parse extends ConfigException {
    private static final long serialVersionUID = 1L;

    public Parse(List<Problem> problems) {
      super(problems);
    }

    public Parse(Problem problem) {
      super(List.of(problem));
    }
  }

  /** Values do not fit the configuration type. */
  public static final class Binding extends ConfigException {
    private static final long serialVersionUID = 1L;

    public Binding(List<Problem> problems) {
      super(problems);
    }
  }

  /** The bound value was refused by a validator. */
  public static final class Validation extends ConfigException {
    private static final long serialVersionUID = 1L;

    public Validation(List<Problem> problems) {
      super(problems);
    }
  }

  /** A participant failed to prepare for the candidate; every prepared participant was aborted. */
  public static final class Prepare extends ConfigException {
    private static final long serialVersionUID = 1L;

    public Prepare(List<Problem> problems, @Nullable Throwable cause) {
      super(problems, cause);
    }
  }
}
