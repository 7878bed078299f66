package dev.capstan.agent.testing;

import dev.capstan.agent.runtime.ContainerConfig;
import dev.capstan.agent.runtime.ContainerEvent;
import dev.capstan.agent.runtime.ContainerNotFoundException;
import dev.capstan.agent.runtime.ContainerRuntime;
import dev.capstan.agent.runtime.ContainerRuntimeException;
import dev.capstan.agent.runtime.ContainerState;
import dev.capstan.agent.runtime.ExecResult;
import dev.capstan.agent.runtime.PodSandbox;
import dev.capstan.agent.runtime.PodSandboxConfig;
import dev.capstan.agent.runtime.RuntimeContainer;
import dev.capstan.agent.runtime.RuntimeFeature;
import dev.capstan.agent.runtime.RuntimeVersion;
import dev.capstan.agent.runtime.SandboxState;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * An in-memory runtime for unit tests: containers run as soon as they are started and exit only
 * when a test says so ({@link #exit}). Records the grace periods of stops.
 */
public final class FakeRuntime implements ContainerRuntime {
  private java.util.function.BiFunction<String, List<String>, ExecResult> execHandler =
      (id, command) -> new ExecResult(0, new byte[0], new byte[0]);
  public static final RuntimeVersion VERSION = new RuntimeVersion("fake", "0.1", "v1");

  private final Clock clock;
  private final Map<String, PodSandbox> sandboxes = new LinkedHashMap<>();
  private final Map<String, RuntimeContainer> containers = new LinkedHashMap<>();
  public final List<Duration> stopGraces = new ArrayList<>();
  /** Set to make the next start fail. */
  public volatile String failNextStart;
  /** What {@link #features()} reports. */
  public volatile Set<RuntimeFeature> features = EnumSet.noneOf(RuntimeFeature.class);
  /** Thrown by the next createContainer. */
  public volatile ContainerRuntimeException failNextCreate;
  /** What {@link #containerUsage()} reports. */
  public volatile List<dev.capstan.agent.runtime.ContainerUsage> usage = List.of();
  private int nextId;

  public FakeRuntime(Clock clock) {
    this.clock = clock;
  }

  @Override
  public RuntimeVersion version() {
    return VERSION;
  }

  @Override
  public Set<RuntimeFeature> features() {
    return features;
  }

  @Override
  public List<dev.capstan.agent.runtime.ContainerUsage> containerUsage() {
    return usage;
  }

  @Override
  public synchronized PodSandbox runPodSandbox(PodSandboxConfig config) {
    PodSandbox s = new PodSandbox("sb" + (++nextId), config, SandboxState.READY, clock.instant(), "10.0.0.7");
    sandboxes.put(s.id(), s);
    return s;
  }

  @Override
  public synchronized void stopPodSandbox(String sandboxId) {
    PodSandbox s = sandboxes.get(sandboxId);
    if (s == null) {
      return;
    }
    containers.values().stream().filter(c -> c.sandboxId().equals(sandboxId) && c.state() == ContainerState.RUNNING)
        .map(RuntimeContainer::id).toList().forEach(id -> exit(id, 137));
    sandboxes.put(sandboxId, new PodSandbox(s.id(), s.config(), SandboxState.NOT_READY, s.createdAt(), s.ip()));
  }

  @Override
  public synchronized void removePodSandbox(String sandboxId) {
    stopPodSandbox(sandboxId);
    containers.values().removeIf(c -> c.sandboxId().equals(sandboxId));
    sandboxes.remove(sandboxId);
  }

  @Override
  public synchronized PodSandbox podSandboxStatus(String sandboxId) {
    PodSandbox s = sandboxes.get(sandboxId);
    if (s == null) {
      throw new ContainerNotFoundException(sandboxId);
    }
    return s;
  }

  @Override
  public synchronized List<PodSandbox> listPodSandboxes(Map<String, String> labelSelector) {
    return sandboxes.values().stream().filter(s -> s.labels().entrySet().containsAll(labelSelector.entrySet())).toList();
  }

  @Override
  public synchronized String createContainer(String sandboxId, ContainerConfig config) {
    if (failNextCreate != null) {
      ContainerRuntimeException e = failNextCreate;
      failNextCreate = null;
      throw e;
    }
    PodSandbox s = podSandboxStatus(sandboxId);
    if (!s.ready()) {
      throw new ContainerRuntimeException("sandbox not ready");
    }
    String id = "c" + (++nextId);
    containers.put(id, new RuntimeContainer(id, sandboxId, config, ContainerState.CREATED, clock.instant(), null, null, 0,
        "", "", s.config().logDirectory().resolve(config.logPath())));
    return id;
  }

  @Override
  public synchronized void startContainer(String containerId) {
    RuntimeContainer c = containerStatus(containerId);
    if (failNextStart != null) {
      String msg = failNextStart;
      failNextStart = null;
      containers.put(containerId, new RuntimeContainer(c.id(), c.sandboxId(), c.config(), ContainerState.EXITED,
          c.createdAt(), clock.instant(), clock.instant(), 128, RuntimeContainer.REASON_START_ERROR, msg, c.logPath()));
      throw new ContainerRuntimeException(msg);
    }
    containers.put(containerId, new RuntimeContainer(c.id(), c.sandboxId(), c.config(), ContainerState.RUNNING,
        c.createdAt(), clock.instant(), null, 0, "", "", c.logPath()));
  }

  @Override
  public synchronized void stopContainer(String containerId, Duration gracePeriod) {
    RuntimeContainer c = containerStatus(containerId);
    if (c.state() == ContainerState.RUNNING) {
      stopGraces.add(gracePeriod);
      exit(containerId, 143);
    }
  }

  @Override
  public synchronized void removeContainer(String containerId) {
    containers.remove(containerId);
  }

  @Override
  public synchronized ExecResult execSync(String containerId, List<String> command, Duration timeout) {
    if (containerStatus(containerId).state() != ContainerState.RUNNING) {
      throw new ContainerRuntimeException("container " + containerId + " is not running");
    }
    return execHandler.apply(containerId, command);
  }

  /** What {@link #execSync} answers from now on (default: exit 0, no output). */
  public synchronized void onExec(java.util.function.BiFunction<String, List<String>, ExecResult> handler) {
    this.execHandler = handler;
  }

  @Override
  public synchronized RuntimeContainer containerStatus(String containerId) {
    RuntimeContainer c = containers.get(containerId);
    if (c == null) {
      throw new ContainerNotFoundException(containerId);
    }
    return c;
  }

  @Override
  public synchronized List<RuntimeContainer> listContainers(Map<String, String> labelSelector) {
    return containers.values().stream().filter(c -> c.labels().entrySet().containsAll(labelSelector.entrySet())).toList();
  }

  @Override
  public AutoCloseable subscribe(Consumer<ContainerEvent> listener) {
    return () -> {};
  }

  @Override
  public void close() {}

  /** Makes a running container exit with this code now. */
  public synchronized void exit(String containerId, int code) {
    RuntimeContainer c = containerStatus(containerId);
    containers.put(containerId, new RuntimeContainer(c.id(), c.sandboxId(), c.config(), ContainerState.EXITED,
        c.createdAt(), c.startedAt(), clock.instant(), code, code == 0 ? "Completed" : "Error", "", c.logPath()));
  }

  /** The newest container of this name. */
  public synchronized RuntimeContainer latest(String name) {
    return containers.values().stream().filter(c -> c.name().equals(name))
        .max(java.util.Comparator.comparingInt(RuntimeContainer::attempt)).orElseThrow();
  }

  public synchronized List<RuntimeContainer> containers() {
    return List.copyOf(containers.values());
  }

  public synchronized List<PodSandbox> sandboxes() {
    return List.copyOf(sandboxes.values());
  }
}
