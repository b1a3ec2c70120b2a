package dev.relive.devloop.agent;

import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The class-loader tier: relive dev starts the application through this class, which keeps the dependencies
 * in the JVM's class loader and loads the application's own classes in a child loader; a restart runs the
 * shutdown hooks the application registered (servers stop there; Spring Boot closes its context there), checks
 * that the application's threads are gone, then loads the new build in a fresh child loader and calls
 * {@code main} again — in the same warm JVM.
 *
 * <p>Started as {@code Launcher MAIN CLASSES_DIR ARGS...}; reads {@code java.lang.ApplicationShutdownHooks}
 * reflectively, which needs {@code --add-opens java.base/java.lang=ALL-UNNAMED} (relive dev passes it).
 */
public final class Launcher {
  private static final long STOP_MILLIS = 5_000;

  private static String mainClass = "";
  private static Path classes = Path.of(".");
  private static String[] args = new String[0];
  private static volatile @org.jspecify.annotations.Nullable URLClassLoader loader;
  private static volatile List<Thread> threadsBefore = List.of();
  private static volatile Thread firstMain = Thread.currentThread();

  private Launcher() {}

  public static void main(String[] argv) throws Exception {
    mainClass = argv[0];
    classes = Path.of(argv[1]);
    args = Arrays.copyOfRange(argv, 2, argv.length);
    threadsBefore = List.copyOf(Thread.getAllStackTraces().keySet());
    firstMain = Thread.currentThread();
    start(true);
  }

  /** Loads the build in a new child loader and runs main (on this thread the first time, else on a new one). */
  private static void start(boolean here) throws Exception {
    URLClassLoader l = new URLClassLoader("relive-dev-app", new URL[] {classes.toUri().toURL()},
        Launcher.class.getClassLoader());
    loader = l;
    Method main = Class.forName(mainClass, true, l).getMethod("main", String[].class);
    if (here) {
      Thread.currentThread().setContextClassLoader(l);
      main.invoke(null, (Object) args);
      return;
    }
    CountDownLatch returned = new CountDownLatch(1);
    Throwable[] failure = new Throwable[1];
    Thread t = new Thread(() -> {
      try {
        main.invoke(null, (Object) args);
      } catch (Throwable e) {
        failure[0] = e.getCause() != null ? e.getCause() : e;
        e.printStackTrace();
      } finally {
        returned.countDown();
      }
    }, "main");
    t.setContextClassLoader(l);
    t.setDaemon(false); // as the JVM's main thread is (it would inherit the agent thread's daemon status)
    t.start();
    // main usually starts servers and returns, or keeps running; a throw within a moment is a failed start.
    if (returned.await(1, TimeUnit.SECONDS) && failure[0] != null) {
      throw new IllegalStateException("main failed: " + failure[0], failure[0]);
    }
  }

  /** The loader of the application's classes now, or null when the application was not started through here. */
  static @org.jspecify.annotations.Nullable ClassLoader current() {
    return loader;
  }

  /**
   * Stops the application in-process and starts the build again in a fresh loader.
   *
   * @return null when done, else why not (the runner then starts a fresh JVM)
   */
  static @org.jspecify.annotations.Nullable String restart() {
    // Once the application's threads have stopped, nothing but this keeps the JVM from exiting before the new
    // main() has started: a non-daemon thread that waits for that.
    CountDownLatch started = new CountDownLatch(1);
    Thread keeper = new Thread(() -> {
      try {
        started.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "relive-dev-restart");
    keeper.setDaemon(false); // threads inherit the agent thread's daemon status otherwise
    keeper.start();
    try {
      return restartNow(keeper);
    } finally {
      started.countDown();
    }
  }

  private static @org.jspecify.annotations.Nullable String restartNow(Thread keeper) {
    try {
      List<Thread> hooks = takeApplicationHooks();
      if (hooks.isEmpty()) {
        return "the application registered no shutdown hook to stop it with";
      }
      for (Thread h : hooks) {
        h.start();
      }
      long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(STOP_MILLIS);
      for (Thread h : hooks) {
        h.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(end - System.nanoTime())));
      }
      List<Thread> left = new ArrayList<>();
      while (System.nanoTime() < end) {
        left = appThreads();
        left.remove(keeper);
        if (left.isEmpty()) {
          break;
        }
        Thread.sleep(10);
      }
      if (!left.isEmpty()) {
        return "application threads still running after its shutdown hooks: " + left.stream().map(Thread::getName)
            .limit(5).toList();
      }
      resetSpringBoot();
      URLClassLoader old = loader;
      start(false);
      if (old != null) {
        old.close();
      }
      return null;
    } catch (ReflectiveOperationException | RuntimeException e) {
      return "cannot restart in this JVM: " + e;
    } catch (LinkageError e) {
      return "classes of two loaders mixed: " + e;
    } catch (Exception e) {
      return "cannot restart in this JVM: " + e;
    }
  }

  /**
   * Spring Boot (in the dependencies, so loaded once) remembers that its shutdown hook ran and then refuses to
   * start again ("Shutdown in progress"): its hook is put back to the state of a JVM that has not shut down.
   */
  private static void resetSpringBoot() throws ReflectiveOperationException {
    Class<?> type;
    try {
      type = Class.forName("org.springframework.boot.SpringApplicationShutdownHook", false, Launcher.class.getClassLoader());
    } catch (ClassNotFoundException notSpring) {
      return;
    }
    Field instance = Class.forName("org.springframework.boot.SpringApplication", false, type.getClassLoader())
        .getDeclaredField("shutdownHook");
    instance.setAccessible(true);
    Object hook = instance.get(null);
    for (Field f : type.getDeclaredFields()) {
      if (java.lang.reflect.Modifier.isStatic(f.getModifiers())) {
        continue;
      }
      f.setAccessible(true);
      Object value = f.get(hook);
      if (f.getName().equals("inProgress") && f.getType() == boolean.class) {
        f.setBoolean(hook, false);
      } else if (value instanceof java.util.concurrent.atomic.AtomicBoolean added) {
        added.set(false);
      } else if (value instanceof java.util.Set<?> set) {
        set.clear();
      }
    }
  }

  /** The shutdown hooks registered since launch, removed from the JVM's list (they run now, not at exit). */
  @SuppressWarnings("unchecked")
  private static List<Thread> takeApplicationHooks() throws ReflectiveOperationException {
    Class<?> type = Class.forName("java.lang.ApplicationShutdownHooks");
    Field field = type.getDeclaredField("hooks");
    field.setAccessible(true);
    List<Thread> out = new ArrayList<>();
    synchronized (type) {
      Map<Thread, Thread> hooks = (Map<Thread, Thread>) field.get(null);
      for (Thread t : List.copyOf(hooks.keySet())) {
        if (!t.getName().startsWith("relive-dev-agent")) {
          hooks.remove(t);
          out.add(t);
        }
      }
    }
    return out;
  }

  /** Live non-daemon threads the application started (not there at launch, not this JVM's own). */
  private static List<Thread> appThreads() {
    List<Thread> out = new ArrayList<>();
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      boolean app = !threadsBefore.contains(t) || t == firstMain; // the first main() may still be running
      if (t.isAlive() && !t.isDaemon() && app && t != Thread.currentThread() && !t.getName().equals("DestroyJavaVM")) {
        out.add(t);
      }
    }
    return out;
  }
}
