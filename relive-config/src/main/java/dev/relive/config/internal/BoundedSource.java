package dev.relive.config.internal;

import dev.relive.config.spi.SourceData;
import java.io.IOException;

/** A source that can refuse a document over the size limit before reading it (a file: by its size). */
public interface BoundedSource {
  SourceData read(int maxBytes) throws IOException;
}
