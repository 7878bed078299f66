package dev.capstan.scheduler.framework;

import dev.capstan.api.core.v1.Node;
import dev.capstan.api.core.v1.Pod;
import dev.capstan.client.quantity.Quantity;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A node and the pods the scheduler counts on it, with their summed requests. The scheduler
 * cache owns one per node and hands {@link #copy() copies} to each scheduling cycle. Not
 * thread-safe.
 *
 * <p>Allocatable resources come from {@code status.allocatable}, falling back per resource to
 * {@code status.capacity}. A node that states no "pods" count accepts any number of pods.
 */
public final class NodeInfo {
  private Node node;
  private Resource allocatable = Resource.ZERO;
  private long allowedPodCount = Long.MAX_VALUE;
  private final Map<String, Pod> pods = new LinkedHashMap<>();
  private final Map<String, Resource> podRequests = new LinkedHashMap<>();
  private final Map<String, Resource> podNonZeroRequests = new LinkedHashMap<>();
  private Resource requested = Resource.ZERO;
  private Resource nonZeroRequested = Resource.ZERO;

  /** A NodeInfo for {@code node}; null when pods are known on a node whose object is not (yet) seen. */
  public NodeInfo(Node node) {
    if (node != null) {
      setNode(node);
    }
  }

  /**
   * Replaces the node object (after an update) and re-reads its allocatable resources.
   *
   * @throws IllegalArgumentException naming the field if a quantity does not parse; nothing changes then
   */
  public void setNode(Node node) {
    Map<String, String> alloc = node.getStatus().getAllocatableMap();
    Map<String, String> cap = node.getStatus().getCapacityMap();
    long cpu = amount(alloc, cap, "cpu").milliValue();
    long memory = amount(alloc, cap, "memory").value();
    long podCount = alloc.containsKey("pods") || cap.containsKey("pods") ? amount(alloc, cap, "pods").value()
        : Long.MAX_VALUE;
    this.node = node;
    this.allocatable = new Resource(cpu, memory);
    this.allowedPodCount = podCount;
  }

  /** Forgets the node object; its pods stay counted until they are removed too. */
  public void clearNode() {
    this.node = null;
    this.allocatable = Resource.ZERO;
    this.allowedPodCount = Long.MAX_VALUE;
  }

  /** The node, or null if only pods on it are known. */
  public Node node() {
    return node;
  }

  public String name() {
    return node == null ? "" : node.getMetadata().getName();
  }

  public Resource allocatable() {
    return allocatable;
  }

  public long allowedPodCount() {
    return allowedPodCount;
  }

  /** The sum of the requests of the pods counted here. */
  public Resource requested() {
    return requested;
  }

  /** The same sum with Kubernetes' non-zero defaults, for scoring. */
  public Resource nonZeroRequested() {
    return nonZeroRequested;
  }

  public Collection<Pod> pods() {
    return Collections.unmodifiableCollection(pods.values());
  }

  public int podCount() {
    return pods.size();
  }

  public boolean hasPod(String key) {
    return pods.containsKey(key);
  }

  /**
   * Counts {@code pod} (keyed "namespace/name") on this node, replacing an earlier version of it.
   * A pod whose requests do not parse counts as requesting nothing: the apiserver rejects such
   * pods, so this only keeps a bad object from breaking the whole cache.
   */
  public void addPod(Pod pod) {
    String key = PodLifecycle.key(pod);
    removePod(key);
    Resource request;
    Resource nonZero;
    try {
      request = PodRequests.of(pod);
      nonZero = PodRequests.nonZeroOf(pod);
    } catch (IllegalArgumentException e) {
      request = Resource.ZERO;
      nonZero = Resource.ZERO;
    }
    pods.put(key, pod);
    podRequests.put(key, request);
    podNonZeroRequests.put(key, nonZero);
    requested = requested.plus(request);
    nonZeroRequested = nonZeroRequested.plus(nonZero);
  }

  /** Stops counting the pod with this key; false if it was not counted. */
  public boolean removePod(String key) {
    if (pods.remove(key) == null) {
      return false;
    }
    requested = requested.minus(podRequests.remove(key));
    nonZeroRequested = nonZeroRequested.minus(podNonZeroRequests.remove(key));
    return true;
  }

  /** An independent copy (the Node and Pod messages are immutable and shared). */
  public NodeInfo copy() {
    NodeInfo c = new NodeInfo(null);
    c.node = node;
    c.allocatable = allocatable;
    c.allowedPodCount = allowedPodCount;
    c.pods.putAll(pods);
    c.podRequests.putAll(podRequests);
    c.podNonZeroRequests.putAll(podNonZeroRequests);
    c.requested = requested;
    c.nonZeroRequested = nonZeroRequested;
    return c;
  }

  private static Quantity amount(Map<String, String> allocatable,
      Map<String, String> capacity, String resource) {
    if (allocatable.containsKey(resource)) {
      return PodRequests.parse(allocatable.get(resource), "status.allocatable." + resource);
    }
    if (capacity.containsKey(resource)) {
      return PodRequests.parse(capacity.get(resource), "status.capacity." + resource);
    }
    return Quantity.ZERO;
  }

  @Override
  public String toString() {
    return "NodeInfo{" + name() + ", pods=" + pods.size() + ", requested=" + requested + ", allocatable="
        + allocatable + "}";
  }
}
