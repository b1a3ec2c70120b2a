package dev.relive.config.internal.watch;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Finds configuration files that are mount points themselves (Docker {@code -v file:file}, Kubernetes
 * {@code subPath}): such a file stays pinned to the inode it had when mounted, so updates made on the host
 * by writing a new file and renaming it over the old one never arrive.
 */
public final class MountPoints {
  private MountPoints() {}

  /** True if {@code file} (a real path) is a mount point according to the mountinfo text, or sits on another device than its directory. */
  public static boolean isMountPoint(Path file, List<String> mountinfo) {
    if (parse(mountinfo).contains(file.toString())) {
      return true;
    }
    try {
      Object fileDevice = Files.getAttribute(file, "unix:dev");
      Object dirDevice = Files.getAttribute(file.getParent(), "unix:dev");
      return !fileDevice.equals(dirDevice);
    } catch (IOException | UnsupportedOperationException | IllegalArgumentException | SecurityException e) {
      return false;
    }
  }

  public static List<String> readMountinfo() {
    try {
      return Files.readAllLines(Path.of("/proc/self/mountinfo"));
    } catch (IOException | SecurityException e) {
      return List.of();
    }
  }

  /** The mount points listed in /proc/self/mountinfo text (field 5, with octal escapes undone). */
  public static Set<String> parse(List<String> mountinfo) {
    Set<String> out = new HashSet<>();
    for (String line : mountinfo) {
      String[] fields = line.split(" ", -1);
      if (fields.length > 4) {
        out.add(unescape(fields[4]));
      }
    }
    return out;
  }

  private static String unescape(String s) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\\' && i + 4 <= s.length() && s.substring(i + 1, i + 4).matches("[0-7]{3}")) {
        out.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
        i += 3;
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }
}
