package dev.relive.handoff.serve;

import java.lang.reflect.Method;
import java.lang.reflect.Proxy;

/**
 * A handler for a POSIX signal through {@code sun.misc.Signal}, by reflection (javac warns about any direct use,
 * and those warnings cannot be suppressed). For SIGHUP, which asks the supervisor to upgrade.
 */
final class Signals {
  private Signals() {}

  static void on(String signal, Runnable handler) {
    try {
      Class<?> signalType = Class.forName("sun.misc.Signal");
      Class<?> handlerType = Class.forName("sun.misc.SignalHandler");
      Object sig = signalType.getConstructor(String.class).newInstance(signal);
      Object proxy = Proxy.newProxyInstance(handlerType.getClassLoader(), new Class<?>[] {handlerType},
          (p, m, args) -> {
            if (m.getName().equals("handle")) {
              handler.run();
              return null;
            }
            return m.getName().equals("hashCode") ? (Object) System.identityHashCode(p)
                : m.getName().equals("equals") ? (Object) (p == args[0]) : "relive serve " + signal + " handler";
          });
      Method handle = signalType.getMethod("handle", signalType, handlerType);
      handle.invoke(null, sig, proxy);
    } catch (ReflectiveOperationException | LinkageError | RuntimeException e) {
      throw new IllegalStateException("cannot handle SIG" + signal + " in this JVM: " + e, e);
    }
  }
}
