package dev.relive.devloop.agent;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.lang.instrument.ClassDefinition;
import java.lang.instrument.Instrumentation;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * relive dev's Java agent, in the application's JVM: redefines classes whose structure did not change
 * ({@link Instrumentation#redefineClasses}), as the runner asks over a Unix socket.
 *
 * <p>Fenced: it acts only with the per-launch secret the runner puts in {@code RELIVE_DEV_AGENT_SECRET} and a
 * runner that answers on the socket named in the agent's argument; a JVM started with a stray
 * {@code -javaagent} (in production, say) gets one line on stderr and nothing else: no thread, no socket. It
 * uses nothing but the JDK, so its jar holds this class alone.
 */
public final class HotSwapAgent {
  /** The environment variable with the per-launch secret. */
  public static final String SECRET = "RELIVE_DEV_AGENT_SECRET";

  private HotSwapAgent() {}

  public static void premain(String args, Instrumentation instrumentation) {
    String secret = System.getenv(SECRET);
    if (secret == null || secret.isEmpty() || args == null || args.isEmpty()) {
      System.err.println("relive dev agent: not started by relive dev (no " + SECRET + "); inactive");
      return;
    }
    if (!instrumentation.isRedefineClassesSupported()) {
      System.err.println("relive dev agent: this JVM cannot redefine classes; inactive");
      return;
    }
    SocketChannel channel;
    try {
      channel = SocketChannel.open(UnixDomainSocketAddress.of(args));
    } catch (IOException | RuntimeException e) {
      System.err.println("relive dev agent: no relive dev answers at " + args + "; inactive");
      return;
    }
    Thread t = new Thread(() -> serve(channel, secret, instrumentation), "relive-dev-agent");
    t.setDaemon(true);
    t.start();
    // At exit HotSpot waits up to 300 ms for threads blocked in native code, as this one is in its read:
    // closing the channel first lets the JVM exit at once.
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        channel.close();
      } catch (IOException ignored) {
        // exiting anyway
      }
    }, "relive-dev-agent-close"));
  }

  /**
   * Says hello (the secret, the generation), then for each request: a count, then each class's name and bytes;
   * answers {@code ok} or the error.
   */
  private static void serve(SocketChannel channel, String secret, Instrumentation instrumentation) {
    try (DataInputStream in = new DataInputStream(Channels.newInputStream(channel));
        DataOutputStream out = new DataOutputStream(Channels.newOutputStream(channel))) {
      out.writeUTF(secret);
      out.writeUTF(String.valueOf(System.getenv("RELIVE_DEV_GENERATION")));
      out.writeLong(ProcessHandle.current().pid());
      out.flush();
      while (true) {
        int count = in.readInt();
        if (count < 0) { // the class-loader tier: stop and start the application in this JVM
          String why = Launcher.restart();
          out.writeUTF(why == null ? "ok" : "error " + why);
          out.flush();
          continue;
        }
        Map<String, byte[]> classes = new HashMap<>();
        for (int i = 0; i < count; i++) {
          String name = in.readUTF();
          byte[] bytes = new byte[in.readInt()];
          in.readFully(bytes);
          classes.put(name, bytes);
        }
        String answer;
        try {
          List<ClassDefinition> definitions = new ArrayList<>();
          ClassLoader app = Launcher.current(); // after class-loader restarts, older loaders' copies stay as they are
          for (Class<?> c : instrumentation.getAllLoadedClasses()) {
            byte[] bytes = classes.get(c.getName());
            if (bytes != null && !c.isArray() && (app == null || c.getClassLoader() == app)) {
              definitions.add(new ClassDefinition(c, bytes));
            }
          }
          instrumentation.redefineClasses(definitions.toArray(ClassDefinition[]::new));
          answer = "ok " + definitions.size();
        } catch (Exception | LinkageError e) {
          answer = "error " + e;
        }
        out.writeUTF(answer);
        out.flush();
      }
    } catch (IOException e) {
      // relive dev stopped or moved on to another generation
    } catch (RuntimeException | LinkageError e) {
      System.err.println("relive dev agent: stopped: " + e);
    }
  }
}
