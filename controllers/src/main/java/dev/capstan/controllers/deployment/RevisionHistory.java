package dev.capstan.controllers.deployment;

import dev.capstan.api.apps.v1.Deployment;
import dev.capstan.api.apps.v1.ReplicaSet;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Which old ReplicaSets a Deployment no longer keeps: beyond {@code revisionHistoryLimit} (10 when
 * unset, Kubernetes' default) the lowest revisions go, but only once they are scaled to 0, have no
 * pods left and their controller has observed their latest spec.
 */
public final class RevisionHistory {
  public static final int DEFAULT_REVISION_HISTORY_LIMIT = 10;

  private RevisionHistory() {}

  public static List<ReplicaSet> toDelete(Deployment d, List<ReplicaSet> oldRss) {
    int limit = d.getSpec().hasRevisionHistoryLimit()
        ? d.getSpec().getRevisionHistoryLimit() : DEFAULT_REVISION_HISTORY_LIMIT;
    List<ReplicaSet> alive = new ArrayList<>(oldRss.stream()
        .filter(rs -> !rs.getMetadata().hasDeletionTimestamp()).toList());
    int surplus = alive.size() - limit;
    if (surplus <= 0) {
      return List.of();
    }
    alive.sort(Comparator.comparingLong(DeploymentAnnotations::revision)
        .thenComparing(DeploymentReplicaSets.BY_CREATION));
    List<ReplicaSet> delete = new ArrayList<>();
    for (ReplicaSet rs : alive.subList(0, surplus)) {
      if (rs.getStatus().getReplicas() == 0 && ReplicaCounts.desired(rs) == 0
          && rs.getStatus().getObservedGeneration() >= rs.getMetadata().getGeneration()) {
        delete.add(rs);
      }
    }
    return delete;
  }
}
