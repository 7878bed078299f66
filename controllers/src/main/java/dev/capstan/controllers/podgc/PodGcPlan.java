package dev.capstan.controllers.podgc;

import dev.capstan.api.core.v1.Node;
import dev.capstan.api.core.v1.Pod;
import dev.capstan.controllers.framework.PodState;
import dev.capstan.controllers.framework.ProtoTime;
import dev.capstan.controllers.nodelifecycle.NodeConditions;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * What one pass of the pod garbage collector deletes, decided from the caches as Kubernetes'
 * PodGC decides it. Pure: the caller reads the caches and the clock, and carries the plan out.
 *
 * <ul>
 *   <li>{@link #missingNodes}: the nodes that pods are bound to ({@code spec.nodeName}) but that are
 *       not in the node cache. Their pods are orphans once the node has been missing for the
 *       quarantine ({@link MissingNodes}) and a live read confirms it is gone.</li>
 *   <li>{@link #outOfService}: terminating pods on a node that is not Ready (Ready False or
 *       Unknown, or no Ready condition) and carries the {@value #OUT_OF_SERVICE} taint (any
 *       effect): an operator has declared the node dead, so no agent will finish their graceful
 *       deletion.</li>
 *   <li>{@link #unscheduledTerminating}: terminating pods bound to no node; no agent will finish
 *       them either.</li>
 *   <li>{@link #terminatedOverThreshold}: of the finished pods (Succeeded or Failed), the oldest
 *       by creationTimestamp (then namespace/name) beyond {@code threshold}; none when
 *       {@code threshold} is 0 or less, as in Kubernetes.</li>
 * </ul>
 * A pod appears in at most one list, the first that applies in this order (orphans aside, which
 * are only known after the quarantine).
 */
public record PodGcPlan(Set<String> missingNodes, List<Pod> outOfService, List<Pod> unscheduledTerminating,
    List<Pod> terminatedOverThreshold) {
  /** The taint an operator puts on a node that is shut down for good (Kubernetes' non-graceful node shutdown). */
  public static final String OUT_OF_SERVICE = "node.kubernetes.io/out-of-service";

  private static final Comparator<Pod> OLDEST_FIRST = Comparator
      .comparing((Pod p) -> ProtoTime.toInstant(p.getMetadata().getCreationTimestamp()))
      .thenComparing(p -> p.getMetadata().getNamespace()).thenComparing(p -> p.getMetadata().getName());

  public static PodGcPlan of(List<Pod> pods, List<Node> nodes, int threshold) {
    Map<String, Node> byName = nodes.stream()
        .collect(Collectors.toMap(n -> n.getMetadata().getName(), Function.identity(), (a, b) -> a));
    Set<String> missing = new TreeSet<>();
    for (Pod pod : pods) {
      String node = pod.getSpec().getNodeName();
      if (!node.isEmpty() && !byName.containsKey(node)) {
        missing.add(node);
      }
    }
    Predicate<Pod> onOutOfServiceNode = p -> PodState.isTerminating(p)
        && isOutOfService(byName.get(p.getSpec().getNodeName()));
    Predicate<Pod> unscheduledTerminating = p -> PodState.isTerminating(p) && p.getSpec().getNodeName().isEmpty();
    List<Pod> outOfService = pods.stream().filter(onOutOfServiceNode).toList();
    List<Pod> unscheduled = pods.stream().filter(unscheduledTerminating).toList();
    List<Pod> terminated = pods.stream().filter(PodState::isTerminal)
        .filter(onOutOfServiceNode.or(unscheduledTerminating).negate()).sorted(OLDEST_FIRST).toList();
    int over = threshold <= 0 ? 0 : Math.max(0, terminated.size() - threshold);
    return new PodGcPlan(Set.copyOf(missing), outOfService, unscheduled, terminated.subList(0, over));
  }

  /** Not Ready, and declared out of service by an operator. */
  static boolean isOutOfService(Node node) {
    return node != null && !NodeConditions.readyStatus(node.getStatus()).equals(NodeConditions.TRUE)
        && node.getSpec().getTaintsList().stream().anyMatch(t -> t.getKey().equals(OUT_OF_SERVICE));
  }

  /** Whether nothing is to be deleted now and no node is missing. */
  public boolean isEmpty() {
    return missingNodes.isEmpty() && outOfService.isEmpty() && unscheduledTerminating.isEmpty()
        && terminatedOverThreshold.isEmpty();
  }
}
