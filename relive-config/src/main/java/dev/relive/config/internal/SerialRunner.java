package dev.relive.config.internal;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.jspecify.annotations.Nullable;

/**
 * Runs tasks one at a time, in submission order, on an executor shared with other runners.
 *
 * <p>Implementation notes: at most one drain loop is scheduled at a time ({@code active}). A task may
 * {@link #hold()} the runner: the loop stops after that task and queued tasks wait until {@link #release}
 * puts a task at the front and starts the loop again; this is how a staged candidate blocks other reloads.
 * An executor that refuses the loop (a bounded or shut-down pool) never strands the queue: the loop then runs
 * on the submitting thread, as Caffeine does with a refused maintenance task.
 */
public final class SerialRunner {
  private static final Logger LOG = LoggerFactory.getLogger(SerialRunner.class);

  private final Executor executor;
  private final ArrayDeque<Runnable> tasks = new ArrayDeque<>();
  private boolean active;
  private boolean held;
  private volatile @Nullable Thread running;

  public SerialRunner(Executor executor) {
    this.executor = executor;
  }

  /** Queues a task; it runs after every task submitted before it. */
  public void submit(Runnable task) {
    synchronized (tasks) {
      tasks.add(task);
      if (active || held) {
        return;
      }
      active = true;
    }
    start();
  }

  /** From inside a task: queued tasks wait, after this one, until {@link #release}. */
  public void hold() {
    synchronized (tasks) {
      held = true;
    }
  }

  /** Ends a {@link #hold()}: runs {@code first} before anything queued meanwhile. */
  public void release(Runnable first) {
    synchronized (tasks) {
      held = false;
      tasks.addFirst(first);
      if (active) {
        return;
      }
      active = true;
    }
    start();
  }

  /** True when called from inside a task of this runner. */
  public boolean isRunnerThread() {
    return running == Thread.currentThread();
  }

  /**
   * Waits until no task is running and none can start (the queue is empty or held).
   *
   * @return false if that did not happen within {@code timeout}
   */
  public boolean awaitIdle(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (tasks) {
      while (active) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return false;
        }
        tasks.wait(Math.max(1, left / 1_000_000));
      }
      return true;
    }
  }

  private void start() {
    try {
      executor.execute(this::drain);
    } catch (RejectedExecutionException e) {
      LOG.warn("the reload executor refused a task ({}); running it on the calling thread", e.toString());
      drain();
    }
  }

  private void drain() {
    while (true) {
      Runnable task;
      synchronized (tasks) {
        task = held ? null : tasks.poll();
        if (task == null) {
          active = false;
          tasks.notifyAll();
          return;
        }
      }
      Thread previous = running;
      running = Thread.currentThread();
      try {
        task.run();
      } catch (VirtualMachineError e) {
        throw e;
      } catch (Throwable e) {
        LOG.error("a reload task failed unexpectedly; the next one runs all the same", e);
      } finally {
        running = previous;
      }
    }
  }
}
