package dev.capstan.controllers.framework;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Runs an action again and again, {@code period} of real time after the previous run ended, on a
 * daemon thread of its own, until closed: a controller's pass over everything that does not wait
 * for events (Kubernetes' {@code wait.Until}). The action should be quick, typically putting keys
 * on the controller's queue; an exception from it stops the repetition, as a scheduled executor's.
 */
public final class Periodic implements AutoCloseable {
  private final ScheduledExecutorService executor;

  private Periodic(ScheduledExecutorService executor) {
    this.executor = executor;
  }

  /** Runs {@code action} after {@code initialDelay}, then every {@code period}, on thread {@code name}. */
  public static Periodic start(String name, Duration initialDelay, Duration period, Runnable action) {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(action, "action");
    if (period.isNegative() || period.isZero()) {
      throw new IllegalArgumentException("period: must be positive, got " + period);
    }
    ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    });
    executor.scheduleWithFixedDelay(action, initialDelay.toMillis(), period.toMillis(), TimeUnit.MILLISECONDS);
    return new Periodic(executor);
  }

  /** Stops the repetition; a run in progress is interrupted. */
  @Override
  public void close() {
    executor.shutdownNow();
  }
}
