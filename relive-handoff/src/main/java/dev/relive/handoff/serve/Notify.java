package dev.relive.handoff.serve;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * systemd's notify protocol, both ways: {@link #send} tells the service manager about the supervisor
 * ({@code READY=1}, {@code RELOADING=1}, {@code STOPPING=1}); {@link #listen} is the {@code NOTIFY_SOCKET} a
 * child gets of its own, so that its {@code READY=1} says which generation is ready.
 */
public final class Notify implements AutoCloseable {
  private final int fd;
  private final Path path;
  private final Thread reader;
  private volatile boolean open = true;

  private Notify(int fd, Path path, Consumer<String> onMessage) {
    this.fd = fd;
    this.path = path;
    this.reader = new Thread(() -> read(onMessage), "relive-serve-notify " + path.getFileName());
    reader.setDaemon(true);
  }

  /** Receives datagrams at {@code path}, each given to {@code onMessage} (on one thread) until closed. */
  public static Notify listen(Path path, Consumer<String> onMessage) throws IOException {
    Files.deleteIfExists(path);
    int fd = Sockets.datagram(path.toString());
    Sockets.receiveTimeout(fd, 100);
    Notify n = new Notify(fd, path, onMessage);
    n.reader.start();
    return n;
  }

  /** Sends {@code message} to {@code socket} (systemd's {@code NOTIFY_SOCKET}); nothing when it is null. */
  public static void send(@Nullable String socket, String message) throws IOException {
    if (socket == null || socket.isEmpty()) {
      return;
    }
    int fd = Sockets.datagram("");
    try {
      Sockets.send(fd, socket, message);
    } finally {
      Sockets.close(fd);
    }
  }

  private void read(Consumer<String> onMessage) {
    byte[] buffer = new byte[4096];
    while (open) {
      try {
        String m = Sockets.receive(fd, buffer);
        if (m != null && open) {
          onMessage.accept(m);
        }
      } catch (IOException e) {
        return;
      }
    }
  }

  @Override
  public void close() {
    open = false;
    try {
      reader.join(1000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    Sockets.close(fd);
    try {
      Files.deleteIfExists(path);
    } catch (IOException ignored) {
      // the run directory is removed when the supervisor stops
    }
  }
}
