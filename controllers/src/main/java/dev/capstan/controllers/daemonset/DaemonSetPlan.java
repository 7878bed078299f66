package dev.capstan.controllers.daemonset;

import dev.capstan.api.core.v1.Pod;
import dev.capstan.client.quantity.IntOrPercent;
import dev.capstan.controllers.framework.PodState;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * What one sync of a DaemonSet does, as Kubernetes' daemon controller decides it:
 *
 * <ul>
 *   <li>a node where a daemon pod should run and none is active gets one, unless a pod there is
 *       still terminating (its replacement waits for it to go);</li>
 *   <li>finished (Succeeded, Failed) pods are deleted, to be replaced on the next sync;</li>
 *   <li>a node with several active pods keeps one ({@link NodeDaemonPods#live} order) and loses
 *       the others;</li>
 *   <li>a node where the pod may not stay (nodeSelector no longer matches, an untolerated
 *       NoExecute taint, the node is gone) loses its pods;</li>
 *   <li>rolling update (strategy RollingUpdate): an old pod (another {@code controller-revision-hash})
 *       that is not available is deleted at once; old available pods are deleted while fewer than
 *       maxUnavailable of the nodes that should run a pod are without an available one. The
 *       replacements come from the first rule, on a later sync.</li>
 * </ul>
 *
 * @param nodesToCreateOn nodes that get a new pod
 * @param podsToDelete pods to delete
 */
public record DaemonSetPlan(List<String> nodesToCreateOn, List<Pod> podsToDelete) {
  public DaemonSetPlan {
    nodesToCreateOn = List.copyOf(nodesToCreateOn);
    podsToDelete = List.copyOf(podsToDelete);
  }

  /**
   * @param nodes every node and the DaemonSet's pods on it
   * @param revision the current template's hash
   * @param maxUnavailable the rolling update's budget; null for OnDelete (no rolling update)
   */
  public static DaemonSetPlan of(List<NodeDaemonPods> nodes, String revision, IntOrPercent maxUnavailable,
      int minReadySeconds, Instant now) {
    List<String> create = new ArrayList<>();
    List<Pod> delete = new ArrayList<>();
    List<Pod> oldAvailable = new ArrayList<>();
    int desired = 0;
    int unavailable = 0;
    for (NodeDaemonPods node : nodes) {
      delete.addAll(node.finished());
      List<Pod> live = node.live(revision);
      if (!node.eligibility().shouldContinueRunning()) {
        delete.addAll(live);
        continue;
      }
      if (node.eligibility().shouldRun()) {
        desired++;
      }
      if (live.isEmpty()) {
        if (node.eligibility().shouldRun()) {
          unavailable++;
          if (!node.anyTerminating() && node.finished().isEmpty()) {
            create.add(node.nodeName());
          }
        }
        continue;
      }
      delete.addAll(live.subList(1, live.size()));
      Pod kept = live.get(0);
      boolean available = PodState.isAvailable(kept, minReadySeconds, now);
      if (!available) {
        unavailable++;
      }
      if (maxUnavailable != null && !revision.equals(kept.getMetadata().getLabelsMap().get(DaemonPodFactory.REVISION_LABEL))) {
        if (available) {
          oldAvailable.add(kept);
        } else {
          delete.add(kept);  // already unavailable: replacing it costs nothing
        }
      }
    }
    if (maxUnavailable != null) {
      // Kubernetes rounds up and allows at least one, so a rollout always progresses.
      int budget = Math.max(1, maxUnavailable.scaledValue(desired, true));
      for (Pod pod : oldAvailable) {
        if (unavailable >= budget) {
          break;
        }
        delete.add(pod);
        unavailable++;
      }
    }
    return new DaemonSetPlan(create, delete);
  }

  public boolean isEmpty() {
    return nodesToCreateOn.isEmpty() && podsToDelete.isEmpty();
  }
}
