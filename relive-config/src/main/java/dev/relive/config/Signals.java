package dev.relive.config;

import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.WeakHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SIGHUP reloads every open live config, the way daemons conventionally re-read their configuration.
 *
 * <p>Implementation notes: the handler is installed once, on the first config built with SIGHUP reloads on,
 * through {@code sun.misc.Signal} (module jdk.unsupported) by reflection, because javac reports any direct
 * use as a warning that cannot be suppressed. A handler that was installed before ours is still called; the
 * JVM's default (which would exit) is not. Where the JVM does not allow it ({@code -Xrs}, no jdk.unsupported)
 * this is logged once and reloads stay available through every other trigger. The JVM's own SIGHUP handler
 * (which runs shutdown hooks and exits) comes back from {@code Signal.handle} wrapped in a
 * {@code sun.misc.Signal} inner class; it is replaced, not chained, since exiting is what SIGHUP must no
 * longer do.
 */
final class Signals {
  private static final Logger LOG = LoggerFactory.getLogger(Signals.class);
  private static final Set<ReloadPipeline<?>> CONFIGS = Collections.synchronizedSet(Collections.newSetFromMap(new WeakHashMap<>()));
  private static boolean installed;

  private Signals() {}

  static void register(ReloadPipeline<?> pipeline) {
    CONFIGS.add(pipeline);
    install();
  }

  static void unregister(ReloadPipeline<?> pipeline) {
    CONFIGS.remove(pipeline);
  }

  static void reloadAll(String cause) {
    List<ReloadPipeline<?>> all;
    synchronized (CONFIGS) {
      all = new ArrayList<>(CONFIGS);
    }
    all.forEach(p -> p.requestReload(cause));
  }

  private static synchronized void install() {
    if (installed) {
      return;
    }
    installed = true;
    try {
      Class<?> signalType = Class.forName("sun.misc.Signal");
      Class<?> handlerType = Class.forName("sun.misc.SignalHandler");
      Object hup = signalType.getConstructor(String.class).newInstance("HUP");
      Object ignore = handlerType.getField("SIG_IGN").get(null);
      Object fallback = handlerType.getField("SIG_DFL").get(null);
      Method handle = handlerType.getMethod("handle", signalType);
      Object[] previous = new Object[1];
      Object ours = Proxy.newProxyInstance(handlerType.getClassLoader(), new Class<?>[] {handlerType}, (proxy, m, args) -> {
        switch (m.getName()) {
          case "handle" -> {
            reloadAll("SIGHUP");
            Object before = previous[0];
            if (before != null && before != ignore && before != fallback
                && !before.getClass().getName().startsWith("sun.misc.Signal$")) {
              handle.invoke(before, args[0]);
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
      previous[0] = signalType.getMethod("handle", signalType, handlerType).invoke(null, hup, ours);
      LOG.debug("SIGHUP now reloads every live config");
    } catch (ReflectiveOperationException | LinkageError | RuntimeException e) {
      LOG.info("SIGHUP reloads are not available in this JVM ({}); reload() and file watching still work", e.toString());
    }
  }
}
