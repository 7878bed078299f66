package dev.capstan.controllers.deployment;

import dev.capstan.api.apps.v1.Deployment;
import dev.capstan.api.apps.v1.ReplicaSet;
import java.util.Collection;
import java.util.function.ToIntFunction;

/** Replica counts of Deployments and sums over ReplicaSets, with Kubernetes' default of 1 replica. */
final class ReplicaCounts {
  private ReplicaCounts() {}

  static int desired(Deployment d) {
    return d.getSpec().hasReplicas() ? d.getSpec().getReplicas() : 1;
  }

  static int desired(ReplicaSet rs) {
    return rs.getSpec().hasReplicas() ? rs.getSpec().getReplicas() : 1;
  }

  /**
   * How many pods a ReplicaSet may have right now: its spec, or more while it has not yet observed
   * the deletion of pods beyond a lowered spec.
   */
  static int podsUpperBound(ReplicaSet rs) {
    return Math.max(desired(rs), rs.getStatus().getReplicas());
  }

  static int sumDesired(Collection<ReplicaSet> rss) {
    return sum(rss, ReplicaCounts::desired);
  }

  static int sumActual(Collection<ReplicaSet> rss) {
    return sum(rss, rs -> rs.getStatus().getReplicas());
  }

  static int sumReady(Collection<ReplicaSet> rss) {
    return sum(rss, rs -> rs.getStatus().getReadyReplicas());
  }

  static int sumAvailable(Collection<ReplicaSet> rss) {
    return sum(rss, rs -> rs.getStatus().getAvailableReplicas());
  }

  static int sumPodsUpperBound(Collection<ReplicaSet> rss) {
    return sum(rss, ReplicaCounts::podsUpperBound);
  }

  private static int sum(Collection<ReplicaSet> rss, ToIntFunction<ReplicaSet> f) {
    return rss.stream().mapToInt(f).sum();
  }
}
