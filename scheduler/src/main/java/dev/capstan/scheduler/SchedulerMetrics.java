package dev.capstan.scheduler;

import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.datapoints.DistributionDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The scheduler's metrics under kube-scheduler's names, on a registry the caller owns:
 * {@code scheduler_schedule_attempts_total{result}} and
 * {@code scheduler_scheduling_attempt_duration_seconds{result}}, result being {@code scheduled}
 * (bound), {@code unschedulable} (no node fits) or {@code error} (the bind or the attempt failed),
 * each attempt timed from taking the pod off the queue to the end of its bind; and
 * {@code scheduler_pending_pods{queue}}, {@code active} (ready for an attempt) or {@code backoff}
 * (waiting for a retry), with {@code capstan_scheduler_unschedulable_pods}, the pods whose last
 * attempt found no node (they are retried, so they are also in one of the two queues).
 *
 * <p>Create one per registry and give it to every {@link Scheduler} the process builds: a
 * scheduler that wins leadership again is a new instance, and the gauges follow the one running.
 */
public final class SchedulerMetrics {
  /** kube-scheduler's buckets: 1 ms doubling 15 times (to about 16 s). */
  private static final double[] BUCKETS = buckets();

  private final CounterDataPoint scheduled;
  private final CounterDataPoint unschedulable;
  private final CounterDataPoint error;
  private final DistributionDataPoint scheduledDuration;
  private final DistributionDataPoint unschedulableDuration;
  private final DistributionDataPoint errorDuration;
  private final AtomicReference<Scheduler> running = new AtomicReference<>();

  public SchedulerMetrics(PrometheusRegistry registry) {
    Objects.requireNonNull(registry, "registry");
    Counter attempts = Counter.builder().name("scheduler_schedule_attempts_total")
        .help("Number of attempts to schedule pods, by the result (scheduled, unschedulable, error)")
        .labelNames("result").withoutExemplars().register(registry);
    Histogram duration = Histogram.builder().name("scheduler_scheduling_attempt_duration_seconds")
        .help("Scheduling attempt latency in seconds, from taking the pod off the queue to the end of its bind")
        .labelNames("result").classicOnly().classicUpperBounds(BUCKETS).withoutExemplars().register(registry);
    scheduled = attempts.labelValues("scheduled");
    unschedulable = attempts.labelValues("unschedulable");
    error = attempts.labelValues("error");
    scheduledDuration = duration.labelValues("scheduled");
    unschedulableDuration = duration.labelValues("unschedulable");
    errorDuration = duration.labelValues("error");
    GaugeWithCallback.builder().name("scheduler_pending_pods")
        .help("Number of pending pods, by queue: active (ready for an attempt) or backoff (waiting for a retry)")
        .labelNames("queue").callback(cb -> {
          Scheduler s = running.get();
          if (s != null) {
            cb.call(s.activePods(), "active");
            cb.call(s.backoffPods(), "backoff");
          }
        }).register(registry);
    GaugeWithCallback.builder().name("capstan_scheduler_unschedulable_pods")
        .help("Pods whose last scheduling attempt found no node; retried on back-off and on cluster changes")
        .callback(cb -> {
          Scheduler s = running.get();
          if (s != null) {
            cb.call(s.unschedulablePods());
          }
        }).register(registry);
  }

  /** Metrics on a registry of their own that nothing serves; for tests and embedders. */
  public static SchedulerMetrics unserved() {
    return new SchedulerMetrics(new PrometheusRegistry());
  }

  private static double[] buckets() {
    double[] b = new double[15];
    for (int i = 0; i < b.length; i++) {
      b[i] = 0.001 * Math.pow(2, i);
    }
    return b;
  }

  void running(Scheduler scheduler) {
    running.set(scheduler);
  }

  void stopped(Scheduler scheduler) {
    running.compareAndSet(scheduler, null);
  }

  void scheduled(long startNanos) {
    scheduled.inc();
    scheduledDuration.observe((System.nanoTime() - startNanos) / 1e9);
  }

  void unschedulable(long startNanos) {
    unschedulable.inc();
    unschedulableDuration.observe((System.nanoTime() - startNanos) / 1e9);
  }

  void error(long startNanos) {
    error.inc();
    errorDuration.observe((System.nanoTime() - startNanos) / 1e9);
  }
}
