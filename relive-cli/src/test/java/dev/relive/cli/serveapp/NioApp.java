package dev.relive.cli.serveapp;

import com.sun.net.httpserver.HttpServer;
import dev.relive.handoff.Handoff;
import dev.relive.handoff.serve.Notify;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * A plain NIO HTTP/1.1 server (keep-alive) for relive serve's tests: it adopts the inherited socket through
 * Handoff, answers every request with its version, pauses, resumes and drains on request. Its version file
 * says what it is and how it behaves: {@code v2} (a version), {@code crash} (exits at start), {@code hang}
 * (never ready), {@code sick} (ready, then its health probe fails), {@code slow} (ready after two seconds).
 *
 * <p>For the benchmark's peers it can also bind a port of its own ({@code NIOAPP_PORT}), with {@code
 * SO_REUSEPORT} when {@code NIOAPP_REUSEPORT=1}; SIGTERM then drains it the same way (stop accepting, {@code
 * Connection: close} on each connection's next response, exit when none is left).
 */
public final class NioApp {
  private final Selector selector = Selector.open();
  private final Queue<Runnable> tasks = new ConcurrentLinkedQueue<>();
  private final ServerSocketChannel server;
  private final byte[] body;
  private volatile boolean draining;
  private SelectionKey acceptKey;

  private NioApp(ServerSocketChannel server, String version) throws IOException {
    this.server = server;
    this.body = (version + "\n").getBytes(StandardCharsets.UTF_8);
    server.configureBlocking(false);
    acceptKey = server.register(selector, SelectionKey.OP_ACCEPT);
  }

  public static void main(String[] args) throws Exception {
    String version = Files.readString(Path.of(args[0])).trim();
    System.out.println("starting " + version + " generation " + System.getenv(Handoff.GENERATION));
    if (version.equals("crash")) {
      System.out.println("cannot start: the database is unreachable");
      System.exit(3);
    }
    long startedAt = System.nanoTime();
    String admin = System.getenv("RELIVE_ADMIN_PORT");
    if (admin != null) {
      HttpServer health = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(),
          Integer.parseInt(admin)), 0);
      health.createContext("/health", ex -> {
        boolean sick = version.equals("sick") && System.nanoTime() - startedAt > 1_500_000_000L;
        ex.sendResponseHeaders(sick ? 503 : 200, -1);
        ex.close();
      });
      health.start();
    }
    String ownPort = System.getenv("NIOAPP_PORT");
    ServerSocketChannel channel;
    if (ownPort != null) {
      channel = ServerSocketChannel.open();
      channel.setOption(java.net.StandardSocketOptions.SO_REUSEADDR, true);
      if ("1".equals(System.getenv("NIOAPP_REUSEPORT"))) {
        channel.setOption(java.net.StandardSocketOptions.SO_REUSEPORT, true);
      }
      channel.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), Integer.parseInt(ownPort)), 4096);
    } else {
      channel = Handoff.listen(new InetSocketAddress(InetAddress.getLoopbackAddress(), 8080));
    }
    NioApp app = new NioApp(channel, version);
    java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      app.run(() -> {
        app.draining = true;
        app.acceptKey.cancel();
        if (ownPort != null) {
          try {
            channel.close(); // its own socket: closing it is how it stops accepting
          } catch (IOException e) {
            // closing anyway
          }
        }
      });
      try {
        done.await(10, java.util.concurrent.TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }));
    Handoff handoff = Handoff.connect(new Handoff.Listener() {
      @Override
      public void pause() {
        app.run(() -> app.acceptKey.interestOps(0));
        System.out.println("paused");
      }

      @Override
      public void resume() {
        app.run(() -> app.acceptKey.interestOps(SelectionKey.OP_ACCEPT));
        System.out.println("resumed");
      }

      @Override
      public void drain() {
        System.out.println("draining");
        app.run(() -> {
          app.draining = true;
          app.acceptKey.cancel();
        });
      }
    });
    if (version.equals("hang")) {
      Thread.sleep(Long.MAX_VALUE);
    }
    if (version.equals("slow")) {
      Thread.sleep(2000);
    }
    handoff.ready();
    Notify.send(System.getenv("NOTIFY_SOCKET"), "READY=1");
    System.out.println("ready " + version);
    app.loop();
    System.out.println("drained");
    done.countDown();
    System.exit(0); // the health server's threads would keep the JVM up
  }

  private void run(Runnable task) {
    tasks.add(task);
    selector.wakeup();
  }

  /** Serves until drained: no longer accepting and no connection left. */
  private void loop() throws IOException {
    while (true) {
      selector.select(500);
      for (Runnable t = tasks.poll(); t != null; t = tasks.poll()) {
        t.run();
      }
      for (SelectionKey key : selector.selectedKeys()) {
        if (!key.isValid()) {
          continue;
        }
        if (key.isAcceptable()) {
          SocketChannel c = server.accept();
          if (c != null) {
            c.configureBlocking(false);
            c.register(selector, SelectionKey.OP_READ, new Conn());
          }
        } else if (key.isReadable()) {
          read(key);
        }
      }
      selector.selectedKeys().clear();
      if (draining) {
        // Idle keep-alive connections (no request for a second) are closed; the rest get Connection: close.
        long now = System.nanoTime();
        for (SelectionKey k : selector.keys()) {
          if (k.isValid() && k.attachment() instanceof Conn conn && now - conn.last > 1_000_000_000L) {
            k.cancel();
            k.channel().close();
          }
        }
        if (selector.keys().stream().noneMatch(k -> k.isValid() && k.channel() instanceof SocketChannel)) {
          return;
        }
      }
    }
  }

  private void read(SelectionKey key) throws IOException {
    SocketChannel c = (SocketChannel) key.channel();
    Conn conn = (Conn) key.attachment();
    conn.last = System.nanoTime();
    StringBuilder request = conn.request;
    ByteBuffer in = ByteBuffer.allocate(4096);
    int n;
    try {
      n = c.read(in);
    } catch (IOException e) {
      n = -1;
    }
    if (n < 0) {
      key.cancel();
      c.close();
      return;
    }
    request.append(new String(in.array(), 0, n, StandardCharsets.ISO_8859_1));
    int end;
    while ((end = request.indexOf("\r\n\r\n")) >= 0) {
      request.delete(0, end + 4);
      // Draining: answer this request, then close the connection, telling the client so (no reset).
      boolean close = draining;
      String head = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " + body.length + "\r\n"
          + (close ? "Connection: close\r\n" : "") + "\r\n";
      ByteBuffer out = ByteBuffer.wrap((head + new String(body, StandardCharsets.ISO_8859_1))
          .getBytes(StandardCharsets.ISO_8859_1));
      while (out.hasRemaining()) {
        c.write(out); // a small response: the socket buffer takes it
      }
      if (close) {
        key.cancel();
        c.close();
        return;
      }
    }
  }

  /** A connection's unread request bytes and when it was last active. */
  private static final class Conn {
    final StringBuilder request = new StringBuilder();
    long last = System.nanoTime();
  }
}
