package dev.capstan.agent.runtime;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The agent's view of a container runtime, shaped after the Kubernetes CRI {@code runtime.v1}
 * RuntimeService so that a containerd (CRI) binding is a thin translation.
 *
 * <p>A pod is one sandbox (the pod's shared environment: network, directories) holding containers.
 * Containers are never restarted in place: each restart is a new container with the next
 * {@link ContainerConfig#attempt()}. Containers write stdout/stderr in CRI log format
 * ({@link CriLogLine}) to {@code sandboxConfig.logDirectory()/containerConfig.logPath()}.
 *
 * <p>All methods are thread-safe. Stop and remove operations are idempotent, as in CRI: stopping an
 * exited container or sandbox, or removing one that is already gone, is not an error. Other
 * operations on an unknown id throw {@link ContainerNotFoundException}; other failures throw
 * {@link ContainerRuntimeException} with a message naming the object.
 */
public interface ContainerRuntime extends AutoCloseable {

  /** The runtime's name and version (CRI Version). */
  RuntimeVersion version();

  /** What this runtime can do; the agent adapts (e.g. no own pod IP). */
  Set<RuntimeFeature> features();

  /** Creates and starts a pod sandbox; returns it in state READY with its IP. */
  PodSandbox runPodSandbox(PodSandboxConfig config);

  /** Stops the sandbox and forcibly kills every container still running in it. Idempotent. */
  void stopPodSandbox(String sandboxId);

  /** Removes the sandbox and all its containers, killing any still running. Idempotent. */
  void removePodSandbox(String sandboxId);

  /** The sandbox's current status. */
  PodSandbox podSandboxStatus(String sandboxId);

  /** Sandboxes whose labels contain every entry of {@code labelSelector} (empty: all). */
  List<PodSandbox> listPodSandboxes(Map<String, String> labelSelector);

  /** Creates a container in state CREATED inside a READY sandbox; returns its id. */
  String createContainer(String sandboxId, ContainerConfig config);

  /** Starts a CREATED container. */
  void startContainer(String containerId);

  /**
   * Stops a running container: SIGTERM to it and its descendants, SIGKILL once {@code gracePeriod}
   * has passed. Returns when the container has exited. Idempotent.
   */
  void stopContainer(String containerId, Duration gracePeriod);

  /** Removes a container, killing it first if it still runs. Idempotent. */
  void removeContainer(String containerId);

  /** The container's current status. */
  RuntimeContainer containerStatus(String containerId);

  /**
   * Runs a command in a running container, as the container's user with its environment and
   * working directory, and waits for it. A command still running after {@code timeout} (zero:
   * no limit) is killed; it ends with exit code {@link ExecResult#TIMED_OUT} or the exception.
   *
   * @throws ContainerRuntimeException when the container is not running, the command cannot
   *     start, or the runtime gave up on it
   */
  ExecResult execSync(String containerId, java.util.List<String> command, Duration timeout);

  /** Containers whose labels contain every entry of {@code labelSelector} (empty: all). */
  List<RuntimeContainer> listContainers(Map<String, String> labelSelector);

  /**
   * The resource use of every running container (CRI ListContainerStats): cumulative CPU time and
   * current memory working set. Empty where the runtime cannot measure it.
   */
  default List<ContainerUsage> containerUsage() {
    return List.of();
  }

  /**
   * Subscribes to container lifecycle events (CRI GetContainerEvents), delivered on a runtime
   * thread; the listener must not block. Close the returned handle to unsubscribe.
   */
  AutoCloseable subscribe(Consumer<ContainerEvent> listener);

  /**
   * Tells {@code durationNanos} how long each relist for lifecycle events takes, for a runtime
   * that finds events by relisting (as kubelet's PLEG); the last observer set wins. A runtime with
   * an event stream has nothing to report.
   */
  default void observeRelists(java.util.function.LongConsumer durationNanos) {
  }

  /** Releases the runtime's own resources; see the implementation for what happens to containers. */
  @Override
  void close();
}
