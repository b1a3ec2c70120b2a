package dev.relive.devloop;

import dev.relive.devloop.agent.HotSwapAgent;
import dev.relive.devloop.agent.Launcher;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.FieldVisitor;
import org.objectweb.asm.Handle;
import org.objectweb.asm.Label;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;

/**
 * The HotSwap tier: the application runs with relive dev's agent; when a build changes only method bodies
 * (every changed class keeps its fields, methods, signatures and hierarchy: what the JVM can redefine), the
 * changed classes are redefined in the running JVM — no restart, state kept. Anything else (a class added to a
 * hierarchy's shape, a deleted class, a resource) takes the restart tier, with the reason.
 *
 * <p>The runner's end: the agent jar (written once into {@code .relive-dev/}), the Unix socket each
 * generation's agent connects to with the launch's secret, and {@link #plan}, which decides from the class
 * files of the serving build and the new one.
 */
final class HotSwap implements AutoCloseable {
  private static final long ANSWER_MILLIS = 10_000;

  private final Path jar;
  private final Path socket;
  private final String secret = HexFormat.of().formatHex(new SecureRandom().generateSeed(16));
  private final ServerSocketChannel server;
  /** Each generation's agent connection, once it said hello with the secret. */
  private final Map<Integer, SocketChannel> agents = new ConcurrentHashMap<>();

  HotSwap(Path work) throws IOException {
    this.jar = work.resolve("relive-dev-agent.jar");
    this.socket = work.resolve("agent.sock");
    writeAgentJar(jar);
    Files.deleteIfExists(socket);
    server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    server.bind(UnixDomainSocketAddress.of(socket));
    Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-------"));
    Thread t = new Thread(this::accept, "relive-dev-agents");
    t.setDaemon(true);
    t.start();
  }

  /** The JVM options that load the agent, and the environment that arms it. */
  List<String> jvmOptions() {
    return List.of("-javaagent:" + jar + "=" + socket);
  }

  Map<String, String> environment() {
    return Map.of(HotSwapAgent.SECRET, secret);
  }

  /** Whether generation {@code generation}'s agent is connected (it connects while the JVM starts). */
  boolean connected(int generation) {
    SocketChannel c = agents.get(generation);
    return c != null && c.isConnected();
  }

  /** Forgets a generation that stopped. */
  void forget(int generation) {
    SocketChannel c = agents.remove(generation);
    if (c != null) {
      try {
        c.close();
      } catch (IOException ignored) {
        // gone with its process
      }
    }
  }

  /**
   * Redefines {@code classes} (binary name → class file) in generation {@code generation}.
   *
   * @return null when done, else why not (the caller restarts instead)
   */
  @Nullable String redefine(int generation, Map<String, byte[]> classes) {
    String why = ask(generation, out -> {
      out.writeInt(classes.size());
      for (var e : classes.entrySet()) {
        out.writeUTF(e.getKey());
        out.writeInt(e.getValue().length);
        out.write(e.getValue());
      }
    });
    return why == null ? null : "the JVM refused the redefinition: " + why;
  }

  /**
   * The class-loader tier: asks generation {@code generation}'s launcher to stop the application in-process and
   * run the current build in a fresh loader.
   *
   * @return null when done, else why not
   */
  @Nullable String restartLoader(int generation) {
    return ask(generation, out -> out.writeInt(-1));
  }

  /** A request to the agent. */
  @FunctionalInterface
  private interface Request {
    void write(DataOutputStream out) throws IOException;
  }

  /** Sends a request to generation {@code generation}'s agent; null when it answers ok, else why not. Bounded. */
  private @Nullable String ask(int generation, Request request) {
    SocketChannel c = agents.get(generation);
    if (c == null) {
      return "the agent of generation " + generation + " is not connected";
    }
    CompletableFuture<String> answer = CompletableFuture.supplyAsync(() -> {
      try {
        DataOutputStream out = new DataOutputStream(Channels.newOutputStream(c));
        request.write(out);
        out.flush();
        return new DataInputStream(Channels.newInputStream(c)).readUTF();
      } catch (IOException e) {
        return "error " + e;
      }
    });
    try {
      String a = answer.get(ANSWER_MILLIS, TimeUnit.MILLISECONDS);
      return a.startsWith("ok") ? null : a.substring(a.indexOf(' ') + 1);
    } catch (TimeoutException e) {
      forget(generation);
      return "the agent did not answer within " + ANSWER_MILLIS + " ms";
    } catch (ExecutionException e) {
      return "the agent failed: " + e.getCause();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "interrupted";
    }
  }

