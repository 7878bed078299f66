package dev.capstan.controllers.deployment;

import dev.capstan.api.apps.v1.ReplicaSet;
import java.util.List;
import java.util.OptionalInt;

/**
 * The annotations the Deployment controller keeps on its ReplicaSets, Kubernetes' names:
 * the revision (1, 2, 3, ... in rollout order; a rollback gives an old template a new revision), and
 * the Deployment's replicas and replicas+maxSurge when the ReplicaSet was last scaled, which tell
 * a scaling event from a rollout and make proportional scaling possible.
 */
public final class DeploymentAnnotations {
  public static final String REVISION = "deployment.kubernetes.io/revision";
  public static final String DESIRED_REPLICAS = "deployment.kubernetes.io/desired-replicas";
  public static final String MAX_REPLICAS = "deployment.kubernetes.io/max-replicas";

  private DeploymentAnnotations() {}

  /** The ReplicaSet's revision; 0 if it has none or it is not a number. */
  public static long revision(ReplicaSet rs) {
    String value = rs.getMetadata().getAnnotationsOrDefault(REVISION, "");
    try {
      return value.isEmpty() ? 0 : Long.parseLong(value);
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  public static long maxRevision(List<ReplicaSet> rss) {
    return rss.stream().mapToLong(DeploymentAnnotations::revision).max().orElse(0);
  }

  public static OptionalInt desiredReplicas(ReplicaSet rs) {
    return intAnnotation(rs, DESIRED_REPLICAS);
  }

  public static OptionalInt maxReplicas(ReplicaSet rs) {
    return intAnnotation(rs, MAX_REPLICAS);
  }

  private static OptionalInt intAnnotation(ReplicaSet rs, String key) {
    String value = rs.getMetadata().getAnnotationsOrDefault(key, "");
    try {
      return value.isEmpty() ? OptionalInt.empty() : OptionalInt.of(Integer.parseInt(value));
    } catch (NumberFormatException e) {
      return OptionalInt.empty();
    }
  }
}
