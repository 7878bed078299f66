package dev.capstan.controllers.daemonset;

import dev.capstan.api.core.v1.Node;
import dev.capstan.api.core.v1.PodSpec;
import dev.capstan.api.core.v1.Taint;
import dev.capstan.client.scheduling.Tolerations;
import java.util.Map;

/**
 * Whether a DaemonSet's pod belongs on a node, Kubernetes' two answers:
 *
 * <ul>
 *   <li>{@code shouldRun}: a new daemon pod goes there: the template's nodeName (if set) names the
 *       node, its nodeSelector matches the node's labels, and it tolerates every NoSchedule and
 *       NoExecute taint of the node;</li>
 *   <li>{@code shouldContinueRunning}: a daemon pod already there may stay: the same, except that
 *       untolerated NoSchedule taints are ignored (they keep new pods off, they do not evict).</li>
 * </ul>
 * The pod spec asked about is the one the controller creates, with the daemon tolerations of
 * {@link DaemonPodFactory} already added. An unschedulable node is not skipped: daemon pods
 * tolerate {@code node.kubernetes.io/unschedulable} as in Kubernetes.
 *
 * @param shouldRun a daemon pod should be created on the node if it has none
 * @param shouldContinueRunning a daemon pod on the node may stay
 */
public record NodeEligibility(boolean shouldRun, boolean shouldContinueRunning) {
  private static final NodeEligibility NONE = new NodeEligibility(false, false);

  public static NodeEligibility of(Node node, PodSpec daemonPod) {
    String name = node.getMetadata().getName();
    if (!daemonPod.getNodeName().isEmpty() && !daemonPod.getNodeName().equals(name)) {
      return NONE;
    }
    Map<String, String> labels = node.getMetadata().getLabelsMap();
    for (Map.Entry<String, String> wanted : daemonPod.getNodeSelectorMap().entrySet()) {
      if (!wanted.getValue().equals(labels.get(wanted.getKey()))) {
        return NONE;
      }
    }
    boolean shouldRun = true;
    for (Taint taint : node.getSpec().getTaintsList()) {
      if (Tolerations.anyTolerates(daemonPod.getTolerationsList(), taint)) {
        continue;
      }
      if (taint.getEffect().equals(Tolerations.NO_EXECUTE)) {
        return NONE;
      }
      if (taint.getEffect().equals(Tolerations.NO_SCHEDULE)) {
        shouldRun = false;
      }
    }
    return new NodeEligibility(shouldRun, true);
  }
}
