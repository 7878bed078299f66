package dev.capstan.controllers.replicaset;

import dev.capstan.api.core.v1.Pod;
import java.util.List;

/**
 * What one sync of a ReplicaSet does to its pods: how many to create, or which to delete, so that
 * the number of active pods it owns approaches {@code spec.replicas}. At most {@link #BURST_REPLICAS}
 * pods are created or deleted per sync, as in Kubernetes, so that one huge ReplicaSet cannot starve
 * the others of the controller's attention.
 *
 * @param podsToCreate pods to create from the template
 * @param podsToDelete pods to delete, in {@link SurplusPodRanking} order
 */
public record ReplicaSetPlan(int podsToCreate, List<Pod> podsToDelete) {
  public static final int BURST_REPLICAS = 500;

  public ReplicaSetPlan {
    podsToDelete = List.copyOf(podsToDelete);
  }

  /**
   * @param desired {@code spec.replicas}
   * @param activePods the active pods the ReplicaSet owns
   */
  public static ReplicaSetPlan of(int desired, List<Pod> activePods, int burst) {
    if (desired < 0) {
      throw new IllegalArgumentException("spec.replicas: must be non-negative, got " + desired);
    }
    int diff = activePods.size() - desired;
    if (diff < 0) {
      return new ReplicaSetPlan(Math.min(-diff, burst), List.of());
    }
    if (diff > 0) {
      return new ReplicaSetPlan(0, SurplusPodRanking.firstToDelete(activePods, Math.min(diff, burst)));
    }
    return new ReplicaSetPlan(0, List.of());
  }

  public boolean isEmpty() {
    return podsToCreate == 0 && podsToDelete.isEmpty();
  }
}
