package dev.capstan.controllers.framework;

import dev.capstan.client.workqueue.QueueMetrics;
import dev.capstan.client.workqueue.WorkQueueMetrics;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.Objects;

/**
 * The metrics every {@link ControllerLoop} reports, on a registry the caller owns: its work
 * queue's ({@link WorkQueueMetrics}, labelled with the controller's name) and
 * {@code capstan_controller_syncs_total{name, result}}, where result is {@code success},
 * {@code conflict} (a stale write, retried at once: normal under contention) or {@code error}
 * (retried with back-off; alert on its rate). Create one per registry and share it across
 * controller managers, since a leadership change builds a new manager in the same process.
 */
public final class ControllerMetrics {
  private final WorkQueueMetrics queues;
  private final Counter syncs;

  /** Registers the work queue families and the sync counter on {@code registry}. */
  public ControllerMetrics(PrometheusRegistry registry) {
    this(registry, new WorkQueueMetrics(registry));
  }

  /** Registers the sync counter on {@code registry}; {@code queues} is already registered there. */
  public ControllerMetrics(PrometheusRegistry registry, WorkQueueMetrics queues) {
    Objects.requireNonNull(registry, "registry");
    this.queues = Objects.requireNonNull(queues, "queues");
    this.syncs = Counter.builder().name("capstan_controller_syncs_total")
        .help("Reconciliations finished, by controller and result (success, conflict, error)")
        .labelNames("name", "result").withoutExemplars().register(registry);
  }

  /** Metrics kept on a registry of their own that nothing serves; for tests and embedders without one. */
  public static ControllerMetrics unserved() {
    return new ControllerMetrics(new PrometheusRegistry());
  }

  /** The children for one controller, looked up once. */
  Loop forController(String name) {
    return new Loop(queues.forQueue(name), syncs.labelValues(name, "success"), syncs.labelValues(name, "conflict"),
        syncs.labelValues(name, "error"));
  }

  /** One controller's queue metrics and sync counters. */
  record Loop(QueueMetrics queue, CounterDataPoint success, CounterDataPoint conflict, CounterDataPoint error) {}
}
