package dev.capstan.controllers.nodelifecycle;

import dev.capstan.api.core.v1.Taint;
import dev.capstan.api.core.v1.Toleration;
import dev.capstan.client.scheduling.Tolerations;
import dev.capstan.controllers.framework.ProtoTime;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * When a pod must leave a node because of the node's NoExecute taints, Kubernetes' taint-based
 * eviction rule: a NoExecute taint the pod does not tolerate evicts it at once; a tolerated one
 * evicts it {@code tolerationSeconds} after the taint's timeAdded (the smallest tolerationSeconds
 * among the tolerations that match it; a matching toleration without tolerationSeconds tolerates it
 * for ever unless another matching one sets seconds). The pod goes at the earliest of these times.
 */
public final class TaintEviction {
  private TaintEviction() {}

  /** When the pod is to be evicted; empty if it tolerates every NoExecute taint for ever. */
  public static Optional<Instant> evictionTime(List<Toleration> tolerations, List<Taint> taints, Instant now) {
    Instant earliest = null;
    for (Taint taint : taints) {
      if (!taint.getEffect().equals(Tolerations.NO_EXECUTE)) {
        continue;
      }
      Instant at = evictionTime(tolerations, taint, now);
      if (at != null && (earliest == null || at.isBefore(earliest))) {
        earliest = at;
      }
    }
    return Optional.ofNullable(earliest);
  }

  private static Instant evictionTime(List<Toleration> tolerations, Taint taint, Instant now) {
    boolean tolerated = false;
    Long seconds = null;
    for (Toleration t : tolerations) {
      if (!Tolerations.tolerates(t, taint)) {
        continue;
      }
      tolerated = true;
      if (t.hasTolerationSeconds() && (seconds == null || t.getTolerationSeconds() < seconds)) {
        seconds = t.getTolerationSeconds();
      }
    }
    if (!tolerated) {
      return now;
    }
    if (seconds == null) {
      return null;
    }
    // Without timeAdded (until the controller has stamped it, see NodeTaints) it counts from now.
    Instant added = taint.hasTimeAdded() ? ProtoTime.toInstant(taint.getTimeAdded()) : now;
    return added.plusSeconds(Math.max(0, seconds));
  }
}
