package dev.relive.config.internal;

import dev.relive.config.ConfigException;
import dev.relive.config.Origin;
import dev.relive.config.Problem;

import dev.relive.config.spi.ConfigSource;
import dev.relive.config.spi.SourceData;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.List;

/** A resource on the class path, typically the defaults shipped inside the application's jar. */
public final class ClasspathSource implements ConfigSource {
  private final String resource;
  private final ClassLoader loader;
  private final boolean optional;

  public ClasspathSource(String resource, ClassLoader loader, boolean optional) {
    this.resource = resource.startsWith("/") ? resource.substring(1) : resource;
    this.loader = loader;
    this.optional = optional;
  }

  @Override
  public String name() {
    return "classpath:" + resource;
  }

  @Override
  public SourceData read() throws IOException {
    try (InputStream in = loader.getResourceAsStream(resource)) {
      if (in == null) {
        if (optional) {
          return new SourceData.Absent(name() + " does not exist");
        }
        throw new ConfigException.Source(List.of(new Problem("", Origin.of(name()), "required resource does not exist")));
      }
      byte[] bytes = in.readAllBytes();
      return new SourceData.Document(bytes, FileSource.extension(Path.of(resource)), Digests.of(bytes));
    }
  }
}
