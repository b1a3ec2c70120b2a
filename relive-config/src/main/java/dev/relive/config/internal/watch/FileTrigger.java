package dev.relive.config.internal.watch;

import dev.relive.config.Registration;
import dev.relive.config.spi.ChangeTrigger;
import java.nio.file.Path;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/** A file watched by a {@link FileWatcher}, as a change trigger: a settled change asks for a reload. */
public final class FileTrigger implements ChangeTrigger {
  private final Path file;
  private final FileWatcher.Options options;
  private final @Nullable FileWatcher watcher;
  private volatile FileWatcher.@Nullable Handle handle;

  public FileTrigger(Path file, FileWatcher.Options options, @Nullable FileWatcher watcher) {
    this.file = file;
    this.options = options;
    this.watcher = watcher;
  }

  @Override
  public String name() {
    return "file " + file;
  }

  @Override
  public Registration start(Changes changes) {
    FileWatcher w = watcher != null ? watcher : FileWatcher.shared();
    FileWatcher.Handle h = w.watch(file, options, () -> changes.changed("file " + file));
    handle = h;
    return h;
  }

  /** How the file is watched now; empty before {@link #start}. */
  public Optional<FileWatcher.Status> status() {
    FileWatcher.Handle h = handle;
    return h == null ? Optional.empty() : Optional.of(h.status());
  }

  /** Why changes to the file cannot be seen promptly now, if they cannot. */
  public Optional<String> problem() {
    FileWatcher.Handle h = handle;
    if (h == null) {
      return Optional.empty();
    }
    FileWatcher.Status status = h.status();
    return status.degraded() ? Optional.of(file + ": " + status.warning().orElse("not watched")) : Optional.empty();
  }
}
