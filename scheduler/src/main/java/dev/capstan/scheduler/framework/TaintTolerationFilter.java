package dev.capstan.scheduler.framework;

import dev.capstan.api.core.v1.Pod;
import dev.capstan.api.core.v1.Taint;
import dev.capstan.client.scheduling.Tolerations;
import java.util.List;

/**
 * Rejects a node with a NoSchedule or NoExecute taint the pod does not tolerate
 * (PreferNoSchedule taints only matter for scoring).
 */
public final class TaintTolerationFilter implements NodeFilter {
  @Override
  public List<String> filter(Pod pod, NodeInfo node) {
    for (Taint taint : node.node().getSpec().getTaintsList()) {
      boolean hard = taint.getEffect().equals(Tolerations.NO_SCHEDULE)
          || taint.getEffect().equals(Tolerations.NO_EXECUTE);
      if (hard && !Tolerations.anyTolerates(pod.getSpec().getTolerationsList(), taint)) {
        return List.of("node(s) had untolerated taint {" + taint.getKey() + ": " + taint.getValue() + "}");
      }
    }
    return List.of();
  }
}
