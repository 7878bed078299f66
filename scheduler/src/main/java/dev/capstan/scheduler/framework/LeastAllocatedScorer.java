package dev.capstan.scheduler.framework;

import dev.capstan.api.core.v1.Pod;
import java.math.BigInteger;

/**
 * Prefers the node that would have the most room left: for cpu and memory,
 * {@code (allocatable - requested) * 100 / allocatable} after placing the pod, averaged with equal
 * weights, in integer arithmetic as Kubernetes' NodeResourcesLeastAllocated. Requests are counted
 * with Kubernetes' non-zero defaults so that pods without requests still spread.
 */
public final class LeastAllocatedScorer implements NodeScorer {
  @Override
  public long score(Pod pod, NodeInfo node) {
    Resource requested = node.nonZeroRequested().plus(PodRequests.nonZeroOf(pod));
    long cpu = leastRequested(requested.milliCpu(), node.allocatable().milliCpu());
    long memory = leastRequested(requested.memory(), node.allocatable().memory());
    return (cpu + memory) / 2;
  }

  private static long leastRequested(long requested, long capacity) {
    if (capacity <= 0 || requested > capacity) {
      return 0;
    }
    // capacity can be large (bytes): divide in a wide type to avoid overflow of (free * 100).
    return BigInteger.valueOf(capacity - requested).multiply(BigInteger.valueOf(MAX_SCORE))
        .divide(BigInteger.valueOf(capacity)).longValue();
  }
}
