package dev.capstan.scheduler.framework;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The outcome of one scheduling attempt for one pod. */
public sealed interface ScheduleResult {
  /** The pod fits; {@code nodeName} scored best among {@code feasibleNodes} candidates. */
  record Scheduled(String nodeName, long score, int feasibleNodes) implements ScheduleResult {}

  /**
   * No node fits.
   *
   * @param totalNodes how many nodes were considered
   * @param reasonCounts for each reason, on how many nodes it applied
   */
  record Unschedulable(int totalNodes, Map<String, Integer> reasonCounts) implements ScheduleResult {
    public Unschedulable {
      reasonCounts = Map.copyOf(reasonCounts);
    }

    /** Kubernetes' wording: "0/3 nodes are available: 1 Insufficient cpu, 2 node(s) were not ready." */
    public String message() {
      if (totalNodes == 0) {
        return "no nodes available to schedule pods";
      }
      List<String> parts = new ArrayList<>();
      reasonCounts.forEach((reason, count) -> parts.add(count + " " + reason));
      parts.sort(null);
      return "0/" + totalNodes + " nodes are available: " + String.join(", ", parts) + ".";
    }
  }
}
