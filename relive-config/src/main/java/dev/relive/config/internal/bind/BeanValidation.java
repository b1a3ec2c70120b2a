package dev.relive.config.internal.bind;

import dev.relive.config.ConfigTree;
import dev.relive.config.Key;
import dev.relive.config.Problem;
import dev.relive.config.internal.Paths;

import jakarta.validation.ConstraintViolation;
import jakarta.validation.Path.Node;
import jakarta.validation.Validation;
import jakarta.validation.ValidatorFactory;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Jakarta Bean Validation of bound records, used only when the API and a provider are on the class path.
 * Violation paths are translated to configuration keys (honouring {@link Key}).
 *
 * <p>Implementation notes: this is the only class that touches {@code jakarta.validation}; {@link #create}
 * is called only after {@link #available()} has found the API, so the optional dependency is never loaded
 * when absent.
 */
public final class BeanValidation {
  private final jakarta.validation.Validator validator;

  private BeanValidation(jakarta.validation.Validator validator) {
    this.validator = validator;
  }

  public static boolean available() {
    try {
      Class.forName("jakarta.validation.Validation", false, BeanValidation.class.getClassLoader());
      return true;
    } catch (ClassNotFoundException | LinkageError e) {
      return false;
    }
  }

  /** A validator, or empty when the API is present but no provider is. */
  public static Optional<BeanValidation> create() {
    try {
      ValidatorFactory factory = Validation.buildDefaultValidatorFactory();
      return Optional.of(new BeanValidation(factory.getValidator()));
    } catch (RuntimeException e) {
      return Optional.empty();
    }
  }

  public List<Problem> validate(Object value, ConfigTree tree) {
    List<Problem> problems = new ArrayList<>();
    for (ConstraintViolation<Object> v : validator.validate(value)) {
      String path = keyPath(value.getClass(), v.getPropertyPath());
      problems.add(new Problem(path, tree.origin(path), v.getMessage()));
    }
    problems.sort((a, b) -> a.path().compareTo(b.path()));
    return problems;
  }

  private static String keyPath(Type rootType, jakarta.validation.Path propertyPath) {
    String path = "";
    Type type = rootType;
    for (Node node : propertyPath) {
      if (node.getName() == null) {
        continue;
      }
      if (node.getIndex() != null && path.length() > 0) {
        path = Paths.index(path, node.getIndex());
        type = type == null ? null : elementType(type);
      } else if (node.getKey() != null && path.length() > 0) {
        path = Paths.child(path, String.valueOf(node.getKey()));
        type = type == null ? null : elementType(type);
      }
      String key = node.getName();
      Type next = null;
      Class<?> raw = type == null ? null : Binder.raw(type);
      if (raw != null && raw.isRecord()) {
        for (RecordComponent c : raw.getRecordComponents()) {
          if (c.getName().equals(node.getName())) {
            key = Binder.keyOf(c);
            next = c.getGenericType();
          }
        }
      }
      path = Paths.child(path, key);
      type = next;
    }
    return path;
  }

  private static @Nullable Type elementType(Type container) {
    Class<?> raw = Binder.raw(container);
    if (raw == Map.class) {
      return Binder.typeArg(container, 1, "");
    }
    if (raw == Optional.class || java.util.Collection.class.isAssignableFrom(raw)) {
      return Binder.typeArg(container, 0, "");
    }
    return null;
  }
}
