package dev.capstan.agent.server;

import dev.capstan.agent.pod.RuntimeLabels;
import dev.capstan.agent.runtime.ContainerRuntime;
import dev.capstan.agent.runtime.ContainerRuntimeException;
import dev.capstan.agent.runtime.ContainerState;
import dev.capstan.agent.runtime.RuntimeContainer;
import dev.capstan.api.core.v1.Container;
import dev.capstan.api.core.v1.Pod;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Locates container logs through the pods this agent runs and the runtime's containers. The
 * default container is the one named by the {@code kubectl.kubernetes.io/default-container}
 * annotation, else the pod's first.
 */
public final class RuntimeContainerLogs implements ContainerLogLocator {
  public static final String DEFAULT_CONTAINER_ANNOTATION = "kubectl.kubernetes.io/default-container";

  /** The pods of this node by namespace and name. */
  @FunctionalInterface
  public interface PodLookup {
    Optional<Pod> find(String namespace, String name);
  }

  private final PodLookup pods;
  private final ContainerRuntime runtime;

  public RuntimeContainerLogs(PodLookup pods, ContainerRuntime runtime) {
    this.pods = pods;
    this.runtime = runtime;
  }

  @Override
  public ContainerLog find(String namespace, String name, String container, boolean previous) {
    Pod pod = pods.find(namespace, name).orElseThrow(() -> notFound(
        "pod \"" + name + "\" not found in namespace \"" + namespace + "\" on this node"));
    String containerName = containerName(pod, container);
    String uid = pod.getMetadata().getUid();
    List<RuntimeContainer> attempts = runtime.listContainers(Map.of(RuntimeLabels.POD_UID, uid,
            RuntimeLabels.CONTAINER_NAME, containerName)).stream()
        .sorted(Comparator.comparingInt(RuntimeContainer::attempt))
        .toList();
    if (attempts.isEmpty()) {
      throw notFound("container \"" + containerName + "\" in pod \"" + name + "\" is waiting to start");
    }
    RuntimeContainer target;
    if (previous) {
      if (attempts.size() < 2) {
        throw notFound("previous terminated container \"" + containerName + "\" in pod \"" + name + "\" not found");
      }
      target = attempts.get(attempts.size() - 2);
    } else {
      target = attempts.get(attempts.size() - 1);
    }
    String id = target.id();
    return new ContainerLog(target.logPath(), () -> running(id) && pods.find(namespace, name)
        .map(p -> p.getMetadata().getUid().equals(uid)).orElse(false));
  }

  private boolean running(String containerId) {
    try {
      return runtime.containerStatus(containerId).state() == ContainerState.RUNNING;
    } catch (ContainerRuntimeException e) {
      return false;
    }
  }

  static String containerName(Pod pod, String requested) {
    List<String> names = pod.getSpec().getContainersList().stream().map(Container::getName).toList();
    if (!requested.isEmpty()) {
      if (!names.contains(requested)) {
        throw notFound("container \"" + requested + "\" is not valid for pod \"" + pod.getMetadata().getName()
            + "\" (containers: " + String.join(", ", names) + ")");
      }
      return requested;
    }
    String annotated = pod.getMetadata().getAnnotationsMap().get(DEFAULT_CONTAINER_ANNOTATION);
    if (annotated != null && names.contains(annotated)) {
      return annotated;
    }
    if (names.isEmpty()) {
      throw notFound("pod \"" + pod.getMetadata().getName() + "\" has no containers");
    }
    return names.get(0);
  }

  private static StatusRuntimeException notFound(String message) {
    return Status.NOT_FOUND.withDescription(message).asRuntimeException();
  }
}
