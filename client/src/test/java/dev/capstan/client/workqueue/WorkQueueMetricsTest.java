package dev.capstan.client.workqueue;

import static org.assertj.core.api.Assertions.assertThat;

import dev.capstan.client.metrics.MetricSamples;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** A queue driven by hand, its metrics read back from the registry it reports to. */
class WorkQueueMetricsTest {
  private final ManualClock clock = new ManualClock();
  private final PrometheusRegistry registry = new PrometheusRegistry();
  private final WorkQueueMetrics metrics = new WorkQueueMetrics(registry);

  @Test
  void addsDepthRetriesAndDurationsArePerQueue() throws Exception {
    ManualTicker ticker = new ManualTicker();
    RateLimitingQueue<String> queue = new RateLimitingQueue<>("pods", clock, RateLimitingQueue.DEFAULT_BASE_DELAY,
        RateLimitingQueue.DEFAULT_MAX_DELAY, metrics.forQueue("pods"), ticker);
    RateLimitingQueue<String> other = new RateLimitingQueue<>("nodes", clock, metrics.forQueue("nodes"));
    queue.add("a");
    queue.add("b");
    queue.add("a"); // already waiting: not an add
    other.add("x");
    assertThat(value("workqueue_adds_total", "pods")).isEqualTo(2);
    assertThat(value("workqueue_depth", "pods")).isEqualTo(2);
    assertThat(value("workqueue_depth", "nodes")).isEqualTo(1);

    String key = queue.take();
    assertThat(value("workqueue_depth", "pods")).isEqualTo(1);
    assertThat(samples().count("workqueue_queue_duration_seconds", "name", "pods")).isEqualTo(1);
    queue.addRateLimited(key);
    queue.done(key);
    assertThat(value("workqueue_retries_total", "pods")).isEqualTo(1);
    assertThat(samples().count("workqueue_work_duration_seconds", "name", "pods")).isEqualTo(1);

    // The retry becomes an add once its back-off has passed.
    ticker.advance(Duration.ofSeconds(1));
    assertThat(queue.length()).isEqualTo(2);
    assertThat(value("workqueue_adds_total", "pods")).isEqualTo(3);
    assertThat(value("workqueue_depth", "pods")).isEqualTo(2);
    assertThat(value("workqueue_adds_total", "nodes")).isEqualTo(1);
  }

  @Test
  void aQueueCreatedAgainUnderTheSameNameReportsIntoTheSameSeries() {
    new RateLimitingQueue<String>("c", clock, metrics.forQueue("c")).add("a");
    new RateLimitingQueue<String>("c", clock, metrics.forQueue("c")).add("a");
    assertThat(value("workqueue_adds_total", "c")).isEqualTo(2);
  }

  private double value(String name, String queue) {
    return samples().value(name, "name", queue).orElseThrow();
  }

  private MetricSamples samples() {
    return MetricSamples.scrape(registry);
  }
}
