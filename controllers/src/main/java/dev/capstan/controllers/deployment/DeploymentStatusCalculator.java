package dev.capstan.controllers.deployment;

import dev.capstan.api.apps.v1.Deployment;
import dev.capstan.api.apps.v1.DeploymentCondition;
import dev.capstan.api.apps.v1.DeploymentStatus;
import dev.capstan.api.apps.v1.ReplicaSet;
import dev.capstan.controllers.framework.ProtoTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * A Deployment's status from its ReplicaSets, as Kubernetes computes it.
 *
 * <ul>
 *   <li>replicas, readyReplicas, availableReplicas: sums over all its ReplicaSets' statuses;
 *       updatedReplicas: the new ReplicaSet's; unavailableReplicas: the ReplicaSets' desired
 *       replicas minus the available ones;</li>
 *   <li>Available: True once at least {@code replicas - maxUnavailable} pods are available;</li>
 *   <li>Progressing (during rollouts): True/NewReplicaSetAvailable once complete, True/ReplicaSetUpdated
 *       while pods move, False/ProgressDeadlineExceeded when nothing moved for
 *       progressDeadlineSeconds (600 when unset, Kubernetes' default).</li>
 * </ul>
 */
public final class DeploymentStatusCalculator {
  public static final int DEFAULT_PROGRESS_DEADLINE_SECONDS = 600;

  private DeploymentStatusCalculator() {}

  /** replicas counts, observedGeneration and the Available condition. */
  public static DeploymentStatus status(Deployment d, List<ReplicaSet> allRss, Optional<ReplicaSet> newRs,
      Instant now) {
    int available = ReplicaCounts.sumAvailable(allRss);
    int unavailable = Math.max(0, ReplicaCounts.sumDesired(allRss) - available);
    DeploymentStatus.Builder b = d.getStatus().toBuilder()
        .setObservedGeneration(d.getMetadata().getGeneration())
        .setReplicas(ReplicaCounts.sumActual(allRss))
        .setUpdatedReplicas(newRs.map(rs -> rs.getStatus().getReplicas()).orElse(0))
        .setReadyReplicas(ReplicaCounts.sumReady(allRss))
        .setAvailableReplicas(available)
        .setUnavailableReplicas(unavailable);
    DeploymentStatus status = b.build();
    int replicas = ReplicaCounts.desired(d);
    DeploymentCondition availability = available >= replicas - RolloutBounds.of(d).maxUnavailable()
        ? DeploymentConditions.newCondition(DeploymentConditions.AVAILABLE, "True",
            DeploymentConditions.MINIMUM_REPLICAS_AVAILABLE, "Deployment has minimum availability.", now)
        : DeploymentConditions.newCondition(DeploymentConditions.AVAILABLE, "False",
            DeploymentConditions.MINIMUM_REPLICAS_UNAVAILABLE, "Deployment does not have minimum availability.",
            now);
    return DeploymentConditions.set(status, availability);
  }

  /** {@link #status} plus the Progressing condition of a rollout. */
  public static DeploymentStatus rolloutStatus(Deployment d, List<ReplicaSet> allRss, Optional<ReplicaSet> newRs,
      Instant now) {
    DeploymentStatus status = status(d, allRss, newRs, now);
    Optional<DeploymentCondition> current = DeploymentConditions.get(d.getStatus(), DeploymentConditions.PROGRESSING);
    boolean alreadyComplete = status.getReplicas() == status.getUpdatedReplicas()
        && current.map(c -> c.getReason().equals(DeploymentConditions.NEW_REPLICA_SET_AVAILABLE)).orElse(false);
    if (alreadyComplete) {
      return status;
    }
    String subject = newRs.map(rs -> "ReplicaSet \"" + rs.getMetadata().getName() + "\"")
        .orElse("Deployment \"" + d.getMetadata().getName() + "\"");
    if (isComplete(d, status)) {
      return DeploymentConditions.set(status, DeploymentConditions.newCondition(DeploymentConditions.PROGRESSING,
          "True", DeploymentConditions.NEW_REPLICA_SET_AVAILABLE, subject + " has successfully progressed.", now));
    }
    if (isProgressing(d, status)) {
      DeploymentCondition progressing = DeploymentConditions.newCondition(DeploymentConditions.PROGRESSING, "True",
          DeploymentConditions.REPLICA_SET_UPDATED, subject + " is progressing.", now);
      // Progress refreshes lastUpdateTime even with an unchanged reason: the deadline counts from it.
      if (current.isPresent() && current.get().getStatus().equals("True")) {
        progressing = progressing.toBuilder().setLastTransitionTime(current.get().getLastTransitionTime()).build();
      }
      return DeploymentConditions.remove(status, DeploymentConditions.PROGRESSING).toBuilder()
          .addConditions(progressing).build();
    }
    if (isTimedOut(d, status, now)) {
      return DeploymentConditions.set(status, DeploymentConditions.newCondition(DeploymentConditions.PROGRESSING,
          "False", DeploymentConditions.PROGRESS_DEADLINE_EXCEEDED, subject + " has timed out progressing.", now));
    }
    return status;
  }

  /** All replicas updated and available, and the latest spec observed. */
  public static boolean isComplete(Deployment d, DeploymentStatus status) {
    int replicas = ReplicaCounts.desired(d);
    return status.getUpdatedReplicas() == replicas
        && status.getReplicas() == replicas
        && status.getAvailableReplicas() == replicas
        && status.getObservedGeneration() >= d.getMetadata().getGeneration();
  }

  /** Something moved since the last recorded status: more updated, ready or available pods, or fewer old ones. */
  static boolean isProgressing(Deployment d, DeploymentStatus status) {
    DeploymentStatus old = d.getStatus();
    int oldOld = old.getReplicas() - old.getUpdatedReplicas();
    int newOld = status.getReplicas() - status.getUpdatedReplicas();
    return status.getUpdatedReplicas() > old.getUpdatedReplicas()
        || newOld < oldOld
        || status.getReadyReplicas() > old.getReadyReplicas()
        || status.getAvailableReplicas() > old.getAvailableReplicas();
  }

  static boolean isTimedOut(Deployment d, DeploymentStatus status, Instant now) {
    Optional<DeploymentCondition> c = DeploymentConditions.get(status, DeploymentConditions.PROGRESSING);
    if (c.isEmpty() || c.get().getReason().equals(DeploymentConditions.NEW_REPLICA_SET_AVAILABLE)) {
      return false;
    }
    if (c.get().getReason().equals(DeploymentConditions.PROGRESS_DEADLINE_EXCEEDED)) {
      return true;
    }
    return ProtoTime.toInstant(c.get().getLastUpdateTime()).plus(progressDeadline(d)).isBefore(now);
  }

  /**
   * How long until a rollout in progress would time out, if it is in progress and has not yet: the
   * controller checks again then.
   */
  public static Optional<Duration> untilDeadline(Deployment d, DeploymentStatus status, Instant now) {
    Optional<DeploymentCondition> c = DeploymentConditions.get(status, DeploymentConditions.PROGRESSING);
    if (c.isEmpty() || !c.get().getStatus().equals("True") || isComplete(d, status)
        || c.get().getReason().equals(DeploymentConditions.NEW_REPLICA_SET_AVAILABLE)) {
      return Optional.empty();
    }
    Instant deadline = ProtoTime.toInstant(c.get().getLastUpdateTime()).plus(progressDeadline(d));
    Duration left = Duration.between(now, deadline);
    return Optional.of(left.isNegative() ? Duration.ZERO : left.plusSeconds(1));
  }

  static Duration progressDeadline(Deployment d) {
    return Duration.ofSeconds(d.getSpec().hasProgressDeadlineSeconds()
        ? d.getSpec().getProgressDeadlineSeconds() : DEFAULT_PROGRESS_DEADLINE_SECONDS);
  }

  /**
   * The status with the Progressing condition a pause or resume calls for, or empty if it is right
   * already. A timed-out rollout keeps its condition.
   */
  public static Optional<DeploymentStatus> pausedConditionUpdate(Deployment d, Instant now) {
    Optional<DeploymentCondition> c = DeploymentConditions.get(d.getStatus(), DeploymentConditions.PROGRESSING);
    if (c.isPresent() && c.get().getReason().equals(DeploymentConditions.PROGRESS_DEADLINE_EXCEEDED)) {
      return Optional.empty();
    }
    boolean pausedConditionExists =
        c.isPresent() && c.get().getReason().equals(DeploymentConditions.DEPLOYMENT_PAUSED);
    if (d.getSpec().getPaused() && !pausedConditionExists) {
      return Optional.of(DeploymentConditions.set(d.getStatus(), DeploymentConditions.newCondition(
          DeploymentConditions.PROGRESSING, "Unknown", DeploymentConditions.DEPLOYMENT_PAUSED,
          "Deployment is paused", now)));
    }
    if (!d.getSpec().getPaused() && pausedConditionExists) {
      return Optional.of(DeploymentConditions.set(d.getStatus(), DeploymentConditions.newCondition(
          DeploymentConditions.PROGRESSING, "Unknown", DeploymentConditions.DEPLOYMENT_RESUMED,
          "Deployment is resumed", now)));
    }
    return Optional.empty();
  }
}
