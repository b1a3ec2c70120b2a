package dev.relive.handoff.serve;

import java.io.IOException;
import java.net.InetSocketAddress;

/**
 * A listening socket this process holds on its own fd 0, so that every child it starts with standard input
 * inherited gets it there ({@code System.inheritedChannel()}). What {@code relive serve} does for a service, and
 * {@code relive dev} for an application restarted on each build.
 */
public final class HeldSocket {
  private final int port;

  private HeldSocket(int port) {
    this.port = port;
  }

  /** Binds {@code address} (port 0: any free port), listens, and puts the socket on this process's fd 0. */
  public static HeldSocket bindOnStdin(InetSocketAddress address) throws IOException {
    int fd = Sockets.listen(address, 4096);
    int port = Sockets.port(fd);
    Sockets.placeOnStdin(fd);
    return new HeldSocket(port);
  }

  /** The port it is bound to. */
  public int port() {
    return port;
  }
}