  /** The main class and arguments that start {@code main} through the launcher, with its classes from {@code dir}. */
  static List<String> launch(String main, Path dir) {
    return List.of(Launcher.class.getName(), main, dir.toString());
  }

  private void accept() {
    while (server.isOpen()) {
      try {
        SocketChannel c = server.accept();
        DataInputStream in = new DataInputStream(Channels.newInputStream(c));
        // Only an agent started with this launch's secret is heard.
        if (!in.readUTF().equals(secret)) {
          c.close();
          continue;
        }
        String generation = in.readUTF();
        in.readLong();
        agents.put(Integer.parseInt(generation), c);
      } catch (IOException | NumberFormatException e) {
        if (!server.isOpen()) {
          return;
        }
      }
    }
  }

  @Override
  public void close() {
    try {
      server.close();
    } catch (IOException ignored) {
      // closing anyway
    }
    agents.keySet().forEach(this::forget);
    try {
      Files.deleteIfExists(socket);
    } catch (IOException ignored) {
      // left in .relive-dev, replaced next time
    }
  }

  /** What a build changes, and whether HotSwap can take it. */
  record Plan(Map<String, byte[]> redefine, List<String> added, @Nullable String refusal, List<String> notes) {
    boolean possible() {
      return refusal == null;
    }
  }

  /**
   * Compares the class files of the serving build and the new one.
   *
   * @return the classes to redefine, or the reason HotSwap cannot take this build (a class deleted, one whose
   *     structure changed, or the main class, whose main() already ran), with notes on what a redefinition does not do (static initializers do not
   *     run again)
   */
  static Plan plan(Path before, Path after, String mainClass) throws IOException {
    Map<String, Path> old = classes(before);
    Map<String, Path> now = classes(after);
    Map<String, byte[]> redefine = new LinkedHashMap<>();
    List<String> added = new ArrayList<>();
    List<String> notes = new ArrayList<>();
    for (String name : new TreeSet<>(old.keySet())) {
      if (!now.containsKey(name)) {
        return new Plan(Map.of(), List.of(), name + " was deleted", List.of());
      }
    }
    for (var e : new java.util.TreeMap<>(now).entrySet()) {
      String name = e.getKey();
      Path was = old.get(name);
      if (was == null) {
        added.add(name);
        continue;
      }
      if (Files.isSameFile(was, e.getValue())) {
        continue; // a hard link to the same class file: unchanged
      }
      byte[] a = Files.readAllBytes(was);
      byte[] b = Files.readAllBytes(e.getValue());
      if (java.util.Arrays.equals(a, b)) {
        continue;
      }
      Shape sa = Shape.of(a);
      Shape sb = Shape.of(b);
      if (!sa.structure().equals(sb.structure())) {
        return new Plan(Map.of(), List.of(), name + " changed its structure (" + sa.difference(sb) + ")", List.of());
      }
      if (name.equals(mainClass)) {
        // Its main() ran at start and will not run again: what it set up would keep the old code's shape.
        return new Plan(Map.of(), List.of(), "the main class " + name + " changed (main() runs only at start)", List.of());
      }
      if (!Objects.equals(sa.staticInit(), sb.staticInit())) {
        notes.add("the static initializer of " + name + " changed: it does not run again (restart to run it)");
      }
      redefine.put(name, b);
    }
    // A new class is loaded from the new build (the class path's link now points at it) when first used.
    return new Plan(redefine, added, null, notes);
  }

  /** Binary class names ({@code com.example.Greeter}) to their files under {@code root}. */
  static Map<String, Path> classes(Path root) throws IOException {
    Map<String, Path> out = new java.util.HashMap<>();
    try (Stream<Path> s = Files.walk(root)) {
      s.filter(p -> p.toString().endsWith(".class") && !p.getFileName().toString().equals("module-info.class"))
          .forEach(p -> {
            String rel = root.relativize(p).toString();
            out.put(rel.substring(0, rel.length() - ".class".length()).replace('/', '.'), p);
          });
    }
    return out;
  }

