package dev.capstan.agent.pod;

import dev.capstan.api.core.v1.Pod;

/**
 * Where the agent reports what happened to a pod as Kubernetes Events (the kubelet's reasons:
 * Created, Started, Failed, BackOff, Killing, Unhealthy, ...). Implementations must not block: the
 * agent calls this on its sync and probe threads.
 */
@FunctionalInterface
public interface PodEvents {
  /** Records nothing, for tests and tools that do not care. */
  PodEvents NONE = (pod, type, reason, message) -> { };

  String NORMAL = "Normal";
  String WARNING = "Warning";

  /** @param type {@link #NORMAL} or {@link #WARNING} */
  void record(Pod pod, String type, String reason, String message);

  default void normal(Pod pod, String reason, String message) {
    record(pod, NORMAL, reason, message);
  }

  default void warning(Pod pod, String reason, String message) {
    record(pod, WARNING, reason, message);
  }
}
