package dev.capstan.agent.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.capstan.agent.runtime.ContainerRuntime;
import dev.capstan.agent.testing.FakeRuntime;
import dev.capstan.client.metrics.MetricSamples;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.time.Clock;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The agent's metrics on a fake runtime, read back from their registry. */
class AgentMetricsTest {
  private final PrometheusRegistry registry = new PrometheusRegistry();
  private final AgentMetrics metrics = new AgentMetrics(registry);

  @Test
  void runtimeCallsAreCountedTimedAndTheirFailuresCountedByOperationType() {
    ContainerRuntime runtime = metrics.instrument(new FakeRuntime(Clock.systemUTC()));
    runtime.listContainers(Map.of());
    assertThatThrownBy(() -> runtime.containerStatus("no-such-container")).isInstanceOf(RuntimeException.class);

    MetricSamples samples = MetricSamples.scrape(registry);
    assertThat(samples.value("kubelet_runtime_operations_total", "operation_type", "list_containers")).hasValue(1);
    assertThat(samples.value("kubelet_runtime_operations_errors_total", "operation_type", "list_containers"))
        .hasValue(0);
    assertThat(samples.value("kubelet_runtime_operations_total", "operation_type", "container_status")).hasValue(1);
    assertThat(samples.value("kubelet_runtime_operations_errors_total", "operation_type", "container_status"))
        .hasValue(1);
    assertThat(samples.count("kubelet_runtime_operations_duration_seconds", "operation_type", "container_status"))
        .isEqualTo(1);
  }

  @Test
  void aPodStartIsTimedOnceFromItsFirstSyncAndNotForAPodThatWentFirst() {
    metrics.podSeen("a");
    metrics.podSeen("a"); // a second sync before it runs keeps the first time
    metrics.podRunning("a");
    metrics.podRunning("a"); // later syncs that find it running count nothing
    metrics.podSeen("b");
    metrics.podGone("b");
    metrics.podRunning("b");
    metrics.podRunning("adopted"); // never seen without containers: not timed
    metrics.containerRestarted();

    MetricSamples samples = MetricSamples.scrape(registry);
    assertThat(samples.count("kubelet_pod_start_duration_seconds")).isEqualTo(1);
    assertThat(samples.value("capstan_agent_container_restarts_total")).hasValue(1);
  }
}
