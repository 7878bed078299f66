package dev.capstan.controllers.framework;

import dev.capstan.api.core.v1.Pod;
import dev.capstan.api.core.v1.PodCondition;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * Questions controllers ask about a pod's lifecycle, answered as Kubernetes answers them.
 *
 * <ul>
 *   <li>active: neither terminating (deletionTimestamp set) nor terminal (Succeeded, Failed);
 *       only active pods count towards a controller's replicas;</li>
 *   <li>ready: condition Ready is True;</li>
 *   <li>available: ready, and for longer than minReadySeconds (always, when it is 0).</li>
 * </ul>
 */
public final class PodState {
  public static final String PENDING = "Pending";
  public static final String RUNNING = "Running";
  public static final String SUCCEEDED = "Succeeded";
  public static final String FAILED = "Failed";
  public static final String UNKNOWN = "Unknown";
  public static final String READY = "Ready";

  private PodState() {}

  public static boolean isTerminating(Pod pod) {
    return pod.getMetadata().hasDeletionTimestamp();
  }

  public static boolean isTerminal(Pod pod) {
    String phase = pod.getStatus().getPhase();
    return phase.equals(SUCCEEDED) || phase.equals(FAILED);
  }

  public static boolean isActive(Pod pod) {
    return !isTerminating(pod) && !isTerminal(pod);
  }

  public static Optional<PodCondition> readyCondition(Pod pod) {
    return pod.getStatus().getConditionsList().stream().filter(c -> c.getType().equals(READY)).findFirst();
  }

  public static boolean isReady(Pod pod) {
    return readyCondition(pod).map(c -> c.getStatus().equals("True")).orElse(false);
  }

  /** When the pod last became ready, if it is ready and the time is recorded. */
  public static Optional<Instant> readySince(Pod pod) {
    return readyCondition(pod)
        .filter(c -> c.getStatus().equals("True") && c.hasLastTransitionTime())
        .map(c -> ProtoTime.toInstant(c.getLastTransitionTime()));
  }

  /** Ready for at least {@code minReadySeconds} at {@code now}. */
  public static boolean isAvailable(Pod pod, int minReadySeconds, Instant now) {
    if (!isReady(pod)) {
      return false;
    }
    if (minReadySeconds <= 0) {
      return true;
    }
    return readySince(pod).map(since -> since.plus(Duration.ofSeconds(minReadySeconds)).isBefore(now))
        .orElse(false);
  }
}
