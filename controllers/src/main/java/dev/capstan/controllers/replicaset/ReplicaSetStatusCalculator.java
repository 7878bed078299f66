package dev.capstan.controllers.replicaset;

import dev.capstan.api.apps.v1.ReplicaSet;
import dev.capstan.api.apps.v1.ReplicaSetStatus;
import dev.capstan.api.core.v1.Pod;
import dev.capstan.controllers.framework.PodState;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * A ReplicaSet's status from the active pods it owns: replicas (all of them), fullyLabeledReplicas
 * (carrying every label of the template), readyReplicas (condition Ready=True), availableReplicas
 * (ready for at least minReadySeconds) and observedGeneration. Conditions are kept as they are.
 */
public final class ReplicaSetStatusCalculator {
  private ReplicaSetStatusCalculator() {}

  public static ReplicaSetStatus calculate(ReplicaSet rs, List<Pod> activePods, Instant now) {
    Map<String, String> templateLabels = rs.getSpec().getTemplate().getMetadata().getLabelsMap();
    int minReadySeconds = rs.getSpec().getMinReadySeconds();
    int fullyLabeled = 0;
    int ready = 0;
    int available = 0;
    for (Pod pod : activePods) {
      Map<String, String> labels = pod.getMetadata().getLabelsMap();
      if (labels.entrySet().containsAll(templateLabels.entrySet())) {
        fullyLabeled++;
      }
      if (PodState.isReady(pod)) {
        ready++;
        if (PodState.isAvailable(pod, minReadySeconds, now)) {
          available++;
        }
      }
    }
    return rs.getStatus().toBuilder()
        .setReplicas(activePods.size())
        .setFullyLabeledReplicas(fullyLabeled)
        .setReadyReplicas(ready)
        .setAvailableReplicas(available)
        .setObservedGeneration(rs.getMetadata().getGeneration())
        .build();
  }
}
