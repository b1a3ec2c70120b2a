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

  /**
   * {@code HOST:PORT} ({@code [::1]:8080} for IPv6; an empty host is every interface), as {@code --listen}
   * takes it.
   *
   * @throws IllegalArgumentException naming what is wrong
   */
  public static InetSocketAddress address(String hostPort) {
    int colon = hostPort.lastIndexOf(':');
    if (colon < 0) {
      throw new IllegalArgumentException("listen takes HOST:PORT, not '" + hostPort + "'");
    }
    String host = hostPort.substring(0, colon).replace("[", "").replace("]", "").trim();
    int port;
    try {
      port = Integer.parseInt(hostPort.substring(colon + 1).trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("listen takes HOST:PORT, not '" + hostPort + "'", e);
    }
    return new InetSocketAddress(host.isEmpty() ? "0.0.0.0" : host, port);
  }

  /** The port it is bound to. */
  public int port() {
    return port;
  }
}
