package dev.relive.config.internal.watch;

import dev.relive.config.Registration;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.jspecify.annotations.Nullable;

/**
 * SIGHUP reloads every open live config, the way daemons conventionally re-read their configuration.
 *
 * <p>Implementation notes: the handler is installed with the first registration and the handler it
 * replaced is put back when the last registration closes, so once every config is closed SIGHUP does what
 * it did before (and a redeployed application's class loader is not pinned by the JVM's handler table). It
 * goes through {@code sun.misc.Signal} (module jdk.unsupported, which module-info requires) by reflection,
 * because javac reports any direct use as a warning that cannot be suppressed. A handler that was installed
 * before ours is still called; the JVM's default (which would exit) is not: it comes back from
 * {@code Signal.handle} wrapped in a {@code sun.misc.Signal} inner class and is replaced, not chained. Where
 * the JVM does not allow it ({@code -Xrs}) this is logged and reloads stay available through every other
 * trigger.
 */
public final class Signals {
  private static final Logger LOG = LoggerFactory.getLogger(Signals.class);
  private static final Set<Runnable> LISTENERS = new LinkedHashSet<>();
  private static @Nullable Installed installed;

  private Signals() {}

  /** What was installed: the reflective handles, our handler, and the one it replaced. */
  private record Installed(Method handle, Object hup, Object ours, Object previous) {}

  /**
   * Calls {@code onSighup} on every SIGHUP until the registration is closed.
   *
   * @return whether the handler is in place ({@code false} where the JVM refuses it) and how to stop
   */
  public static synchronized Registration onSighup(Runnable onSighup) {
    if (LISTENERS.add(onSighup) && installed == null) {
      installed = install();
    }
    return () -> remove(onSighup);
  }

  /** True while our handler is installed. */
  public static synchronized boolean active() {
    return installed != null;
  }

  private static synchronized void remove(Runnable onSighup) {
    if (!LISTENERS.remove(onSighup) || !LISTENERS.isEmpty() || installed == null) {
      return;
    }
    try {
      installed.handle.invoke(null, installed.hup, installed.previous);
      LOG.debug("SIGHUP handler removed; the previous one is back");
    } catch (ReflectiveOperationException | RuntimeException e) {
      LOG.warn("could not restore the previous SIGHUP handler: {}", e.toString());
    }
    installed = null;
  }

  private static void fire() {
    List<Runnable> all;
    synchronized (Signals.class) {
      all = new ArrayList<>(LISTENERS);
    }
    for (Runnable r : all) {
      try {
        r.run();
      } catch (VirtualMachineError e) {
        throw e;
      } catch (Throwable e) {
        LOG.warn("a SIGHUP reload request failed", e);
      }
    }
  }

  private static @Nullable Installed install() {
    try {
      Class<?> signalType = Class.forName("sun.misc.Signal");
      Class<?> handlerType = Class.forName("sun.misc.SignalHandler");
      Object hup = signalType.getConstructor(String.class).newInstance("HUP");
      Object ignore = handlerType.getField("SIG_IGN").get(null);
      Object fallback = handlerType.getField("SIG_DFL").get(null);
      Method call = handlerType.getMethod("handle", signalType);
      Method handle = signalType.getMethod("handle", signalType, handlerType);
      Object[] previous = new Object[1];
      Object ours = Proxy.newProxyInstance(handlerType.getClassLoader(), new Class<?>[] {handlerType}, (proxy, m, args) -> {
        switch (m.getName()) {
          case "handle" -> {
            fire();
            Object before = previous[0];
            if (before != null && before != ignore && before != fallback
                && !before.getClass().getName().startsWith("sun.misc.Signal$")) {
              call.invoke(before, args[0]);
            }
            return null;
          }
          case "hashCode" -> {
            return System.identityHashCode(proxy);
          }
          case "equals" -> {
            return proxy == args[0];
          }
          default -> {
            return "relive SIGHUP handler";
          }
        }
      });
      previous[0] = handle.invoke(null, hup, ours);
      LOG.debug("SIGHUP now reloads every live config");
      return new Installed(handle, hup, ours, previous[0]);
    } catch (ReflectiveOperationException | LinkageError | RuntimeException e) {
      LOG.warn("SIGHUP reloads are not available in this JVM ({}); reload() and file watching still work", e.toString());
      return null;
    }
  }
}
