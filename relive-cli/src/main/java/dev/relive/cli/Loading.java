package dev.relive.cli;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonNodePath;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.SpecVersionDetector;
import com.networknt.schema.ValidationMessage;
import com.networknt.schema.resource.AllowSchemaLoader;
import dev.relive.config.ConfigTree;
import dev.relive.config.LiveConfig;
import dev.relive.config.Problem;
import dev.relive.config.Validator;
import dev.relive.config.spi.ConfigSource;
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

  static LiveConfig.Builder<ConfigTree> builder(List<ConfigSource> sources, Optional<Path> schema, boolean allowRemote) {
    LiveConfig.Builder<ConfigTree> builder = LiveConfig.builder(ConfigTree.class).name("relive").reloadOnSighup(true);
    sources.forEach(builder::source);
    schema.ifPresent(s -> builder.validator(schemaValidator(s, allowRemote)));
    return builder;
  }

  /**
   * A validator that checks the merged tree against a JSON Schema and reports each violation at its path.
   * The schema and everything it refers to is loaded here, once: a {@code $ref} to another local file is read
   * relative to the schema; one to http(s) is refused unless {@code allowRemote}, since a checker must not
   * reach the network unless asked to.
   *
   * @throws IllegalArgumentException if the schema cannot be read, parsed or resolved (a usage error), with
   *     one sentence saying what and where
   */
  static Validator<ConfigTree> schemaValidator(Path file, boolean allowRemote) {
    JsonNode schemaNode;
    try {
      schemaNode = JSON.readTree(Files.readString(file));
    } catch (NoSuchFileException e) {
      throw new IllegalArgumentException("schema " + file + " does not exist", e);
    } catch (JsonProcessingException e) {
      JsonLocation at = e.getLocation();
      throw new IllegalArgumentException("schema " + file + (at == null ? "" : ":" + at.getLineNr() + ":"
          + at.getColumnNr()) + " is not valid JSON: " + e.getOriginalMessage(), e);
    } catch (IOException e) {
      throw new IllegalArgumentException("schema " + file + " cannot be read: " + e.getMessage(), e);
    }
    SpecVersion.VersionFlag version = SpecVersionDetector.detectOptionalVersion(schemaNode, false)
        .orElse(SpecVersion.VersionFlag.V202012);
    JsonSchemaFactory factory = JsonSchemaFactory.getInstance(version, b -> b.schemaLoaders(loaders -> loaders.add(
        new AllowSchemaLoader(iri -> allowRemote || isLocal(iri.toString())))));
    JsonSchema schema;
    try {
      schema = factory.getSchema(SchemaLocation.of(file.toAbsolutePath().toUri().toString()), schemaNode);
      schema.initializeValidators();
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("schema " + file + ": " + refProblem(e, allowRemote), e);
    }
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

  /** Local: a file, or a meta-schema the validator ships on its class path. */
  private static boolean isLocal(String iri) {
    return iri.startsWith("file:") || iri.startsWith("classpath:") || iri.startsWith("resource:");
  }

  /** The first line of what went wrong while loading a schema, without the validator's stack of causes. */
  private static String refProblem(RuntimeException e, boolean allowRemote) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String message = String.valueOf(e.getMessage() != null ? e.getMessage() : root.getMessage());
    if (!allowRemote && message.contains("not allowed")) {
      return message.replaceAll("\\s+", " ").trim() + " (remote $ref are not fetched; pass --schema-allow-remote "
          + "to allow it)";
    }
    return (root.getMessage() != null ? root.getMessage() : message).lines().findFirst().orElse(message);
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
