package dev.capstan.controllers.daemonset;

import dev.capstan.api.core.v1.Node;
import dev.capstan.api.core.v1.Pod;
import dev.capstan.api.core.v1.PodSpec;
import dev.capstan.controllers.framework.PodState;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One node as a DaemonSet sees it: whether its pod belongs there, and the DaemonSet's pods bound
 * to it (active, terminating and finished ones). Pods bound to a node the cache does not know, or
 * to none, are grouped under that name with an eligibility of "neither run nor stay".
 *
 * @param nodeName the node
 * @param eligibility whether a daemon pod should run there
 * @param pods every pod of the DaemonSet bound to the node
 */
public record NodeDaemonPods(String nodeName, NodeEligibility eligibility, List<Pod> pods) {
  public NodeDaemonPods {
    pods = List.copyOf(pods);
  }

  /**
   * Groups the DaemonSet's pods by node, one entry per node in {@code nodes} order, then one per
   * unknown node name its pods are bound to.
   *
   * @param daemonPod the pod spec the DaemonSet creates, as {@link DaemonPodFactory#daemonPodSpec} makes it
   */
  public static List<NodeDaemonPods> group(List<Node> nodes, PodSpec daemonPod, List<Pod> ownedPods) {
    Map<String, List<Pod>> byNode = new LinkedHashMap<>();
    for (Pod pod : ownedPods) {
      byNode.computeIfAbsent(pod.getSpec().getNodeName(), n -> new ArrayList<>()).add(pod);
    }
    List<NodeDaemonPods> result = new ArrayList<>();
    for (Node node : nodes) {
      String name = node.getMetadata().getName();
      List<Pod> pods = byNode.remove(name);
      result.add(new NodeDaemonPods(name, NodeEligibility.of(node, daemonPod), pods == null ? List.of() : pods));
    }
    byNode.forEach((name, pods) -> result.add(new NodeDaemonPods(name, new NodeEligibility(false, false), pods)));
    return result;
  }

  /**
   * The active pods, the one to keep first: at {@code revision}, then ready, then the oldest (by
   * creation time, then name), so that duplicates lose the newest and least useful copies.
   */
  public List<Pod> live(String revision) {
    return pods.stream().filter(PodState::isActive).sorted(Comparator
        .comparing((Pod p) -> !revision.equals(p.getMetadata().getLabelsMap().get(DaemonPodFactory.REVISION_LABEL)))
        .thenComparing(p -> !PodState.isReady(p))
        .thenComparing(p -> p.getMetadata().getCreationTimestamp().getSeconds())
        .thenComparing(p -> p.getMetadata().getCreationTimestamp().getNanos())
        .thenComparing(p -> p.getMetadata().getName())).toList();
  }

  /** Pods that finished (Succeeded or Failed) and are not yet being deleted: a daemon is replaced. */
  public List<Pod> finished() {
    return pods.stream().filter(p -> PodState.isTerminal(p) && !PodState.isTerminating(p)).toList();
  }

  public boolean anyTerminating() {
    return pods.stream().anyMatch(PodState::isTerminating);
  }
}