  /**
   * A class's structure as the JVM's redefinition sees it (modifiers, hierarchy, fields, methods with their
   * descriptors and modifiers, and constant values), and its static initializer's code.
   */
  record Shape(List<String> structure, @Nullable String staticInit) {
    static Shape of(byte[] classFile) {
      List<String> structure = new ArrayList<>();
      StringBuilder clinit = new StringBuilder();
      boolean[] hasClinit = {false};
      new ClassReader(classFile).accept(new ClassVisitor(Opcodes.ASM9) {
        @Override
        public void visit(int version, int access, String name, @Nullable String signature, @Nullable String superName,
            String @Nullable [] interfaces) {
          structure.add("class " + (access & ~Opcodes.ACC_SUPER) + " " + name + " extends " + superName
              + " implements " + (interfaces == null ? "" : String.join(",", interfaces)));
        }

        @Override
        public @Nullable FieldVisitor visitField(int access, String name, String descriptor, @Nullable String signature,
            @Nullable Object value) {
          structure.add("field " + access + " " + name + " " + descriptor + (value == null ? "" : " = " + value));
          return null;
        }

        @Override
        public @Nullable MethodVisitor visitMethod(int access, String name, String descriptor, @Nullable String signature,
            String @Nullable [] exceptions) {
          if (name.equals("<clinit>")) {
            hasClinit[0] = true;
            return new CodeText(clinit);
          }
          structure.add("method " + access + " " + name + descriptor);
          return null;
        }
      }, ClassReader.SKIP_DEBUG | ClassReader.SKIP_FRAMES);
      java.util.Collections.sort(structure.subList(1, structure.size()));
      return new Shape(List.copyOf(structure), hasClinit[0] ? clinit.toString() : null);
    }

    /** The first difference, for the reason printed. */
    String difference(Shape other) {
      for (String s : other.structure) {
        if (!structure.contains(s)) {
          return "new or changed: " + s;
        }
      }
      for (String s : structure) {
        if (!other.structure.contains(s)) {
          return "removed: " + s;
        }
      }
      return "changed";
    }
  }

  /** A method's instructions as text, to see whether a static initializer changed. */
  private static final class CodeText extends MethodVisitor {
    private final StringBuilder out;

    CodeText(StringBuilder out) {
      super(Opcodes.ASM9);
      this.out = out;
    }

    @Override
    public void visitInsn(int opcode) {
      out.append(opcode).append(';');
    }

    @Override
    public void visitIntInsn(int opcode, int operand) {
      out.append(opcode).append(' ').append(operand).append(';');
    }

    @Override
    public void visitVarInsn(int opcode, int var) {
      out.append(opcode).append(' ').append(var).append(';');
    }

    @Override
    public void visitTypeInsn(int opcode, String type) {
      out.append(opcode).append(' ').append(type).append(';');
    }

    @Override
    public void visitFieldInsn(int opcode, String owner, String name, String descriptor) {
      out.append(opcode).append(' ').append(owner).append('.').append(name).append(';');
    }

    @Override
    public void visitMethodInsn(int opcode, String owner, String name, String descriptor, boolean isInterface) {
      out.append(opcode).append(' ').append(owner).append('.').append(name).append(descriptor).append(';');
    }

    @Override
    public void visitInvokeDynamicInsn(String name, String descriptor, Handle bootstrap, Object... arguments) {
      out.append("indy ").append(name).append(descriptor).append(java.util.Arrays.toString(arguments)).append(';');
    }

    @Override
    public void visitJumpInsn(int opcode, Label label) {
      out.append(opcode).append(';');
    }

    @Override
    public void visitLdcInsn(Object value) {
      out.append("ldc ").append(value).append(';');
    }

    @Override
    public void visitIincInsn(int var, int increment) {
      out.append("iinc ").append(var).append(' ').append(increment).append(';');
    }
  }

  /** The agent jar: the agent and the launcher (on the JVM's class path with the agent), and a manifest. */
  private static void writeAgentJar(Path jar) throws IOException {
    Manifest manifest = new Manifest();
    Attributes a = manifest.getMainAttributes();
    a.put(Attributes.Name.MANIFEST_VERSION, "1.0");
    a.put(new Attributes.Name("Premain-Class"), HotSwapAgent.class.getName());
    a.put(new Attributes.Name("Can-Redefine-Classes"), "true");
    Path tmp = jar.resolveSibling(jar.getFileName() + ".tmp");
    try (OutputStream file = Files.newOutputStream(tmp); JarOutputStream out = new JarOutputStream(file, manifest)) {
      for (Class<?> c : List.of(HotSwapAgent.class, Launcher.class)) {
        String entry = c.getName().replace('.', '/') + ".class";
        try (InputStream in = Objects.requireNonNull(HotSwap.class.getClassLoader().getResourceAsStream(entry),
            entry + " is not on the class path")) {
          out.putNextEntry(new JarEntry(entry));
          in.transferTo(out);
          out.closeEntry();
        }
      }
    }
    Files.move(tmp, jar, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
  }
}
