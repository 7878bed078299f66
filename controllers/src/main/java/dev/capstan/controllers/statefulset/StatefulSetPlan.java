package dev.capstan.controllers.statefulset;

import dev.capstan.api.core.v1.Pod;
import dev.capstan.controllers.framework.PodState;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * What one sync of a StatefulSet does to its pods, Kubernetes' rules:
 *
 * <ol>
 *   <li>A finished (Succeeded, Failed) pod at an ordinal below replicas is deleted, to be created
 *       again on a later sync.</li>
 *   <li>Ordinals 0..replicas-1 are walked upwards; a missing pod is created. With OrderedReady
 *       the walk stops at the first pod it creates and at the first that is not Running and Ready
 *       (or is terminating): pod i+1 is not created before pod i is Ready. With Parallel every
 *       missing pod is created at once (a terminating one is waited for, since its replacement
 *       has the same name).</li>
 *   <li>Pods at ordinals at or above replicas are deleted from the highest down; with
 *       OrderedReady one at a time (the next waits until the previous is gone), and only while
 *       every other pod of the set is Running and Ready; with Parallel all at once.</li>
 *   <li>RollingUpdate, once nothing is created or deleted: ordinals from replicas-1 down to the
 *       partition are walked; the first pod at another revision is deleted (it comes back at the
 *       update revision through rule 2), and the walk stops at the first pod that is not Running
 *       and Ready. So one pod at a time is replaced, highest ordinal first. OnDelete replaces
 *       nothing: pods pick up the new template when deleted.</li>
 * </ol>
 *
 * @param ordinalsToCreate ordinals whose pods are created, at the update revision
 * @param podsToDelete pods to delete
 */
public record StatefulSetPlan(List<Integer> ordinalsToCreate, List<Pod> podsToDelete) {
  public StatefulSetPlan {
    ordinalsToCreate = List.copyOf(ordinalsToCreate);
    podsToDelete = List.copyOf(podsToDelete);
  }

  /**
   * @param replicas {@code spec.replicas}
   * @param ordered podManagementPolicy OrderedReady (false: Parallel)
   * @param rollingUpdate updateStrategy RollingUpdate (false: OnDelete)
   * @param partition the rolling update's partition
   * @param updateRevision the hash of the current template
   * @param podsByOrdinal the set's pods, terminating ones included
   */
  public static StatefulSetPlan of(int replicas, boolean ordered, boolean rollingUpdate, int partition,
      String updateRevision, Map<Integer, Pod> podsByOrdinal) {
    if (replicas < 0) {
      throw new IllegalArgumentException("spec.replicas: must be non-negative, got " + replicas);
    }
    List<Integer> create = new ArrayList<>();
    List<Pod> delete = new ArrayList<>();
    for (int ordinal = 0; ordinal < replicas; ordinal++) {
      Pod pod = podsByOrdinal.get(ordinal);
      if (pod != null && PodState.isTerminal(pod) && !PodState.isTerminating(pod)) {
        delete.add(pod);
        if (ordered) {
          return new StatefulSetPlan(create, delete);
        }
      }
    }
    for (int ordinal = 0; ordinal < replicas; ordinal++) {
      Pod pod = podsByOrdinal.get(ordinal);
      if (pod == null) {
        create.add(ordinal);
        if (ordered) {
          return new StatefulSetPlan(create, delete);
        }
      } else if (ordered && !isRunningAndReady(pod)) {
        return new StatefulSetPlan(create, delete);
      }
    }
    List<Pod> condemned = podsByOrdinal.entrySet().stream().filter(e -> e.getKey() >= replicas)
        .sorted(Map.Entry.<Integer, Pod>comparingByKey(Comparator.reverseOrder())).map(Map.Entry::getValue).toList();
    for (Pod pod : condemned) {
      if (PodState.isTerminating(pod)) {
        if (ordered) {
          return new StatefulSetPlan(create, delete);
        }
        continue;
      }
      if (ordered && podsByOrdinal.values().stream().anyMatch(p -> p != pod && !isRunningAndReady(p))) {
        return new StatefulSetPlan(create, delete);  // another pod is unhealthy: wait for it
      }
      delete.add(pod);
      if (ordered) {
        return new StatefulSetPlan(create, delete);
      }
    }
    if (!create.isEmpty() || !delete.isEmpty() || !rollingUpdate) {
      return new StatefulSetPlan(create, delete);
    }
    for (int ordinal = replicas - 1; ordinal >= Math.max(partition, 0); ordinal--) {
      Pod pod = podsByOrdinal.get(ordinal);
      if (pod == null) {
        break;  // a terminating pod's replacement (Parallel): wait for it
      }
      if (!StatefulPodFactory.revisionOf(pod).equals(updateRevision)) {
        if (!PodState.isTerminating(pod)) {
          delete.add(pod);
        }
        break;
      }
      if (!isRunningAndReady(pod)) {
        break;
      }
    }
    return new StatefulSetPlan(create, delete);
  }

  /** Running, condition Ready=True, and not terminating: what OrderedReady waits for. */
  static boolean isRunningAndReady(Pod pod) {
    return pod.getStatus().getPhase().equals(PodState.RUNNING) && PodState.isReady(pod) && !PodState.isTerminating(pod);
  }

  public boolean isEmpty() {
    return ordinalsToCreate.isEmpty() && podsToDelete.isEmpty();
  }
}
