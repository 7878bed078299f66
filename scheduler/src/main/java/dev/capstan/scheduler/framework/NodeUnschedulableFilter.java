package dev.capstan.scheduler.framework;

import dev.capstan.api.core.v1.Pod;
import dev.capstan.api.core.v1.Taint;
import dev.capstan.client.scheduling.Tolerations;
import java.util.List;

/**
 * Rejects cordoned nodes (spec.unschedulable), unless the pod tolerates the
 * {@code node.kubernetes.io/unschedulable:NoSchedule} taint, as Kubernetes' NodeUnschedulable plugin.
 */
public final class NodeUnschedulableFilter implements NodeFilter {
  public static final String REASON = "node(s) were unschedulable";
  static final Taint UNSCHEDULABLE_TAINT = Taint.newBuilder()
      .setKey("node.kubernetes.io/unschedulable").setEffect(Tolerations.NO_SCHEDULE).build();

  @Override
  public List<String> filter(Pod pod, NodeInfo node) {
    if (!node.node().getSpec().getUnschedulable()
        || Tolerations.anyTolerates(pod.getSpec().getTolerationsList(), UNSCHEDULABLE_TAINT)) {
      return List.of();
    }
    return List.of(REASON);
  }
}
