package dev.capstan.scheduler;

import com.google.protobuf.Timestamp;
import dev.capstan.api.core.v1.Pod;
import dev.capstan.api.core.v1.PodCondition;
import dev.capstan.api.core.v1.PodStatus;
import java.time.Instant;
import java.util.Optional;

/**
 * Computes a pod's status with condition {@code PodScheduled=False, reason=Unschedulable} and the
 * scheduler's message, as Kubernetes records a failed scheduling attempt. Pure.
 */
final class UnschedulableCondition {
  static final String TYPE = "PodScheduled";
  static final String REASON = "Unschedulable";

  private UnschedulableCondition() {}

  /**
   * {@code pod} with the condition set, or empty when nothing would change (the same condition is
   * already there) or the pod is bound meanwhile. lastTransitionTime moves only when the
   * condition's status changes.
   */
  static Optional<Pod> apply(Pod pod, String message, Instant now) {
    if (!pod.getSpec().getNodeName().isEmpty()) {
      return Optional.empty();
    }
    PodStatus status = pod.getStatus();
    int index = -1;
    for (int i = 0; i < status.getConditionsCount(); i++) {
      if (status.getConditions(i).getType().equals(TYPE)) {
        index = i;
        break;
      }
    }
    PodCondition old = index >= 0 ? status.getConditions(index) : null;
    if (old != null && old.getStatus().equals("False") && old.getReason().equals(REASON)
        && old.getMessage().equals(message)) {
      return Optional.empty();
    }
    Timestamp transition = old != null && old.getStatus().equals("False") ? old.getLastTransitionTime()
        : Timestamp.newBuilder().setSeconds(now.getEpochSecond()).setNanos(now.getNano()).build();
    PodCondition condition = PodCondition.newBuilder()
        .setType(TYPE)
        .setStatus("False")
        .setReason(REASON)
        .setMessage(message)
        .setLastTransitionTime(transition)
        .build();
    PodStatus.Builder updated = status.toBuilder();
    if (index >= 0) {
      updated.setConditions(index, condition);
    } else {
      updated.addConditions(condition);
    }
    return Optional.of(pod.toBuilder().setStatus(updated).build());
  }
}
