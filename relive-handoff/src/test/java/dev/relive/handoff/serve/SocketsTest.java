package dev.relive.handoff.serve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.relive.handoff.Handoff;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The libc layer on real sockets, and the app side outside relive serve. */
class SocketsTest {
  @TempDir
  Path dir;

  @Test
  void listensOnAPortItPicks_andAcceptsConnections() throws Exception {
    int fd = Sockets.listen(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
    try {
      int port = Sockets.port(fd);
      assertThat(port).isPositive();
      try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
        assertThat(s.isConnected()).as("the kernel queues it until someone accepts").isTrue();
      }
    } finally {
      Sockets.close(fd);
    }
  }

  @Test
  void aPortInUse_isAnErrorNamingTheCallAndTheAddress() throws Exception {
    try (ServerSocketChannel taken = ServerSocketChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
      InetSocketAddress address = (InetSocketAddress) taken.getLocalAddress();
      assertThatThrownBy(() -> Sockets.listen(address, 16)).isInstanceOf(IOException.class)
          .hasMessageStartingWith("bind " + address).hasMessageContaining("Address already in use");
    }
  }

  @Test
  void socketActivation_onlyForThisProcess() throws Exception {
    assertThat(Sockets.fromSystemd(Map.of(), 42)).isEqualTo(-1);
    assertThat(Sockets.fromSystemd(Map.of("LISTEN_PID", "41", "LISTEN_FDS", "1"), 42)).as("meant for another process")
        .isEqualTo(-1);
  }

  @Test
  void notifyDatagrams_goBothWays() throws Exception {
    List<String> got = new CopyOnWriteArrayList<>();
    Path socket = dir.resolve("notify.sock");
    Notify n = Notify.listen(socket, got::add);
    try {
      Notify.send(socket.toString(), "READY=1\nSTATUS=up");
      await().atMost(Duration.ofSeconds(10)).until(() -> got.contains("READY=1\nSTATUS=up"));
    } finally {
      n.close();
    }
    Notify.send(null, "READY=1"); // not under systemd: nothing to tell
    assertThatThrownBy(() -> Notify.send(socket.toString(), "READY=1")).isInstanceOf(IOException.class)
        .hasMessageStartingWith("sendto " + socket);
  }

  @Test
  void outsideReliveServe_handoffBindsAsUsual_andIsInert() throws Exception {
    assertThat(Handoff.supervised()).isFalse();
    try (ServerSocketChannel channel = Handoff.listen(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        Handoff handoff = Handoff.connect(() -> { })) {
      assertThat(channel.getLocalAddress()).isNotNull();
      handoff.ready(); // nothing to tell
    }
  }
}
