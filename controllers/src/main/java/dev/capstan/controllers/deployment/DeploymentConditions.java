package dev.capstan.controllers.deployment;

import dev.capstan.api.apps.v1.DeploymentCondition;
import dev.capstan.api.apps.v1.DeploymentStatus;
import dev.capstan.controllers.framework.ProtoTime;
import java.time.Instant;
import java.util.Optional;

/**
 * The Deployment conditions and reasons Kubernetes reports, and how a condition is set: setting one
 * with the same status and reason changes nothing; a new reason with the same status keeps the
 * last transition time.
 */
public final class DeploymentConditions {
  public static final String AVAILABLE = "Available";
  public static final String PROGRESSING = "Progressing";

  public static final String MINIMUM_REPLICAS_AVAILABLE = "MinimumReplicasAvailable";
  public static final String MINIMUM_REPLICAS_UNAVAILABLE = "MinimumReplicasUnavailable";
  public static final String NEW_REPLICA_SET_CREATED = "NewReplicaSetCreated";
  public static final String FOUND_NEW_REPLICA_SET = "FoundNewReplicaSet";
  public static final String REPLICA_SET_UPDATED = "ReplicaSetUpdated";
  public static final String NEW_REPLICA_SET_AVAILABLE = "NewReplicaSetAvailable";
  public static final String PROGRESS_DEADLINE_EXCEEDED = "ProgressDeadlineExceeded";
  public static final String DEPLOYMENT_PAUSED = "DeploymentPaused";
  public static final String DEPLOYMENT_RESUMED = "DeploymentResumed";

  private DeploymentConditions() {}

  public static DeploymentCondition newCondition(String type, String status, String reason, String message,
      Instant now) {
    return DeploymentCondition.newBuilder()
        .setType(type)
        .setStatus(status)
        .setReason(reason)
        .setMessage(message)
        .setLastUpdateTime(ProtoTime.toTimestamp(now))
        .setLastTransitionTime(ProtoTime.toTimestamp(now))
        .build();
  }

  public static Optional<DeploymentCondition> get(DeploymentStatus status, String type) {
    return status.getConditionsList().stream().filter(c -> c.getType().equals(type)).findFirst();
  }

  public static DeploymentStatus set(DeploymentStatus status, DeploymentCondition condition) {
    Optional<DeploymentCondition> current = get(status, condition.getType());
    if (current.isPresent() && current.get().getStatus().equals(condition.getStatus())
        && current.get().getReason().equals(condition.getReason())) {
      return status;
    }
    DeploymentCondition c = condition;
    if (current.isPresent() && current.get().getStatus().equals(condition.getStatus())) {
      c = c.toBuilder().setLastTransitionTime(current.get().getLastTransitionTime()).build();
    }
    return remove(status, condition.getType()).toBuilder().addConditions(c).build();
  }

  public static DeploymentStatus remove(DeploymentStatus status, String type) {
    DeploymentStatus.Builder b = status.toBuilder().clearConditions();
    for (DeploymentCondition c : status.getConditionsList()) {
      if (!c.getType().equals(type)) {
        b.addConditions(c);
      }
    }
    return b.build();
  }
}
