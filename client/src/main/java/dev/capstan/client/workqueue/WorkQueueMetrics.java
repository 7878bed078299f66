package dev.capstan.client.workqueue;

import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.datapoints.DistributionDataPoint;
import io.prometheus.metrics.core.datapoints.GaugeDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.Objects;

/**
 * Kubernetes' work queue metrics ({@code workqueue_depth}, {@code workqueue_adds_total},
 * {@code workqueue_retries_total}, {@code workqueue_queue_duration_seconds},
 * {@code workqueue_work_duration_seconds}, each labelled {@code name}) on one registry. Create
 * one per registry (a name registers once) and give each queue {@link #forQueue its children}:
 * they are looked up once per queue, so recording is a few atomic operations with no label lookup.
 * A queue created again under the same name (a controller restarted after a leadership change)
 * reports into the same series.
 */
public final class WorkQueueMetrics {
  /** Seconds, as client-go's buckets: 1 µs to 10 s, by tens. */
  private static final double[] BUCKETS = {1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1, 10};

  private final Gauge depth;
  private final Counter adds;
  private final Counter retries;
  private final Histogram queueDuration;
  private final Histogram workDuration;

  public WorkQueueMetrics(PrometheusRegistry registry) {
    Objects.requireNonNull(registry, "registry");
    depth = Gauge.builder().name("workqueue_depth").help("Current depth of the work queue (keys ready to be taken)")
        .labelNames("name").withoutExemplars().register(registry);
    adds = Counter.builder().name("workqueue_adds_total").help("Total number of adds handled by the work queue")
        .labelNames("name").withoutExemplars().register(registry);
    retries = Counter.builder().name("workqueue_retries_total")
        .help("Total number of retries (rate-limited re-adds) handled by the work queue")
        .labelNames("name").withoutExemplars().register(registry);
    queueDuration = histogram("workqueue_queue_duration_seconds",
        "How long in seconds a key stays in the work queue before being taken", registry);
    workDuration = histogram("workqueue_work_duration_seconds",
        "How long in seconds processing a key from the work queue takes", registry);
  }

  private static Histogram histogram(String name, String help, PrometheusRegistry registry) {
    return Histogram.builder().name(name).help(help).labelNames("name").classicOnly().classicUpperBounds(BUCKETS)
        .withoutExemplars().register(registry);
  }

  /** The metrics of the queue called {@code name}. */
  public QueueMetrics forQueue(String name) {
    return new Children(depth.labelValues(name), adds.labelValues(name), retries.labelValues(name),
        queueDuration.labelValues(name), workDuration.labelValues(name));
  }

  private record Children(GaugeDataPoint depth, CounterDataPoint adds, CounterDataPoint retries,
      DistributionDataPoint queued, DistributionDataPoint work) implements QueueMetrics {
    @Override
    public void added() {
      adds.inc();
    }

    @Override
    public void depth(int keys) {
      depth.set(keys);
    }

    @Override
    public void taken(long queuedNanos) {
      queued.observe(queuedNanos / 1e9);
    }

    @Override
    public void done(long workNanos) {
      work.observe(workNanos / 1e9);
    }

    @Override
    public void retried() {
      retries.inc();
    }
  }
}
