package dev.relive.devloop;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Set;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.FieldVisitor;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.commons.ClassRemapper;
import org.objectweb.asm.commons.Remapper;

/**
 * What the incremental compile needs to know of one compiled class: the classes it refers to (anywhere:
 * signatures, code, annotations), and a digest of its API as other classes see it (non-private members,
 * their descriptors and signatures, constant values, the hierarchy). Two versions of a class with the same
 * API digest can be swapped without recompiling the classes that use it; otherwise those must be compiled
 * again (a changed signature left to the JVM is a {@code NoSuchMethodError}; a changed constant is inlined
 * in its users, whose class files then do not name this class at all: {@code constants} says so).
 *
 * @param name the class's internal name ({@code com/example/Greeter})
 */
record ClassInfo(String name, Set<String> references, String api, boolean constants) {
  static ClassInfo read(byte[] classFile) {
    ClassReader reader = new ClassReader(classFile);
    Set<String> references = new TreeSet<>();
    Remapper collector = new Remapper(Opcodes.ASM9) {
      @Override
      public String map(String internalName) {
        references.add(internalName);
        return internalName;
      }
    };
    // The remapper visits only what its delegate asks for: a writer asks for everything (fields, code, ...).
    reader.accept(new ClassRemapper(new ClassWriter(0), collector), 0);
    Api api = new Api();
    reader.accept(api, ClassReader.SKIP_CODE | ClassReader.SKIP_DEBUG | ClassReader.SKIP_FRAMES);
    references.remove(reader.getClassName());
    return new ClassInfo(reader.getClassName(), Set.copyOf(references), api.digest(), api.constants);
  }

  /** Collects the API in a canonical text, sorted, then digests it. */
  private static final class Api extends ClassVisitor {
    private final Set<String> lines = new TreeSet<>();
    private boolean constants;

    Api() {
      super(Opcodes.ASM9);
    }

    @Override
    public void visit(int version, int access, String name, @Nullable String signature, @Nullable String superName,
        String @Nullable [] interfaces) {
      String[] sorted = interfaces == null ? new String[0] : interfaces.clone();
      Arrays.sort(sorted);
      lines.add("class " + access + " " + name + " " + signature + " " + superName + " " + String.join(",", sorted));
    }

    @Override
    public @Nullable FieldVisitor visitField(int access, String name, String descriptor, @Nullable String signature,
        @Nullable Object value) {
      if ((access & Opcodes.ACC_PRIVATE) == 0) {
        lines.add("field " + access + " " + name + " " + descriptor + " " + signature + " = " + value);
      }
      constants |= value != null; // javac inlines it into its users, leaving no reference to this class

      return null;
    }

    @Override
    public @Nullable MethodVisitor visitMethod(int access, String name, String descriptor, @Nullable String signature,
        String @Nullable [] exceptions) {
      if ((access & Opcodes.ACC_PRIVATE) == 0) {
        lines.add("method " + access + " " + name + descriptor + " " + signature + " throws "
            + (exceptions == null ? "" : String.join(",", exceptions)));
      }
      return null;
    }

    @Override
    public void visitInnerClass(String name, @Nullable String outerName, @Nullable String innerName, int access) {
      lines.add("inner " + name + " " + access);
    }

    @Override
    public void visitPermittedSubclass(String permittedSubclass) {
      lines.add("permits " + permittedSubclass);
    }

    String digest() {
      try {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        for (String line : lines) {
          md.update(line.getBytes(StandardCharsets.UTF_8));
          md.update((byte) '\n');
        }
        return HexFormat.of().formatHex(md.digest(), 0, 16);
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException(e);
      }
    }
  }
}
