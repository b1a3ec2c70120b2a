package dev.relive.config.internal;

import java.util.ArrayDeque;
import java.util.concurrent.Executor;

/** Runs tasks one at a time, in submission order, on a shared executor. */
public final class SerialRunner {
  private final Executor executor;
  private final ArrayDeque<Runnable> tasks = new ArrayDeque<>();
  private boolean active;
  private volatile Thread running;

  public SerialRunner(Executor executor) {
    this.executor = executor;
  }

  public void submit(Runnable task) {
    synchronized (tasks) {
      tasks.add(task);
      if (active) {
        return;
      }
      active = true;
    }
    executor.execute(this::drain);
  }

  /** True when called from inside a task of this runner. */
  public boolean isRunnerThread() {
    return running == Thread.currentThread();
  }

  private void drain() {
    while (true) {
      Runnable task;
      synchronized (tasks) {
        task = tasks.poll();
        if (task == null) {
          active = false;
          return;
        }
      }
      running = Thread.currentThread();
      try {
        task.run();
      } finally {
        running = null;
      }
    }
  }
}
