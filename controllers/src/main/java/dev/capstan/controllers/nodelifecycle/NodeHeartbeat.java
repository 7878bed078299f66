package dev.capstan.controllers.nodelifecycle;

import dev.capstan.api.coordination.v1.Lease;
import dev.capstan.api.core.v1.Node;
import dev.capstan.api.core.v1.NodeCondition;
import dev.capstan.controllers.framework.ProtoTime;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * When a node's agent was last heard from: the later of its Lease's renewTime
 * ({@code kube-node-lease/<node>}) and its Ready condition's lastHeartbeatTime; the node's
 * creationTimestamp if it has neither, so that a node whose agent never reported goes stale too.
 * A node is stale once that time is older than the grace period. The times are the agent's clock,
 * so control plane and agents need roughly synchronized clocks (well under the grace period).
 */
public final class NodeHeartbeat {
  private NodeHeartbeat() {}

  public static Instant lastHeard(Node node, Optional<Lease> lease) {
    Instant last = Instant.EPOCH;
    if (lease.isPresent() && lease.get().getSpec().hasRenewTime()) {
      last = ProtoTime.toInstant(lease.get().getSpec().getRenewTime());
    }
    Optional<NodeCondition> ready = NodeConditions.ready(node.getStatus());
    if (ready.isPresent() && ready.get().hasLastHeartbeatTime()) {
      Instant heartbeat = ProtoTime.toInstant(ready.get().getLastHeartbeatTime());
      if (heartbeat.isAfter(last)) {
        last = heartbeat;
      }
    }
    if (last.equals(Instant.EPOCH) && node.getMetadata().hasCreationTimestamp()) {
      last = ProtoTime.toInstant(node.getMetadata().getCreationTimestamp());
    }
    return last;
  }

  /** How long until a node last heard from at {@code lastHeard} goes stale; zero or negative once it is. */
  public static Duration untilStale(Instant lastHeard, Duration gracePeriod, Instant now) {
    return Duration.between(now, lastHeard.plus(gracePeriod));
  }

  public static boolean isStale(Instant lastHeard, Duration gracePeriod, Instant now) {
    return now.isAfter(lastHeard.plus(gracePeriod));
  }
}
