package dev.relive.handoff.serve;

import com.sun.jna.LastErrorException;
import com.sun.jna.NativeLong;
import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/** Socket descriptors made and moved with {@link Libc}; every failure as an IOException naming the call. */
final class Sockets {
  private static final int SD_LISTEN_FDS_START = 3;

  private Sockets() {}

  /** A TCP socket bound to {@code address} and listening, with SO_REUSEADDR (a restarted supervisor rebinds). */
  static int listen(InetSocketAddress address, int backlog) throws IOException {
    InetAddress ip = address.getAddress();
    if (ip == null) {
      throw new IOException("cannot resolve " + address.getHostString());
    }
    boolean v6 = ip instanceof Inet6Address;
    int fd = call("socket", () -> Libc.C.socket(v6 ? Libc.AF_INET6 : Libc.AF_INET, Libc.SOCK_STREAM | Libc.SOCK_CLOEXEC, 0));
    try {
      call("setsockopt SO_REUSEADDR", () -> Libc.C.setsockopt(fd, Libc.SOL_SOCKET, Libc.SO_REUSEADDR, intBytes(1), 4));
      byte[] sockaddr = v6 ? inet6(ip.getAddress(), address.getPort()) : inet4(ip.getAddress(), address.getPort());
      call("bind " + address, () -> Libc.C.bind(fd, sockaddr, sockaddr.length));
      call("listen", () -> Libc.C.listen(fd, backlog));
      return fd;
    } catch (IOException e) {
      close(fd);
      throw e;
    }
  }

  /** The port a socket is bound to (for {@code --listen 127.0.0.1:0}). */
  static int port(int fd) throws IOException {
    byte[] sockaddr = new byte[28];
    int[] length = {sockaddr.length};
    call("getsockname", () -> Libc.C.getsockname(fd, sockaddr, length));
    return ((sockaddr[2] & 0xff) << 8) | (sockaddr[3] & 0xff);
  }

  /**
   * The listening socket systemd passed (socket activation: {@code LISTEN_PID} is this process, {@code
   * LISTEN_FDS} at least 1; the first one, fd 3, is used), or -1 when there is none.
   */
  static int fromSystemd(Map<String, String> env, long pid) throws IOException {
    String listenPid = env.get("LISTEN_PID");
    String fds = env.get("LISTEN_FDS");
    if (listenPid == null || fds == null || !listenPid.trim().equals(Long.toString(pid))) {
      return -1;
    }
    if (Integer.parseInt(fds.trim()) < 1) {
      return -1;
    }
    int fd = SD_LISTEN_FDS_START;
    byte[] value = new byte[4];
    call("getsockopt SO_ACCEPTCONN", () -> Libc.C.getsockopt(fd, Libc.SOL_SOCKET, Libc.SO_ACCEPTCONN, value, new int[] {4}));
    if (ByteBuffer.wrap(value).order(ByteOrder.nativeOrder()).getInt() == 0) {
      throw new IOException("LISTEN_FDS: fd 3 is not a listening socket (use ListenStream= in the .socket unit)");
    }
    return fd;
  }

  /** Puts {@code fd} on this process's fd 0, which every child started with stdin inherited then gets. */
  static void placeOnStdin(int fd) throws IOException {
    if (fd != 0) {
      call("dup2", () -> Libc.C.dup2(fd, 0));
      close(fd);
    }
  }

  static void close(int fd) {
    try {
      Libc.C.close(fd);
    } catch (LastErrorException ignored) {
      // closing is best effort: the descriptor is gone either way
    }
  }

  /** A Unix datagram socket, bound to {@code path} when given, else unbound (for sending). */
  static int datagram(String path) throws IOException {
    int fd = call("socket AF_UNIX", () -> Libc.C.socket(Libc.AF_UNIX, Libc.SOCK_DGRAM | Libc.SOCK_CLOEXEC, 0));
    if (!path.isEmpty()) {
      byte[] sockaddr = unix(path);
      try {
        call("bind " + path, () -> Libc.C.bind(fd, sockaddr, sockaddr.length));
      } catch (IOException e) {
        close(fd);
        throw e;
      }
    }
    return fd;
  }

  /** Sends one datagram to the Unix socket at {@code path} ({@code @name}: the abstract namespace). */
  static void send(int fd, String path, String message) throws IOException {
    byte[] data = message.getBytes(StandardCharsets.UTF_8);
    byte[] sockaddr = unix(path);
    call("sendto " + path, () -> (int) Libc.C.sendto(fd, data, new NativeLong(data.length), 0, sockaddr, sockaddr.length).longValue());
  }

  /** Receives one datagram, waiting at most the socket's receive timeout; null when none came. */
  static @org.jspecify.annotations.Nullable String receive(int fd, byte[] buffer) throws IOException {
    try {
      long n = Libc.C.recv(fd, buffer, new NativeLong(buffer.length), 0).longValue();
      return new String(buffer, 0, (int) n, StandardCharsets.UTF_8);
    } catch (LastErrorException e) {
      if (e.getErrorCode() == 11 || e.getErrorCode() == 4) { // EAGAIN: the timeout; EINTR
        return null;
      }
      throw new IOException("recv: " + e.getMessage(), e);
    }
  }

  /** Makes {@link #receive} give up after {@code millis}. */
  static void receiveTimeout(int fd, long millis) throws IOException {
    byte[] timeval = ByteBuffer.allocate(16).order(ByteOrder.nativeOrder()).putLong(millis / 1000)
        .putLong((millis % 1000) * 1000).array();
    call("setsockopt SO_RCVTIMEO", () -> Libc.C.setsockopt(fd, Libc.SOL_SOCKET, Libc.SO_RCVTIMEO, timeval, 16));
  }

  private static byte[] inet4(byte[] ip, int port) {
    ByteBuffer b = ByteBuffer.allocate(16);
    b.order(ByteOrder.nativeOrder()).putShort((short) Libc.AF_INET);
    b.order(ByteOrder.BIG_ENDIAN).putShort((short) port).put(ip);
    return b.array();
  }

  private static byte[] inet6(byte[] ip, int port) {
    ByteBuffer b = ByteBuffer.allocate(28);
    b.order(ByteOrder.nativeOrder()).putShort((short) Libc.AF_INET6);
    b.order(ByteOrder.BIG_ENDIAN).putShort((short) port).putInt(0).put(ip).putInt(0);
    return b.array();
  }

  private static byte[] unix(String path) throws IOException {
    byte[] name = path.getBytes(StandardCharsets.UTF_8);
    if (name.length > 107) {
      throw new IOException("Unix socket path longer than 107 bytes: " + path);
    }
    boolean abstractName = path.startsWith("@");
    ByteBuffer b = ByteBuffer.allocate(2 + name.length + (abstractName ? 0 : 1));
    b.order(ByteOrder.nativeOrder()).putShort((short) Libc.AF_UNIX);
    b.put(abstractName ? (byte) 0 : name[0]).put(name, 1, name.length - 1);
    return b.array();
  }

  private static byte[] intBytes(int value) {
    return ByteBuffer.allocate(4).order(ByteOrder.nativeOrder()).putInt(value).array();
  }

  @FunctionalInterface
  private interface Call {
    int run() throws LastErrorException;
  }

  private static int call(String what, Call call) throws IOException {
    try {
      return call.run();
    } catch (LastErrorException e) {
      throw new IOException(what + ": " + e.getMessage(), e);
    }
  }
}
