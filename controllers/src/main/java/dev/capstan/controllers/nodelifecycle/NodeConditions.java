package dev.capstan.controllers.nodelifecycle;

import dev.capstan.api.core.v1.NodeCondition;
import dev.capstan.api.core.v1.NodeStatus;
import dev.capstan.controllers.framework.ProtoTime;
import java.time.Instant;
import java.util.Optional;

/**
 * A node's conditions as the lifecycle controller reads and writes them. When the agent has gone
 * silent every condition it reported becomes Unknown with reason {@code NodeStatusUnknown} and the
 * message Kubernetes uses; lastHeartbeatTime is kept (it is the agent's last word), lastTransitionTime
 * is set to now for the conditions that change. A node that never reported Ready gets a Ready
 * condition Unknown with reason {@code NodeStatusNeverUpdated}.
 */
public final class NodeConditions {
  public static final String READY = "Ready";
  public static final String TRUE = "True";
  public static final String FALSE = "False";
  public static final String UNKNOWN = "Unknown";
  public static final String REASON_UNKNOWN = "NodeStatusUnknown";
  public static final String MESSAGE_UNKNOWN = "Kubelet stopped posting node status.";
  public static final String REASON_NEVER_UPDATED = "NodeStatusNeverUpdated";
  public static final String MESSAGE_NEVER_UPDATED = "Kubelet never posted node status.";

  private NodeConditions() {}

  public static Optional<NodeCondition> ready(NodeStatus status) {
    return status.getConditionsList().stream().filter(c -> c.getType().equals(READY)).findFirst();
  }

  /** The Ready condition's status: True, False or Unknown (also when there is none). */
  public static String readyStatus(NodeStatus status) {
    return ready(status).map(NodeCondition::getStatus).filter(s -> s.equals(TRUE) || s.equals(FALSE))
        .orElse(UNKNOWN);
  }

  /** Whether {@link #markUnknown} would change nothing. */
  public static boolean allUnknown(NodeStatus status) {
    return ready(status).isPresent()
        && status.getConditionsList().stream().allMatch(c -> c.getStatus().equals(UNKNOWN));
  }

  /** The status with every condition Unknown, as the controller writes it for a silent node. */
  public static NodeStatus markUnknown(NodeStatus status, Instant now) {
    NodeStatus.Builder b = status.toBuilder().clearConditions();
    for (NodeCondition c : status.getConditionsList()) {
      if (c.getStatus().equals(UNKNOWN)) {
        b.addConditions(c);
      } else {
        b.addConditions(c.toBuilder().setStatus(UNKNOWN).setReason(REASON_UNKNOWN).setMessage(MESSAGE_UNKNOWN)
            .setLastTransitionTime(ProtoTime.toTimestamp(now)));
      }
    }
    if (ready(status).isEmpty()) {
      b.addConditions(NodeCondition.newBuilder().setType(READY).setStatus(UNKNOWN).setReason(REASON_NEVER_UPDATED)
          .setMessage(MESSAGE_NEVER_UPDATED).setLastTransitionTime(ProtoTime.toTimestamp(now)));
    }
    return b.build();
  }
}
