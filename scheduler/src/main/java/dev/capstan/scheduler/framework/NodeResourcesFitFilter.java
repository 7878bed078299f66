package dev.capstan.scheduler.framework;

import dev.capstan.api.core.v1.Pod;
import java.util.ArrayList;
import java.util.List;

/**
 * Passes nodes with room for the pod: the requests of the pods already counted on the node plus
 * this pod's must not exceed the node's allocatable cpu and memory, and the pod count must stay
 * within the node's allowed pods. As in Kubernetes, a resource the pod does not request never makes
 * it unfit, even on an overcommitted node.
 */
public final class NodeResourcesFitFilter implements NodeFilter {
  public static final String INSUFFICIENT_CPU = "Insufficient cpu";
  public static final String INSUFFICIENT_MEMORY = "Insufficient memory";
  public static final String TOO_MANY_PODS = "Too many pods";

  @Override
  public List<String> filter(Pod pod, NodeInfo node) {
    Resource request = PodRequests.of(pod);
    Resource free = node.allocatable().minus(node.requested());
    List<String> reasons = new ArrayList<>(3);
    if (node.podCount() + 1L > node.allowedPodCount()) {
      reasons.add(TOO_MANY_PODS);
    }
    if (request.milliCpu() > 0 && request.milliCpu() > free.milliCpu()) {
      reasons.add(INSUFFICIENT_CPU);
    }
    if (request.memory() > 0 && request.memory() > free.memory()) {
      reasons.add(INSUFFICIENT_MEMORY);
    }
    return reasons;
  }
}
