package dev.capstan.controllers.statefulset;

import dev.capstan.api.apps.v1.StatefulSet;
import dev.capstan.api.apps.v1.StatefulSetStatus;
import dev.capstan.api.core.v1.Pod;
import dev.capstan.controllers.framework.PodState;
import java.time.Instant;
import java.util.List;

/**
 * A StatefulSet's status from its pods that are not terminating: replicas (all of them),
 * readyReplicas (Running and Ready), availableReplicas (ready for minReadySeconds),
 * currentReplicas and updatedReplicas (at currentRevision, at updateRevision). updateRevision is
 * the current template's hash; currentRevision is the revision the set had before the update began,
 * and becomes updateRevision once every replica is updated and ready, as in Kubernetes.
 */
public final class StatefulSetStatusCalculator {
  private StatefulSetStatusCalculator() {}

  public static StatefulSetStatus calculate(StatefulSet set, List<Pod> pods, String updateRevision, Instant now) {
    String currentRevision = set.getStatus().getCurrentRevision().isEmpty() ? updateRevision
        : set.getStatus().getCurrentRevision();
    int replicas = 0;
    int ready = 0;
    int available = 0;
    int current = 0;
    int updated = 0;
    for (Pod pod : pods) {
      if (PodState.isTerminating(pod)) {
        continue;
      }
      replicas++;
      if (StatefulSetPlan.isRunningAndReady(pod)) {
        ready++;
        if (PodState.isAvailable(pod, set.getSpec().getMinReadySeconds(), now)) {
          available++;
        }
      }
      String revision = StatefulPodFactory.revisionOf(pod);
      if (revision.equals(currentRevision)) {
        current++;
      }
      if (revision.equals(updateRevision)) {
        updated++;
      }
    }
    int desired = set.getSpec().getReplicas();
    if (!currentRevision.equals(updateRevision) && updated == desired && ready == desired && replicas == desired) {
      currentRevision = updateRevision;
      current = updated;
    }
    return set.getStatus().toBuilder()
        .setObservedGeneration(set.getMetadata().getGeneration())
        .setReplicas(replicas)
        .setReadyReplicas(ready)
        .setAvailableReplicas(available)
        .setCurrentReplicas(current)
        .setUpdatedReplicas(updated)
        .setCurrentRevision(currentRevision)
        .setUpdateRevision(updateRevision)
        .build();
  }
}
