package dev.capstan.agent.metrics;

import dev.capstan.agent.runtime.ContainerConfig;
import dev.capstan.agent.runtime.ContainerEvent;
import dev.capstan.agent.runtime.ContainerRuntime;
import dev.capstan.agent.runtime.ContainerUsage;
import dev.capstan.agent.runtime.ExecResult;
import dev.capstan.agent.runtime.PodSandbox;
import dev.capstan.agent.runtime.PodSandboxConfig;
import dev.capstan.agent.runtime.RuntimeContainer;
import dev.capstan.agent.runtime.RuntimeFeature;
import dev.capstan.agent.runtime.RuntimeVersion;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.LongConsumer;
import java.util.function.Supplier;

/**
 * A {@link ContainerRuntime} that counts and times every call to the one it wraps, by the
 * kubelet's operation types ({@code run_podsandbox}, {@code create_container},
 * {@code exec_sync}, ...); a call that throws counts as an error. Each operation's metric
 * children are looked up once, when the wrapper is made. {@link #features}, {@link #subscribe},
 * {@link #observeRelists} and {@link #close} are passed through uncounted: they are not calls
 * to the runtime.
 */
final class InstrumentedRuntime implements ContainerRuntime {
  private final ContainerRuntime delegate;
  private final AgentMetrics.Operation version;
  private final AgentMetrics.Operation runPodSandbox;
  private final AgentMetrics.Operation stopPodSandbox;
  private final AgentMetrics.Operation removePodSandbox;
  private final AgentMetrics.Operation podSandboxStatus;
  private final AgentMetrics.Operation listPodSandbox;
  private final AgentMetrics.Operation createContainer;
  private final AgentMetrics.Operation startContainer;
  private final AgentMetrics.Operation stopContainer;
  private final AgentMetrics.Operation removeContainer;
  private final AgentMetrics.Operation containerStatus;
  private final AgentMetrics.Operation execSync;
  private final AgentMetrics.Operation listContainers;
  private final AgentMetrics.Operation listContainerStats;

  InstrumentedRuntime(ContainerRuntime delegate, AgentMetrics metrics) {
    this.delegate = delegate;
    version = metrics.operation("version");
    runPodSandbox = metrics.operation("run_podsandbox");
    stopPodSandbox = metrics.operation("stop_podsandbox");
    removePodSandbox = metrics.operation("remove_podsandbox");
    podSandboxStatus = metrics.operation("podsandbox_status");
    listPodSandbox = metrics.operation("list_podsandbox");
    createContainer = metrics.operation("create_container");
    startContainer = metrics.operation("start_container");
    stopContainer = metrics.operation("stop_container");
    removeContainer = metrics.operation("remove_container");
    containerStatus = metrics.operation("container_status");
    execSync = metrics.operation("exec_sync");
    listContainers = metrics.operation("list_containers");
    listContainerStats = metrics.operation("list_container_stats");
  }

  private static <T> T timed(AgentMetrics.Operation op, Supplier<T> call) {
    long start = System.nanoTime();
    op.calls().inc();
    try {
      return call.get();
    } catch (RuntimeException | Error e) {
      op.errors().inc();
      throw e;
    } finally {
      op.duration().observe((System.nanoTime() - start) / 1e9);
    }
  }

  private static void timed(AgentMetrics.Operation op, Runnable call) {
    timed(op, () -> {
      call.run();
      return null;
    });
  }

  @Override
  public RuntimeVersion version() {
    return timed(version, delegate::version);
  }

  @Override
  public Set<RuntimeFeature> features() {
    return delegate.features();
  }

  @Override
  public PodSandbox runPodSandbox(PodSandboxConfig config) {
    return timed(runPodSandbox, () -> delegate.runPodSandbox(config));
  }

  @Override
  public void stopPodSandbox(String sandboxId) {
    timed(stopPodSandbox, () -> delegate.stopPodSandbox(sandboxId));
  }

  @Override
  public void removePodSandbox(String sandboxId) {
    timed(removePodSandbox, () -> delegate.removePodSandbox(sandboxId));
  }

  @Override
  public PodSandbox podSandboxStatus(String sandboxId) {
    return timed(podSandboxStatus, () -> delegate.podSandboxStatus(sandboxId));
  }

  @Override
  public List<PodSandbox> listPodSandboxes(Map<String, String> labelSelector) {
    return timed(listPodSandbox, () -> delegate.listPodSandboxes(labelSelector));
  }

  @Override
  public String createContainer(String sandboxId, ContainerConfig config) {
    return timed(createContainer, () -> delegate.createContainer(sandboxId, config));
  }

  @Override
  public void startContainer(String containerId) {
    timed(startContainer, () -> delegate.startContainer(containerId));
  }

  @Override
  public void stopContainer(String containerId, Duration gracePeriod) {
    timed(stopContainer, () -> delegate.stopContainer(containerId, gracePeriod));
  }

  @Override
  public void removeContainer(String containerId) {
    timed(removeContainer, () -> delegate.removeContainer(containerId));
  }

  @Override
  public RuntimeContainer containerStatus(String containerId) {
    return timed(containerStatus, () -> delegate.containerStatus(containerId));
  }

  @Override
  public ExecResult execSync(String containerId, List<String> command, Duration timeout) {
    return timed(execSync, () -> delegate.execSync(containerId, command, timeout));
  }

  @Override
  public List<RuntimeContainer> listContainers(Map<String, String> labelSelector) {
    return timed(listContainers, () -> delegate.listContainers(labelSelector));
  }

  @Override
  public List<ContainerUsage> containerUsage() {
    return timed(listContainerStats, delegate::containerUsage);
  }

  @Override
  public AutoCloseable subscribe(Consumer<ContainerEvent> listener) {
    return delegate.subscribe(listener);
  }

  @Override
  public void observeRelists(LongConsumer durationNanos) {
    delegate.observeRelists(durationNanos);
  }

  @Override
  public void close() {
    delegate.close();
  }

  @Override
  public String toString() {
    return delegate.toString();
  }
}
