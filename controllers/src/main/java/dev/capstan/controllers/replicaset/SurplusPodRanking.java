package dev.capstan.controllers.replicaset;

import dev.capstan.api.core.v1.ContainerStatus;
import dev.capstan.api.core.v1.Pod;
import dev.capstan.controllers.framework.PodState;
import dev.capstan.controllers.framework.ProtoTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The order in which a ReplicaSet gives up surplus pods, Kubernetes' order: the pods whose loss
 * hurts least come first.
 *
 * <ol>
 *   <li>not yet scheduled (no node) before scheduled;</li>
 *   <li>Pending before Unknown before Running;</li>
 *   <li>not ready before ready;</li>
 *   <li>ready for a shorter time before ready for longer;</li>
 *   <li>more container restarts before fewer;</li>
 *   <li>newer before older (creation time).</li>
 * </ol>
 */
public final class SurplusPodRanking implements Comparator<Pod> {
  public static final SurplusPodRanking INSTANCE = new SurplusPodRanking();

  private static final Map<String, Integer> PHASE_ORDER =
      Map.of(PodState.PENDING, 0, PodState.UNKNOWN, 1, PodState.RUNNING, 2);

  private SurplusPodRanking() {}

  /** The {@code count} pods to delete first. */
  public static List<Pod> firstToDelete(List<Pod> pods, int count) {
    List<Pod> sorted = new ArrayList<>(pods);
    sorted.sort(INSTANCE);
    return List.copyOf(sorted.subList(0, Math.min(count, sorted.size())));
  }

  @Override
  public int compare(Pod a, Pod b) {
    boolean aScheduled = !a.getSpec().getNodeName().isEmpty();
    boolean bScheduled = !b.getSpec().getNodeName().isEmpty();
    if (aScheduled != bScheduled) {
      return aScheduled ? 1 : -1;
    }
    int aPhase = PHASE_ORDER.getOrDefault(a.getStatus().getPhase(), 0);
    int bPhase = PHASE_ORDER.getOrDefault(b.getStatus().getPhase(), 0);
    if (aPhase != bPhase) {
      return Integer.compare(aPhase, bPhase);
    }
    boolean aReady = PodState.isReady(a);
    boolean bReady = PodState.isReady(b);
    if (aReady != bReady) {
      return aReady ? 1 : -1;
    }
    if (aReady) {
      int byReadyTime = newerOrUnknownFirst(PodState.readySince(a), PodState.readySince(b));
      if (byReadyTime != 0) {
        return byReadyTime;
      }
    }
    int aRestarts = maxRestarts(a);
    int bRestarts = maxRestarts(b);
    if (aRestarts != bRestarts) {
      return Integer.compare(bRestarts, aRestarts);
    }
    return newerOrUnknownFirst(creationTime(a), creationTime(b));
  }

  /** An unknown time counts as the newest. */
  private static int newerOrUnknownFirst(Optional<Instant> a, Optional<Instant> b) {
    if (a.isEmpty() || b.isEmpty()) {
      return a.isEmpty() == b.isEmpty() ? 0 : a.isEmpty() ? -1 : 1;
    }
    return b.get().compareTo(a.get());
  }

  private static Optional<Instant> creationTime(Pod pod) {
    return pod.getMetadata().hasCreationTimestamp()
        ? Optional.of(ProtoTime.toInstant(pod.getMetadata().getCreationTimestamp()))
        : Optional.empty();
  }

  private static int maxRestarts(Pod pod) {
    return pod.getStatus().getContainerStatusesList().stream()
        .mapToInt(ContainerStatus::getRestartCount).max().orElse(0);
  }
}
