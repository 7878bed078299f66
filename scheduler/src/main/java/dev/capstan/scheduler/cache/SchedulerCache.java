package dev.capstan.scheduler.cache;

import dev.capstan.api.core.v1.Node;
import dev.capstan.api.core.v1.Pod;
import dev.capstan.scheduler.framework.NodeInfo;
import dev.capstan.scheduler.framework.PodLifecycle;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The scheduler's view of which pods use which node, as Kubernetes' scheduler cache.
 *
 * <p>Informers feed it nodes and assigned (bound, non-terminal) pods. When the scheduler decides
 * to bind a pod it first {@link #assume assumes} it: the pod counts on its node at once, so the
 * next cycle does not place more pods on a stale view while the bind is in flight. When the
 * informer then reports the pod bound, the assumed pod is confirmed (replaced by the real object,
 * on whatever node it really landed). If the bind fails, {@link #forget} undoes the assumption.
 * Terminal pods (Succeeded, Failed) free their node's resources. Thread-safe.
 */
public final class SchedulerCache {
  private record PodState(Pod pod, boolean assumed) {}

  private final Map<String, NodeInfo> nodes = new HashMap<>();
  private final Map<String, PodState> pods = new HashMap<>();

  /** Adds or replaces a node. @throws IllegalArgumentException if its allocatable does not parse */
  public synchronized void addNode(Node node) {
    String name = node.getMetadata().getName();
    NodeInfo info = nodes.get(name);
    if (info == null) {
      nodes.put(name, new NodeInfo(node));
    } else {
      info.setNode(node);
    }
  }

  public synchronized void updateNode(Node node) {
    addNode(node);
  }

  /** Removes a node; pods still counted on it stay until they are removed themselves. */
  public synchronized void removeNode(String name) {
    NodeInfo info = nodes.get(name);
    if (info == null) {
      return;
    }
    if (info.podCount() == 0) {
      nodes.remove(name);
    } else {
      info.clearNode();
    }
  }

  /**
   * Records the scheduler's decision to bind {@code pod} (with spec.nodeName set to the chosen
   * node) before the bind is confirmed.
   *
   * @throws IllegalStateException if the pod is already in the cache
   */
  public synchronized void assume(Pod pod) {
    if (!PodLifecycle.isAssigned(pod)) {
      throw new IllegalArgumentException("spec.nodeName: an assumed pod must name its node");
    }
    String key = PodLifecycle.key(pod);
    if (pods.containsKey(key)) {
      throw new IllegalStateException("pod " + key + " is already in the scheduler cache");
    }
    place(key, new PodState(pod, true));
  }

  /** Undoes {@link #assume} after a failed bind; does nothing if the pod was confirmed meanwhile. */
  public synchronized void forget(Pod pod) {
    String key = PodLifecycle.key(pod);
    PodState state = pods.get(key);
    if (state != null && state.assumed()) {
      unplace(key);
    }
  }

  public synchronized boolean isAssumed(String key) {
    PodState state = pods.get(key);
    return state != null && state.assumed();
  }

  /** Whether the pod is counted on a node, assumed or confirmed. */
  public synchronized boolean contains(String key) {
    return pods.containsKey(key);
  }

  /**
   * An assigned pod was added or changed (informer event): counts it on its node, confirming an
   * assumed pod. A terminal pod is removed instead; an unassigned one is ignored.
   */
  public synchronized void addPod(Pod pod) {
    String key = PodLifecycle.key(pod);
    if (!PodLifecycle.isAssigned(pod)) {
      return;
    }
    if (PodLifecycle.isTerminal(pod)) {
      if (pods.containsKey(key)) {
        unplace(key);
      }
      return;
    }
    if (pods.containsKey(key)) {
      unplace(key);
    }
    place(key, new PodState(pod, false));
  }

  public synchronized void updatePod(Pod pod) {
    addPod(pod);
  }

  /** The pod is gone (informer delete): stops counting it, assumed or not. */
  public synchronized void removePod(Pod pod) {
    String key = PodLifecycle.key(pod);
    if (pods.containsKey(key)) {
      unplace(key);
    }
  }

  /** Copies of every node that has a Node object, sorted by name, for one scheduling cycle. */
  public synchronized List<NodeInfo> snapshot() {
    List<NodeInfo> copies = new ArrayList<>(nodes.size());
    for (NodeInfo info : nodes.values()) {
      if (info.node() != null) {
        copies.add(info.copy());
      }
    }
    copies.sort(Comparator.comparing(NodeInfo::name));
    return copies;
  }

  /** The node a pod is counted on, or "" if none. */
  public synchronized String nodeOf(String key) {
    PodState state = pods.get(key);
    return state == null ? "" : state.pod().getSpec().getNodeName();
  }

  private void place(String key, PodState state) {
    String nodeName = state.pod().getSpec().getNodeName();
    pods.put(key, state);
    nodes.computeIfAbsent(nodeName, n -> new NodeInfo(null)).addPod(state.pod());
  }

  private void unplace(String key) {
    PodState state = pods.remove(key);
    String nodeName = state.pod().getSpec().getNodeName();
    NodeInfo info = nodes.get(nodeName);
    if (info != null) {
      info.removePod(key);
      if (info.node() == null && info.podCount() == 0) {
        nodes.remove(nodeName);
      }
    }
  }
}
