package dev.relive.handoff;

import java.io.BufferedReader;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channel;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import org.jspecify.annotations.Nullable;

/**
 * The application's side of {@code relive serve}: adopt the listening socket the supervisor holds, say when
 * the application is ready, and pause, resume or drain when the supervisor asks. Outside {@code relive serve}
 * everything here is inert: {@link #listen} binds as usual, {@link #ready} does nothing.
 *
 * <pre>{@code
 * ServerSocketChannel channel = Handoff.listen(new InetSocketAddress(8080));   // fd 0 under relive serve
 * Handoff handoff = Handoff.connect(new Handoff.Listener() {
 *   public void pause()  { server.stopAccepting(); }       // the next generation is baking
 *   public void resume() { server.startAccepting(); }      // it failed: serve again
 *   public void drain()  { server.finishInFlightAndExit(); }
 * });
 * server.start(channel);
 * handoff.ready();
 * }</pre>
 *
 * <p>Under {@code relive serve} the channel is inherited by every generation: closing it in one process does
 * not close it for the others, and connections that wait in the kernel's queue are accepted by whichever
 * generation accepts next — none is refused while generations change. Servers that can adopt a channel: Jetty
 * ({@code ServerConnector.setInheritChannel(true)}), Tomcat ({@code useInheritedChannel}), Netty (a channel
 * made on {@code System.inheritedChannel()}), or the JDK's NIO directly. The JDK's {@code HttpServer} cannot:
 * it always binds its own socket.
 */
public final class Handoff implements AutoCloseable {
  /** The generation number {@code relive serve} gives each child (1, 2, ...). */
  public static final String GENERATION = "RELIVE_GENERATION";
  /** The Unix socket of the supervisor's handoff channel. */
  public static final String SOCKET = "RELIVE_HANDOFF_SOCKET";

  /** What the supervisor may ask of the application. Called on the handoff thread, one at a time. */
  public interface Listener {
    /** Stop accepting new connections, keep the socket and every open connection: a new generation bakes. */
    default void pause() {}

    /** Accept again (the new generation failed during its bake). */
    default void resume() {}

    /**
     * Stop accepting for good, finish in-flight requests, close idle keep-alive connections (answer the next
     * request on each with {@code Connection: close} rather than resetting it), then exit. Without a listener
     * the supervisor sends SIGTERM instead.
     */
    void drain();
  }

  private final @Nullable SocketChannel control;

  private Handoff(@Nullable SocketChannel control) {
    this.control = control;
  }

  /** True when this process runs under {@code relive serve}. */
  public static boolean supervised() {
    return System.getenv(GENERATION) != null;
  }

  /**
   * The listening channel: under {@code relive serve} the one it passes on fd 0 (in blocking mode, like a new
   * one); otherwise a new channel bound to {@code fallback}.
   *
   * @throws IOException when supervised but fd 0 is not a listening socket, or when binding fails
   */
  public static ServerSocketChannel listen(InetSocketAddress fallback) throws IOException {
    if (!supervised()) {
      return ServerSocketChannel.open().bind(fallback);
    }
    Channel inherited = System.inheritedChannel();
    if (inherited instanceof ServerSocketChannel server) {
      return server;
    }
    throw new IOException(GENERATION + " is set but fd 0 is not a listening socket (" + inherited
        + "): start the application through relive serve, or unset " + GENERATION);
  }

  /**
   * Stops this process accepting on the inherited socket, for good: closes this process's copy of it, which
   * leaves the socket open and listening in the supervisor and the other generations, and wakes a thread
   * blocked in {@code accept()} without a connection (a server's own pause often makes a connection to wake it,
   * which under a shared socket another generation may take, leaving this one to accept — and drop — a real
   * one). Nothing outside {@code relive serve}.
   *
   * <p>Closing an inherited channel makes the JDK point fds 0, 1 and 2 at /dev/null; so standard output and
   * error are reopened first (Linux: {@code /proc/self/fd/1} and {@code 2}, the pipes relive serve reads) and
   * {@code System.out}/{@code System.err} replaced, so that logging through them (Logback's console appender,
   * Log4j's with {@code follow="true"}) goes on to the supervisor.
   */
  public static void stopAccepting() throws IOException {
    if (!supervised() || !(System.inheritedChannel() instanceof ServerSocketChannel server)) {
      return;
    }
    PrintStream out = reopen(1);
    PrintStream err = reopen(2);
    server.close();
    if (out != null) {
      System.setOut(out);
    }
    if (err != null) {
      System.setErr(err);
    }
  }

  private static @Nullable PrintStream reopen(int fd) {
    try {
      return new PrintStream(new FileOutputStream("/proc/self/fd/" + fd, true), true, Charset.defaultCharset());
    } catch (IOException e) {
      return null; // not reopenable (a socket): output after the close is lost, serving is not affected
    }
  }

  /**
   * Connects to the supervisor and hands its requests to {@code listener}; outside {@code relive serve}, an
   * inert handoff.
   */
  public static Handoff connect(Listener listener) throws IOException {
    String socket = System.getenv(SOCKET);
    if (!supervised() || socket == null) {
      return new Handoff(null);
    }
    SocketChannel channel = SocketChannel.open(UnixDomainSocketAddress.of(socket));
    Handoff handoff = new Handoff(channel);
    handoff.send("hello " + System.getenv(GENERATION) + " " + ProcessHandle.current().pid());
    Thread reader = new Thread(() -> handoff.read(listener), "relive-handoff");
    reader.setDaemon(true);
    reader.start();
    // At exit HotSpot waits up to 300 ms for threads blocked in native code, as the reader is: close it first.
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        channel.close();
      } catch (IOException ignored) {
        // exiting anyway
      }
    }, "relive-handoff-close"));
    return handoff;
  }

  /** Tells the supervisor this generation is ready to serve (its cue to switch and drain the old one). */
  public void ready() throws IOException {
    send("ready");
  }

  private synchronized void send(String line) throws IOException {
    if (control != null) {
      ByteBuffer bytes = ByteBuffer.wrap((line + "\n").getBytes(StandardCharsets.UTF_8));
      while (bytes.hasRemaining()) {
        control.write(bytes);
      }
    }
  }

  private void read(Listener listener) {
    if (control == null) {
      return;
    }
    try (BufferedReader in = new BufferedReader(new InputStreamReader(Channels.newInputStream(control),
        StandardCharsets.UTF_8))) {
      for (String line = in.readLine(); line != null; line = in.readLine()) {
        switch (line.trim()) {
          case "pause" -> listener.pause();
          case "resume" -> listener.resume();
          case "drain" -> listener.drain();
          default -> { } // a newer supervisor's request: ignored
        }
      }
    } catch (IOException e) {
      // the supervisor is gone; the application goes on serving on the socket it has
    }
  }

  @Override
  public void close() throws IOException {
    if (control != null) {
      control.close();
    }
  }
}
