package dev.relive.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonNodePath;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.SpecVersionDetector;
import com.networknt.schema.ValidationMessage;
import dev.relive.config.ConfigSources;
import dev.relive.config.ConfigTree;
import dev.relive.config.LiveConfig;
import dev.relive.config.Problem;
import dev.relive.config.Validator;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/** Builds the untyped live config the commands share: files merged in order, optional JSON Schema. */
final class Loading {
  static final ObjectMapper JSON = new ObjectMapper();

  private Loading() {}

  static LiveConfig.Builder<ConfigTree> builder(List<Path> files, Optional<Path> schema) {
    LiveConfig.Builder<ConfigTree> builder = LiveConfig.builder(ConfigTree.class).name("relive");
    files.forEach(f -> builder.source(ConfigSources.file(f)));
    schema.ifPresent(s -> builder.validator(schemaValidator(s)));
    return builder;
  }

  /**
   * A validator that checks the merged tree against a JSON Schema and reports each violation at its path.
   *
   * @throws IllegalArgumentException if the schema cannot be read or parsed (a usage error)
   */
  static Validator<ConfigTree> schemaValidator(Path file) {
    JsonNode schemaNode;
    try {
      schemaNode = JSON.readTree(Files.readString(file));
    } catch (NoSuchFileException e) {
      throw new IllegalArgumentException("schema " + file + " does not exist", e);
    } catch (IOException e) {
      throw new IllegalArgumentException("schema " + file + " is not valid JSON: " + e.getMessage(), e);
    }
    SpecVersion.VersionFlag version = SpecVersionDetector.detectOptionalVersion(schemaNode, false)
        .orElse(SpecVersion.VersionFlag.V202012);
    JsonSchema schema = JsonSchemaFactory.getInstance(version).getSchema(schemaNode);
    return (tree, problems) -> {
      JsonNode instance;
      try {
        instance = JSON.readTree(tree.toJson());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      for (ValidationMessage m : schema.validate(instance)) {
        String path = path(m.getInstanceLocation());
        if (m.getProperty() != null && "required".equals(m.getType())) {
          path = path.isEmpty() ? m.getProperty() : path + "." + m.getProperty();
        }
        problems.add(path, m.getError() != null ? m.getError() : m.getMessage());
      }
    };
  }

  private static String path(JsonNodePath location) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < location.getNameCount(); i++) {
      Object element = location.getElement(i);
      if (element instanceof Integer index) {
        out.append('[').append(index).append(']');
      } else {
        if (out.length() > 0) {
          out.append('.');
        }
        out.append(element);
      }
    }
    return out.toString();
  }

  static void printProblems(List<Problem> problems, PrintWriter err) {
    err.println(problems.size() == 1 ? "1 problem:" : problems.size() + " problems:");
    problems.forEach(p -> err.println("  " + p));
    err.flush();
  }
}
