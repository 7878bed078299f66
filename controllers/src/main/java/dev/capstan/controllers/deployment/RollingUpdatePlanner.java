package dev.capstan.controllers.deployment;

import dev.capstan.api.apps.v1.Deployment;
import dev.capstan.api.apps.v1.ReplicaSet;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The steps of a rolling update, Kubernetes' algorithm as pure functions of the Deployment and its
 * ReplicaSets as the controller's cache shows them. Each sync takes one step, and the next sync
 * sees its effects:
 *
 * <ol>
 *   <li>scale the new ReplicaSet up, as long as the pods of all ReplicaSets stay within
 *       {@code replicas + maxSurge} ({@link #newReplicaSetReplicas});</li>
 *   <li>otherwise scale old ReplicaSets down — first their unavailable pods, then available ones —
 *       as long as at least {@code replicas - maxUnavailable} pods stay available
 *       ({@link #oldReplicaSetScaleDowns}). Availability is read from the ReplicaSets'
 *       status.availableReplicas.</li>
 * </ol>
 *
 * <p>One deliberate difference from Kubernetes: the pod count checked against the surge bound takes
 * each ReplicaSet's {@code max(spec.replicas, status.replicas)} rather than spec.replicas alone. Just
 * after an old ReplicaSet is scaled down its surplus pods still exist until its controller deletes
 * them; counting by spec would let the new ReplicaSet grow in that window and momentarily exceed
 * {@code replicas + maxSurge} pods. Waiting for the old ReplicaSet to report the lower count makes the
 * bound hold for the pods that exist, at the price of one more sync per step. Likewise a ReplicaSet's
 * available pods are counted as at most its spec.replicas, so pods about to be deleted never count
 * towards {@code replicas - maxUnavailable}.
 */
public final class RollingUpdatePlanner {
  private RollingUpdatePlanner() {}

  /**
   * The spec.replicas the new ReplicaSet should have now.
   *
   * @param oldRss every ReplicaSet of the Deployment except the new one
   * @param newRs the new ReplicaSet, or empty if it does not exist yet (it would start with 0)
   */
  public static int newReplicaSetReplicas(Deployment d, List<ReplicaSet> oldRss, Optional<ReplicaSet> newRs) {
    int replicas = ReplicaCounts.desired(d);
    int current = newRs.map(ReplicaCounts::desired).orElse(0);
    if (current >= replicas) {
      return replicas;
    }
    int maxTotal = replicas + RolloutBounds.of(d).maxSurge();
    int pods = ReplicaCounts.sumPodsUpperBound(oldRss) + newRs.map(ReplicaCounts::podsUpperBound).orElse(0);
    if (pods >= maxTotal) {
      return current;
    }
    return current + Math.min(maxTotal - pods, replicas - current);
  }

  /**
   * The old ReplicaSets to scale down now, oldest first; empty if none may shrink.
   *
   * @param oldRss every ReplicaSet of the Deployment except the new one
   */
  public static List<ScaleTarget> oldReplicaSetScaleDowns(Deployment d, List<ReplicaSet> oldRss, ReplicaSet newRs) {
    int oldPods = ReplicaCounts.sumDesired(oldRss);
    if (oldPods == 0) {
      return List.of();
    }
    int replicas = ReplicaCounts.desired(d);
    int minAvailable = replicas - RolloutBounds.of(d).maxUnavailable();
    int allPods = oldPods + ReplicaCounts.desired(newRs);
    int newRsUnavailable = ReplicaCounts.desired(newRs) - available(newRs);
    int maxScaledDown = allPods - minAvailable - newRsUnavailable;
    if (maxScaledDown <= 0) {
      return List.of();
    }
    List<ReplicaSet> oldest = new ArrayList<>(oldRss);
    oldest.sort(DeploymentReplicaSets.BY_CREATION);
    Map<ReplicaSet, Integer> targets = new LinkedHashMap<>();
    for (ReplicaSet rs : oldest) {
      targets.put(rs, ReplicaCounts.desired(rs));
    }

    // Unavailable pods of old ReplicaSets go first: removing them costs no availability.
    int cleaned = 0;
    for (ReplicaSet rs : oldest) {
      if (cleaned >= maxScaledDown) {
        break;
      }
      int current = targets.get(rs);
      int unavailable = current - available(rs);
      if (current == 0 || unavailable <= 0) {
        continue;
      }
      int n = Math.min(maxScaledDown - cleaned, unavailable);
      targets.put(rs, current - n);
      cleaned += n;
    }

    // Then available pods, down to minAvailable across all ReplicaSets.
    int available = oldRss.stream().mapToInt(RollingUpdatePlanner::available).sum() + available(newRs);
    if (available > minAvailable) {
      int toScaleDown = available - minAvailable;
      int scaled = 0;
      for (ReplicaSet rs : oldest) {
        if (scaled >= toScaleDown) {
          break;
        }
        int current = targets.get(rs);
        if (current == 0) {
          continue;
        }
        int n = Math.min(current, toScaleDown - scaled);
        targets.put(rs, current - n);
        scaled += n;
      }
    }

    List<ScaleTarget> result = new ArrayList<>();
    targets.forEach((rs, target) -> {
      if (target != ReplicaCounts.desired(rs)) {
        result.add(new ScaleTarget(rs, target));
      }
    });
    return result;
  }

  /**
   * The available pods that will remain: a ReplicaSet just scaled down still reports the available
   * pods it is about to delete, and counting those could take availability below the bound.
   */
  private static int available(ReplicaSet rs) {
    return Math.min(rs.getStatus().getAvailableReplicas(), ReplicaCounts.desired(rs));
  }
}
