package dev.capstan.scheduler.framework;

import dev.capstan.api.core.v1.Pod;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Chooses a node for a pod: runs the filters on every node (a node fails at its first failing
 * filter, whose reasons are counted for the "0/N nodes are available" message), scores the nodes
 * that pass, and picks the highest score; ties go to the node whose name sorts first, so the
 * result is deterministic. Pure and stateless.
 */
public final class SchedulingAlgorithm {
  private final List<NodeFilter> filters;
  private final NodeScorer scorer;

  public SchedulingAlgorithm(List<NodeFilter> filters, NodeScorer scorer) {
    this.filters = List.copyOf(filters);
    this.scorer = Objects.requireNonNull(scorer, "scorer");
  }

  /** Kubernetes' default order: readiness, cordon, taints, node selector, resources; least allocated. */
  public static SchedulingAlgorithm defaults() {
    return new SchedulingAlgorithm(List.of(new NodeReadyFilter(), new NodeUnschedulableFilter(),
        new TaintTolerationFilter(), new NodeSelectorFilter(), new NodeResourcesFitFilter()),
        new LeastAllocatedScorer());
  }

  /**
   * @param nodes the candidate nodes (those without a Node object are skipped)
   * @throws IllegalArgumentException naming the field if the pod's requests do not parse
   */
  public ScheduleResult schedule(Pod pod, List<NodeInfo> nodes) {
    PodRequests.of(pod); // fail fast, with the field's name, on a malformed request
    List<NodeInfo> sorted = new ArrayList<>(nodes.size());
    for (NodeInfo n : nodes) {
      if (n.node() != null) {
        sorted.add(n);
      }
    }
    sorted.sort(Comparator.comparing(NodeInfo::name));
    Map<String, Integer> reasonCounts = new HashMap<>();
    NodeInfo best = null;
    long bestScore = -1;
    int feasible = 0;
    for (NodeInfo node : sorted) {
      List<String> reasons = firstFailure(pod, node);
      if (!reasons.isEmpty()) {
        reasons.forEach(r -> reasonCounts.merge(r, 1, Integer::sum));
        continue;
      }
      feasible++;
      long score = scorer.score(pod, node);
      if (score > bestScore) {
        best = node;
        bestScore = score;
      }
    }
    if (best == null) {
      return new ScheduleResult.Unschedulable(sorted.size(), reasonCounts);
    }
    return new ScheduleResult.Scheduled(best.name(), bestScore, feasible);
  }

  private List<String> firstFailure(Pod pod, NodeInfo node) {
    for (NodeFilter f : filters) {
      List<String> reasons = f.filter(pod, node);
      if (!reasons.isEmpty()) {
        return reasons;
      }
    }
    return List.of();
  }
}
