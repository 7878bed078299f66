package dev.capstan.agent.pod;

import dev.capstan.api.core.v1.Container;
import dev.capstan.api.core.v1.Pod;
import java.util.HashMap;
import java.util.Map;

/**
 * The labels and annotations the agent puts on runtime sandboxes and containers to map them back
 * to pods (the same keys kubelet uses, so that {@code crictl} output reads the same).
 */
public final class RuntimeLabels {
  private RuntimeLabels() {}

  public static final String POD_NAME = "io.kubernetes.pod.name";
  public static final String POD_NAMESPACE = "io.kubernetes.pod.namespace";
  public static final String POD_UID = "io.kubernetes.pod.uid";
  public static final String CONTAINER_NAME = "io.kubernetes.container.name";
  /** Annotation: the pod's termination grace period, used to stop containers of orphaned pods. */
  public static final String TERMINATION_GRACE_PERIOD = "io.kubernetes.pod.terminationGracePeriod";

  /** Sandbox labels: the pod's own labels plus the identifying ones. */
  public static Map<String, String> forSandbox(Pod pod) {
    Map<String, String> labels = new HashMap<>(pod.getMetadata().getLabelsMap());
    labels.putAll(identity(pod));
    return labels;
  }

  public static Map<String, String> forContainer(Pod pod, Container container) {
    Map<String, String> labels = new HashMap<>(identity(pod));
    labels.put(CONTAINER_NAME, container.getName());
    return labels;
  }

  /** Selects every sandbox and container of one pod. */
  public static Map<String, String> selectPod(String uid) {
    return Map.of(POD_UID, uid);
  }

  private static Map<String, String> identity(Pod pod) {
    return Map.of(
        POD_NAME, pod.getMetadata().getName(),
        POD_NAMESPACE, pod.getMetadata().getNamespace(),
        POD_UID, pod.getMetadata().getUid());
  }
}
