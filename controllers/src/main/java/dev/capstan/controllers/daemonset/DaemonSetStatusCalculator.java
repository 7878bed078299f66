package dev.capstan.controllers.daemonset;

import dev.capstan.api.apps.v1.DaemonSet;
import dev.capstan.api.apps.v1.DaemonSetStatus;
import dev.capstan.api.core.v1.Pod;
import dev.capstan.controllers.framework.PodState;
import java.time.Instant;
import java.util.List;

/**
 * A DaemonSet's status from its nodes, as Kubernetes counts it. Over the nodes where a daemon pod
 * should run: desiredNumberScheduled (all of them), currentNumberScheduled (those with an active
 * pod), numberReady, numberAvailable (ready for minReadySeconds), updatedNumberScheduled (pod at
 * the current revision) and numberUnavailable (desired minus available); numberMisscheduled counts
 * the other nodes that have an active pod. observedGeneration is the DaemonSet's generation.
 */
public final class DaemonSetStatusCalculator {
  private DaemonSetStatusCalculator() {}

  public static DaemonSetStatus calculate(DaemonSet ds, List<NodeDaemonPods> nodes, String revision, Instant now) {
    int desired = 0;
    int current = 0;
    int misscheduled = 0;
    int ready = 0;
    int available = 0;
    int updated = 0;
    for (NodeDaemonPods node : nodes) {
      List<Pod> live = node.live(revision);
      if (!node.eligibility().shouldRun()) {
        if (!live.isEmpty()) {
          misscheduled++;
        }
        continue;
      }
      desired++;
      if (live.isEmpty()) {
        continue;
      }
      current++;
      Pod pod = live.get(0);
      if (PodState.isReady(pod)) {
        ready++;
      }
      if (PodState.isAvailable(pod, ds.getSpec().getMinReadySeconds(), now)) {
        available++;
      }
      if (revision.equals(pod.getMetadata().getLabelsMap().get(DaemonPodFactory.REVISION_LABEL))) {
        updated++;
      }
    }
    return ds.getStatus().toBuilder()
        .setDesiredNumberScheduled(desired)
        .setCurrentNumberScheduled(current)
        .setNumberMisscheduled(misscheduled)
        .setNumberReady(ready)
        .setNumberAvailable(available)
        .setUpdatedNumberScheduled(updated)
        .setNumberUnavailable(desired - available)
        .setObservedGeneration(ds.getMetadata().getGeneration())
        .build();
  }
}
