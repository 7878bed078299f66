package dev.capstan.scheduler.framework;

import dev.capstan.api.core.v1.Container;
import dev.capstan.api.core.v1.Pod;
import dev.capstan.api.core.v1.PodSpec;
import dev.capstan.client.quantity.Quantity;
import java.util.Map;

/**
 * What a pod asks for, computed as Kubernetes does: the sum of its containers' requests, or the
 * largest single init container's request if that is larger (init containers run one at a time,
 * before the others), per resource.
 */
public final class PodRequests {
  /** Kubernetes' defaults for a container without a request, used only when scoring. */
  public static final long DEFAULT_MILLI_CPU_REQUEST = 100;
  public static final long DEFAULT_MEMORY_REQUEST = 200L * 1024 * 1024;

  private PodRequests() {}

  /**
   * The pod's effective requests; a container without a request asks for nothing.
   *
   * @throws IllegalArgumentException naming the field, if a request is not a valid quantity
   */
  public static Resource of(Pod pod) {
    return compute(pod.getSpec(), false);
  }

  /**
   * The requests used for scoring: a container without a cpu or memory request counts as asking
   * for 100m or 200Mi, so that many "free" pods still spread over nodes (Kubernetes' non-zero
   * requests).
   */
  public static Resource nonZeroOf(Pod pod) {
    return compute(pod.getSpec(), true);
  }

  private static Resource compute(PodSpec spec, boolean nonZero) {
    Resource sum = Resource.ZERO;
    for (int i = 0; i < spec.getContainersCount(); i++) {
      sum = sum.plus(containerRequest(spec.getContainers(i), "spec.containers[" + i + "]", nonZero));
    }
    Resource result = sum;
    for (int i = 0; i < spec.getInitContainersCount(); i++) {
      result = result.max(containerRequest(spec.getInitContainers(i), "spec.initContainers[" + i + "]", nonZero));
    }
    return result;
  }

  private static Resource containerRequest(Container c, String path, boolean nonZero) {
    Map<String, String> requests = c.getResources().getRequestsMap();
    String base = path + ".resources.requests.";
    long cpu = requests.containsKey("cpu") ? parse(requests.get("cpu"), base + "cpu").milliValue()
        : nonZero ? DEFAULT_MILLI_CPU_REQUEST : 0;
    long memory = requests.containsKey("memory") ? parse(requests.get("memory"), base + "memory").value()
        : nonZero ? DEFAULT_MEMORY_REQUEST : 0;
    return new Resource(cpu, memory);
  }

  static Quantity parse(String text, String field) {
    try {
      return Quantity.parse(text);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(field + ": invalid quantity \"" + text + "\"", e);
    }
  }
}
