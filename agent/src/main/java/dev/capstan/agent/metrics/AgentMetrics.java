package dev.capstan.agent.metrics;

import dev.capstan.agent.pod.PodSyncMetrics;
import dev.capstan.agent.pod.RuntimeLabels;
import dev.capstan.agent.runtime.ContainerRuntime;
import dev.capstan.agent.runtime.ContainerState;
import dev.capstan.agent.runtime.PodSandbox;
import dev.capstan.agent.runtime.RuntimeContainer;
import dev.capstan.agent.runtime.SandboxState;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.datapoints.DistributionDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's metrics, under the kubelet's names where it has one, on a registry the caller owns
 * (the agent's own {@code /metrics} port, or the one endpoint of {@code capstan up}):
 *
 * <ul>
 *   <li>{@code kubelet_runtime_operations_total}, {@code kubelet_runtime_operations_errors_total}
 *       and {@code kubelet_runtime_operations_duration_seconds}, by {@code operation_type}, through
 *       {@link InstrumentedRuntime};
 *   <li>{@code kubelet_pod_start_duration_seconds}: from the first sync of a new pod to the sync
 *       that finds all its containers running;
 *   <li>{@code kubelet_pleg_relist_duration_seconds}: each relist of a runtime that finds
 *       lifecycle events by relisting (containerd, Podman);
 *   <li>{@code kubelet_running_pods} and {@code kubelet_running_containers{container_state}}: the
 *       agent's pods (ready sandboxes) and containers, listed from the runtime when scraped;
 *   <li>{@code capstan_agent_container_restarts_total}: containers started again after they exited.
 * </ul>
 *
 * <p>Recording uses children looked up once; the running counts cost a runtime list per scrape.
 */
public final class AgentMetrics implements PodSyncMetrics {
  private static final Logger log = LoggerFactory.getLogger(AgentMetrics.class);
  /** Runtime calls: from a cached status (sub-ms) to an image pull or a stop with grace (minutes). */
  private static final double[] OPERATION_BUCKETS = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30,
      60, 120};
  /** Pod start: the kubelet's buckets, 0.5 s to 20 min. */
  private static final double[] POD_START_BUCKETS = {0.5, 1, 2, 3, 4, 5, 6, 8, 10, 20, 30, 45, 60, 120, 180, 240,
      300, 360, 480, 600, 900, 1200};
  private static final double[] RELIST_BUCKETS = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};

  private final Counter operations;
  private final Counter operationErrors;
  private final Histogram operationDuration;
  private final Map<String, Operation> operationsByType = new ConcurrentHashMap<>();
  private final DistributionDataPoint podStart;
  private final DistributionDataPoint relist;
  private final CounterDataPoint restarts;
  /** When each new pod was first synced, until all its containers run or it goes. */
  private final Map<String, Long> podsStarting = new ConcurrentHashMap<>();
  private final AtomicReference<ContainerRuntime> counted = new AtomicReference<>();

  /** One operation type's children. */
  record Operation(CounterDataPoint calls, CounterDataPoint errors, DistributionDataPoint duration) {}

  public AgentMetrics(PrometheusRegistry registry) {
    Objects.requireNonNull(registry, "registry");
    operations = Counter.builder().name("kubelet_runtime_operations_total")
        .help("Cumulative number of runtime operations by operation type").labelNames("operation_type")
        .withoutExemplars().register(registry);
    operationErrors = Counter.builder().name("kubelet_runtime_operations_errors_total")
        .help("Cumulative number of runtime operation errors by operation type").labelNames("operation_type")
        .withoutExemplars().register(registry);
    operationDuration = Histogram.builder().name("kubelet_runtime_operations_duration_seconds")
        .help("Duration in seconds of runtime operations, by operation type").labelNames("operation_type")
        .classicOnly().classicUpperBounds(OPERATION_BUCKETS).withoutExemplars().register(registry);
    podStart = Histogram.builder().name("kubelet_pod_start_duration_seconds")
        .help("Duration in seconds from the agent first syncing a new pod to all its containers running")
        .classicOnly().classicUpperBounds(POD_START_BUCKETS).withoutExemplars().register(registry).labelValues();
    relist = Histogram.builder().name("kubelet_pleg_relist_duration_seconds")
        .help("Duration in seconds of relisting the runtime's containers for lifecycle events")
        .classicOnly().classicUpperBounds(RELIST_BUCKETS).withoutExemplars().register(registry).labelValues();
    restarts = Counter.builder().name("capstan_agent_container_restarts_total")
        .help("Containers the agent started again after they had exited (restart policy, failed probes)")
        .withoutExemplars().register(registry).labelValues();
    GaugeWithCallback.builder().name("kubelet_running_pods")
        .help("Number of pods with a ready sandbox on this node").callback(cb -> {
          ContainerRuntime runtime = counted.get();
          if (runtime != null) {
            runningPods(runtime).ifPresent(cb::call);
          }
        }).register(registry);
    GaugeWithCallback.builder().name("kubelet_running_containers")
        .help("Number of the agent's containers on this node, by state").labelNames("container_state")
        .callback(cb -> {
          ContainerRuntime runtime = counted.get();
          if (runtime != null) {
            containersByState(runtime).forEach((state, n) -> cb.call(n, state.name().toLowerCase(Locale.ROOT)));
          }
        }).register(registry);
  }

  /** Metrics on a registry of their own that nothing serves; for tests and embedders. */
  public static AgentMetrics unserved() {
    return new AgentMetrics(new PrometheusRegistry());
  }

  /** {@code runtime} wrapped so that every call is counted and timed. */
  public ContainerRuntime instrument(ContainerRuntime runtime) {
    return new InstrumentedRuntime(runtime, this);
  }

  /**
   * Counts running pods and containers from {@code runtime} (the bare one: a scrape is not a
   * runtime operation of the agent's) and times its relists, until {@link #stopCounting}.
   */
  public void countFrom(ContainerRuntime runtime) {
    counted.set(runtime);
    runtime.observeRelists(nanos -> relist.observe(nanos / 1e9));
  }

  public void stopCounting(ContainerRuntime runtime) {
    counted.compareAndSet(runtime, null);
  }

  Operation operation(String type) {
    return operationsByType.computeIfAbsent(type, t -> new Operation(operations.labelValues(t),
        operationErrors.labelValues(t), operationDuration.labelValues(t)));
  }

  @Override
  public void podSeen(String uid) {
    podsStarting.putIfAbsent(uid, System.nanoTime());
  }

  @Override
  public void podRunning(String uid) {
    Long seen = podsStarting.remove(uid);
    if (seen != null) {
      podStart.observe((System.nanoTime() - seen) / 1e9);
    }
  }

  @Override
  public void podGone(String uid) {
    podsStarting.remove(uid);
  }

  @Override
  public void containerRestarted() {
    restarts.inc();
  }

  private static java.util.OptionalInt runningPods(ContainerRuntime runtime) {
    try {
      int n = 0;
      for (PodSandbox s : runtime.listPodSandboxes(Map.of())) {
        if (s.state() == SandboxState.READY && s.labels().containsKey(RuntimeLabels.POD_UID)) {
          n++;
        }
      }
      return java.util.OptionalInt.of(n);
    } catch (RuntimeException e) {
      log.debug("cannot count running pods: {}", e.toString());
      return java.util.OptionalInt.empty();
    }
  }

  private static Map<ContainerState, Integer> containersByState(ContainerRuntime runtime) {
    Map<ContainerState, Integer> counts = new EnumMap<>(ContainerState.class);
    try {
      for (ContainerState state : ContainerState.values()) {
        counts.put(state, 0);
      }
      for (RuntimeContainer c : runtime.listContainers(Map.of())) {
        if (c.labels().containsKey(RuntimeLabels.POD_UID)) {
          counts.merge(c.state(), 1, Integer::sum);
        }
      }
      return counts;
    } catch (RuntimeException e) {
      log.debug("cannot count containers: {}", e.toString());
      return Map.of();
    }
  }
}
