package dev.capstan.controllers.deployment;

import dev.capstan.api.apps.v1.Deployment;
import dev.capstan.api.apps.v1.ReplicaSet;
import dev.capstan.controllers.framework.ProtoTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Scaling a Deployment (spec.replicas changed, template not): Kubernetes' rules.
 *
 * <ul>
 *   <li>One active ReplicaSet (or none: then the newest one): it takes spec.replicas.</li>
 *   <li>A saturated new ReplicaSet (all replicas, all available): old ones go to 0.</li>
 *   <li>Several active ReplicaSets in a rolling update: the change is shared out in proportion to
 *       each ReplicaSet's size, so that a rollout in progress keeps its ratio; rounding leftovers go
 *       to the largest ReplicaSet.</li>
 * </ul>
 *
 * A scaling event is detected through the desired-replicas annotation, which the controller writes
 * whenever it scales a ReplicaSet.
 */
public final class ProportionalScaler {
  private ProportionalScaler() {}

  /** Whether some active ReplicaSet was last scaled for a different spec.replicas than the current one. */
  public static boolean isScalingEvent(Deployment d, List<ReplicaSet> rss) {
    int replicas = ReplicaCounts.desired(d);
    for (ReplicaSet rs : rss) {
      if (ReplicaCounts.desired(rs) == 0) {
        continue;
      }
      OptionalInt desired = DeploymentAnnotations.desiredReplicas(rs);
      if (desired.isPresent() && desired.getAsInt() != replicas) {
        return true;
      }
    }
    return false;
  }

  /**
   * The ReplicaSets the scaling touches, with their new sizes. A target may equal the current size:
   * the ReplicaSet's replica annotations still need to be brought up to date, or the same scaling
   * event is detected again.
   */
  public static List<ScaleTarget> scale(Deployment d, Optional<ReplicaSet> newRs, List<ReplicaSet> oldRss) {
    int replicas = ReplicaCounts.desired(d);
    List<ReplicaSet> all = new ArrayList<>(oldRss);
    newRs.ifPresent(all::add);
    List<ReplicaSet> active = all.stream().filter(rs -> ReplicaCounts.desired(rs) > 0).toList();

    Optional<ReplicaSet> single = activeOrLatest(newRs, all, active);
    if (single.isPresent() || active.isEmpty()) {
      return single.map(rs -> List.of(new ScaleTarget(rs, replicas))).orElse(List.of());
    }

    if (newRs.isPresent() && ReplicaCounts.desired(newRs.get()) == replicas
        && newRs.get().getStatus().getAvailableReplicas() == replicas) {
      return oldRss.stream().filter(rs -> ReplicaCounts.desired(rs) > 0)
          .map(rs -> new ScaleTarget(rs, 0)).toList();
    }

    if (!RolloutBounds.isRollingUpdate(d)) {
      return List.of();
    }
    int maxSurge = RolloutBounds.of(d).maxSurge();
    int allowed = replicas > 0 ? replicas + maxSurge : 0;
    int toAdd = allowed - ReplicaCounts.sumDesired(active);
    Comparator<ReplicaSet> bySizeDesc = Comparator.comparingInt((ReplicaSet rs) -> ReplicaCounts.desired(rs)).reversed();
    // Growing favours the newer of equal sizes, shrinking the older: a rollout moves on either way.
    Comparator<ReplicaSet> order = toAdd > 0
        ? bySizeDesc.thenComparing(DeploymentReplicaSets.BY_CREATION.reversed())
        : bySizeDesc.thenComparing(DeploymentReplicaSets.BY_CREATION);
    List<ReplicaSet> sorted = new ArrayList<>(active);
    sorted.sort(order);

    Map<ReplicaSet, Integer> targets = new LinkedHashMap<>();
    int added = 0;
    for (ReplicaSet rs : sorted) {
      int proportion = proportion(rs, d, maxSurge, toAdd, added);
      targets.put(rs, ReplicaCounts.desired(rs) + proportion);
      added += proportion;
    }
    ReplicaSet largest = sorted.get(0);
    targets.put(largest, targets.get(largest) + toAdd - added);

    List<ScaleTarget> result = new ArrayList<>();
    targets.forEach((rs, target) -> result.add(new ScaleTarget(rs, Math.max(0, target))));
    return result;
  }

  private static Optional<ReplicaSet> activeOrLatest(Optional<ReplicaSet> newRs, List<ReplicaSet> all,
      List<ReplicaSet> active) {
    if (active.size() == 1) {
      return Optional.of(active.get(0));
    }
    if (!active.isEmpty()) {
      return Optional.empty();
    }
    if (newRs.isPresent()) {
      return newRs;
    }
    return all.stream().max(Comparator.comparing(
        (ReplicaSet rs) -> ProtoTime.toInstant(rs.getMetadata().getCreationTimestamp()))
        .thenComparing(rs -> rs.getMetadata().getName()));
  }

  /** This ReplicaSet's share of {@code toAdd}, of which {@code added} is already handed out. */
  private static int proportion(ReplicaSet rs, Deployment d, int maxSurge, int toAdd, int added) {
    int size = ReplicaCounts.desired(rs);
    if (size == 0 || toAdd == added) {
      return 0;
    }
    int fraction = fraction(rs, d, maxSurge);
    int allowed = toAdd - added;
    return toAdd > 0 ? Math.min(fraction, allowed) : Math.max(fraction, allowed);
  }

  /** How much the ReplicaSet would grow (or shrink) if every ReplicaSet kept its share of the total. */
  private static int fraction(ReplicaSet rs, Deployment d, int maxSurge) {
    int size = ReplicaCounts.desired(rs);
    int replicas = ReplicaCounts.desired(d);
    if (replicas == 0) {
      return -size;
    }
    int total = replicas + maxSurge;
    int annotated = DeploymentAnnotations.maxReplicas(rs).orElse(d.getStatus().getReplicas());
    if (annotated <= 0) {
      return 0;
    }
    return (int) Math.round((double) size * total / annotated) - size;
  }
}
