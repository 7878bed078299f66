package dev.capstan.agent.prober;

import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/** Runs probe workers periodically; tests drive the workers by hand instead. */
@FunctionalInterface
public interface ProbeScheduler {

  /**
   * Runs {@code task} after {@code initialDelay}, then again {@code period} after each run ends,
   * until the returned action is run.
   */
  Runnable schedule(Runnable task, Duration initialDelay, Duration period);

  static ProbeScheduler on(ScheduledExecutorService executor) {
    return (task, initialDelay, period) -> {
      ScheduledFuture<?> f = executor.scheduleWithFixedDelay(task, initialDelay.toMillis(), period.toMillis(),
          TimeUnit.MILLISECONDS);
      return () -> f.cancel(false);
    };
  }
}
