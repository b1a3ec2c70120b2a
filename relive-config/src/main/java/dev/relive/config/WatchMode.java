package dev.relive.config;

/** How file sources are watched for changes. */
public enum WatchMode {
  /**
   * Filesystem events where the file's store delivers them; polling on network and virtual filesystems that
   * do not (nfs, cifs/smb, fuse, 9p, virtiofs, vboxsf, ...). The default.
   */
  AUTO,
  /** Filesystem events only (falls back to polling, loudly, if a directory cannot be registered). */
  EVENTS,
  /** Polling only: read and compare at the poll interval. */
  POLL
}
