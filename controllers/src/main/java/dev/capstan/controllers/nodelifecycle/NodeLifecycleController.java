package dev.capstan.controllers.nodelifecycle;

import dev.capstan.api.coordination.v1.Lease;
import dev.capstan.api.core.v1.Node;
import dev.capstan.api.core.v1.Pod;
import dev.capstan.api.core.v1.PodCondition;
import dev.capstan.api.core.v1.Taint;
import dev.capstan.api.meta.v1.DeleteRequest;
import dev.capstan.api.meta.v1.Preconditions;
import dev.capstan.client.ResourceClient;
import dev.capstan.client.informer.Lister;
import dev.capstan.client.informer.ResourceEventHandler;
import dev.capstan.client.informer.SharedInformer;
import dev.capstan.client.scheduling.Tolerations;
import dev.capstan.controllers.framework.ApiErrors;
import dev.capstan.controllers.framework.Controller;
import dev.capstan.controllers.framework.ControllerLoop;
import dev.capstan.controllers.framework.ControllerMetrics;
import dev.capstan.controllers.framework.Periodic;
import dev.capstan.controllers.framework.PodState;
import dev.capstan.controllers.framework.ProtoTime;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kubernetes' node lifecycle controller (DESIGN §10): notices nodes whose agent went silent, taints
 * not-ready nodes, and evicts their pods so that their controllers replace them elsewhere.
 * Level-triggered, keyed by node name; a sync of one node, at the injected clock's now:
 *
 * <ol>
 *   <li>If the agent was last heard from ({@link NodeHeartbeat}: Lease renewTime or Ready
 *       heartbeat) longer than the grace period ago, every condition becomes Unknown
 *       ({@link NodeConditions#markUnknown}, UpdateStatus with the cached resourceVersion).</li>
 *   <li>The node's taints follow its Ready condition ({@link NodeTaints}): unreachable for Unknown,
 *       not-ready for False, none for True; new NoExecute taints are paced by the
 *       {@link EvictionPolicy}. A node without a Ready condition is left alone until it is stale.</li>
 *   <li>On a node that is not Ready its pods get condition Ready=False (so Services and rollouts
 *       stop counting them).</li>
 *   <li>Pods that do not tolerate a NoExecute taint of the node are deleted, at once or
 *       tolerationSeconds after the taint's timeAdded ({@link TaintEviction}). Nobody finishes the
 *       graceful delete on a dead node, so they stay Terminating; their ReplicaSets no longer count
 *       them and create replacements.</li>
 * </ol>
 * Every node is synced each monitor period (5 s) and on changes of its Node, its Lease and its pods;
 * a sync also requeues the node for the moment its next decision is due (staleness, an eviction).
 */
public final class NodeLifecycleController implements Controller {
  public static final String NAME = "node-lifecycle-controller";
  public static final String LEASE_NAMESPACE = "kube-node-lease";
  public static final Duration DEFAULT_GRACE_PERIOD = Duration.ofSeconds(40);
  public static final Duration DEFAULT_MONITOR_PERIOD = Duration.ofSeconds(5);
  static final String POD_NOT_READY_REASON = "NodeNotReady";
  private static final Logger log = LoggerFactory.getLogger(NodeLifecycleController.class);

  private final ResourceClient<Node> nodes;
  private final ResourceClient<Pod> pods;
  private final Lister<Node> nodeLister;
  private final Lister<Lease> leaseLister;
  private final Lister<Pod> podLister;
  private final Clock clock;
  private final Duration gracePeriod;
  private final Duration monitorPeriod;
  private final EvictionPolicy evictionPolicy;
  private final ControllerLoop loop;
  private Periodic ticker;

  public NodeLifecycleController(ResourceClient<Node> nodes, ResourceClient<Pod> pods, SharedInformer<Node> nodeInformer,
      SharedInformer<Lease> leaseInformer, SharedInformer<Pod> podInformer, Clock clock, Duration gracePeriod,
      ControllerMetrics metrics) {
    this(nodes, pods, nodeInformer, leaseInformer, podInformer, clock, gracePeriod, DEFAULT_MONITOR_PERIOD,
        new EvictionPolicy(), metrics);
  }

  /**
   * @param gracePeriod how long a node may stay silent before it is marked Unknown
   * @param monitorPeriod how often every node is looked at even without events
   */
  public NodeLifecycleController(ResourceClient<Node> nodes, ResourceClient<Pod> pods,
      SharedInformer<Node> nodeInformer, SharedInformer<Lease> leaseInformer, SharedInformer<Pod> podInformer,
      Clock clock, Duration gracePeriod, Duration monitorPeriod, EvictionPolicy evictionPolicy,
      ControllerMetrics metrics) {
    this.nodes = Objects.requireNonNull(nodes, "nodes");
    this.pods = Objects.requireNonNull(pods, "pods");
    this.clock = Objects.requireNonNull(clock, "clock");
    if (gracePeriod.isNegative() || gracePeriod.isZero()) {
      throw new IllegalArgumentException("gracePeriod: must be positive, got " + gracePeriod);
    }
    if (monitorPeriod.isNegative() || monitorPeriod.isZero()) {
      throw new IllegalArgumentException("monitorPeriod: must be positive, got " + monitorPeriod);
    }
    this.gracePeriod = gracePeriod;
    this.monitorPeriod = monitorPeriod;
    this.evictionPolicy = Objects.requireNonNull(evictionPolicy, "evictionPolicy");
    this.nodeLister = nodeInformer.lister();
    this.leaseLister = leaseInformer.lister();
    this.podLister = podInformer.lister();
    this.loop = new ControllerLoop(NAME, clock, metrics, this::sync);
    nodeInformer.addEventHandler(new ResourceEventHandler<>() {
      @Override
      public void onAdd(Node node) {
        loop.enqueue(node.getMetadata().getName());
      }

      @Override
      public void onUpdate(Node old, Node node) {
        loop.enqueue(node.getMetadata().getName());
      }
    });
    leaseInformer.addEventHandler(new ResourceEventHandler<>() {
      @Override
      public void onAdd(Lease lease) {
        enqueueFor(lease);
      }

      @Override
      public void onUpdate(Lease old, Lease lease) {
        enqueueFor(lease);
      }
    });
    podInformer.addEventHandler(new ResourceEventHandler<>() {
      @Override
      public void onAdd(Pod pod) {
        enqueueNodeOf(pod);
      }

      @Override
      public void onUpdate(Pod old, Pod pod) {
        if (!old.getSpec().equals(pod.getSpec())) {
          enqueueNodeOf(pod);
        }
      }
    });
  }

  private void enqueueFor(Lease lease) {
    if (lease.getMetadata().getNamespace().equals(LEASE_NAMESPACE)) {
      loop.enqueue(lease.getMetadata().getName());
    }
  }

  /** A pod that lands on (or changes tolerations on) a tainted node may have to go. */
  private void enqueueNodeOf(Pod pod) {
    String node = pod.getSpec().getNodeName();
    if (!node.isEmpty() && !PodState.isTerminating(pod)) {
      nodeLister.get("", node).filter(n -> !n.getSpec().getTaintsList().isEmpty())
          .ifPresent(n -> loop.enqueue(node));
    }
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public synchronized void run(int workers) {
    loop.start(workers);
    ticker = Periodic.start(NAME + "-monitor", monitorPeriod, monitorPeriod, this::enqueueAll);
  }

  private void enqueueAll() {
    for (Node node : nodeLister.list("")) {
      loop.enqueue(node.getMetadata().getName());
    }
  }

  @Override
  public synchronized void close() {
    if (ticker != null) {
      ticker.close();
    }
    loop.close();
  }

  // ---------------------------------------------------------------- sync

  private void sync(String name) {
    Optional<Node> cached = nodeLister.get("", name);
    if (cached.isEmpty()) {
      return;
    }
    Node node = cached.get();
    Instant now = clock.instant();
    Instant lastHeard = NodeHeartbeat.lastHeard(node, leaseLister.get(LEASE_NAMESPACE, name));
    Duration recheck = monitorPeriod;
    if (NodeHeartbeat.isStale(lastHeard, gracePeriod, now)) {
      if (!NodeConditions.allUnknown(node.getStatus())) {
        log.info("{}: node {} last heard from at {}, more than {} ago; marking its status Unknown", NAME, name,
            lastHeard, gracePeriod);
        node = nodes.updateStatus(node.toBuilder().setStatus(NodeConditions.markUnknown(node.getStatus(), now)).build());
      }
    } else {
      recheck = min(recheck, NodeHeartbeat.untilStale(lastHeard, gracePeriod, now).plusMillis(1));
    }

    if (NodeConditions.ready(node.getStatus()).isEmpty()) {
      // Not reported yet and not stale yet: no opinion about it, as Kubernetes has none.
      loop.enqueueAfter(name, recheck);
      return;
    }
    String ready = NodeConditions.readyStatus(node.getStatus());
    Duration taintWait = null;
    boolean noExecute;
    if (ready.equals(NodeConditions.TRUE)) {
      noExecute = false;
    } else {
      EvictionPolicy.Mode mode = disruptionMode(name, ready);
      if (mode == EvictionPolicy.Mode.FULL_DISRUPTION) {
        noExecute = false;
      } else if (NodeTaints.hasNoExecuteFor(node.getSpec().getTaintsList(), ready)) {
        noExecute = true;
      } else {
        taintWait = evictionPolicy.admitNewTaint(mode, now);
        noExecute = Duration.ZERO.equals(taintWait);
      }
      if (mode != EvictionPolicy.Mode.NORMAL) {
        log.debug("{}: {} while syncing node {}", NAME, mode, name);
      }
    }
    List<Taint> taints = NodeTaints.desired(node.getSpec().getTaintsList(), ready, noExecute, now);
    if (!taints.equals(node.getSpec().getTaintsList())) {
      // From a stale cache this is a conflict, and the key is retried against a fresher one.
      node = nodes.update(node.toBuilder().setSpec(node.getSpec().toBuilder().clearTaints().addAllTaints(taints)).build());
      log.info("{}: node {} is Ready={}; taints now {}", NAME, name, ready,
          taints.stream().map(t -> t.getKey() + ":" + t.getEffect()).toList());
    }
    if (taintWait != null && !taintWait.isZero()) {
      recheck = min(recheck, taintWait);
    }

    List<Pod> onNode = podLister.list("", p -> p.getSpec().getNodeName().equals(name) && !PodState.isTerminating(p));
    if (!ready.equals(NodeConditions.TRUE)) {
      for (Pod pod : onNode) {
        markPodNotReady(pod, now);
      }
    }
    Duration untilEviction = evict(node, onNode, now);
    if (untilEviction != null) {
      recheck = min(recheck, untilEviction);
    }
    loop.enqueueAfter(name, recheck);
  }

  /** The disruption mode with this node counted as {@code ready}, whatever the cache says. */
  private EvictionPolicy.Mode disruptionMode(String name, String ready) {
    int total = 0;
    int notReady = 0;
    for (Node n : nodeLister.list("")) {
      total++;
      String status = n.getMetadata().getName().equals(name) ? ready : NodeConditions.readyStatus(n.getStatus());
      if (!status.equals(NodeConditions.TRUE)) {
        notReady++;
      }
    }
    return EvictionPolicy.mode(total, notReady);
  }

  private void markPodNotReady(Pod pod, Instant now) {
    Optional<PodCondition> readyCondition = PodState.readyCondition(pod);
    if (readyCondition.isPresent() && readyCondition.get().getStatus().equals("False") || PodState.isTerminal(pod)) {
      return;
    }
    var status = pod.getStatus().toBuilder().clearConditions();
    PodCondition notReady = PodCondition.newBuilder().setType(PodState.READY).setStatus("False")
        .setReason(POD_NOT_READY_REASON).setMessage("The pod's node is not ready.")
        .setLastTransitionTime(ProtoTime.toTimestamp(now)).build();
    boolean replaced = false;
    for (PodCondition c : pod.getStatus().getConditionsList()) {
      if (c.getType().equals(PodState.READY)) {
        status.addConditions(notReady);
        replaced = true;
      } else {
        status.addConditions(c);
      }
    }
    if (!replaced) {
      status.addConditions(notReady);
    }
    try {
      pods.updateStatus(pod.toBuilder().setStatus(status).build());
    } catch (RuntimeException e) {
      // A conflict means the pod changed; the next sync sees the new version.
      if (!ApiErrors.isNotFound(e) && !ApiErrors.isConflict(e)) {
        throw e;
      }
    }
  }

  /** Deletes the pods whose eviction time has come; returns how long until the next one, null if none. */
  private Duration evict(Node node, List<Pod> onNode, Instant now) {
    List<Taint> noExecute = new ArrayList<>();
    for (Taint t : node.getSpec().getTaintsList()) {
      if (t.getEffect().equals(Tolerations.NO_EXECUTE)) {
        noExecute.add(t);
      }
    }
    if (noExecute.isEmpty()) {
      return null;
    }
    Duration next = null;
    boolean confirmed = false;
    for (Pod pod : onNode) {
      Optional<Instant> at = TaintEviction.evictionTime(pod.getSpec().getTolerationsList(), noExecute, now);
      if (at.isEmpty()) {
        continue;
      }
      if (at.get().isAfter(now)) {
        next = min(next, Duration.between(now, at.get()));
        continue;
      }
      if (!confirmed) {
        // Deleting is not undone by a later sync: check the taints against the apiserver, not a cache
        // that may still show taints a recovered node has lost.
        Node live = nodes.get("", node.getMetadata().getName());
        if (!live.getSpec().getTaintsList().equals(node.getSpec().getTaintsList())) {
          return Duration.ofMillis(100);
        }
        confirmed = true;
      }
      log.info("{}: evicting pod {}/{} from node {} (NoExecute taints {})", NAME, pod.getMetadata().getNamespace(),
          pod.getMetadata().getName(), node.getMetadata().getName(), noExecute.stream().map(Taint::getKey).toList());
      try {
        // The uid precondition keeps a new pod of the same name (a StatefulSet's) from being hit.
        pods.delete(DeleteRequest.newBuilder().setNamespace(pod.getMetadata().getNamespace())
            .setName(pod.getMetadata().getName())
            .setPreconditions(Preconditions.newBuilder().setUid(pod.getMetadata().getUid())).build());
      } catch (RuntimeException e) {
        if (!ApiErrors.isNotFound(e) && !ApiErrors.isConflict(e)) {
          throw e;
        }
      }
    }
    return next;
  }

  private static Duration min(Duration a, Duration b) {
    if (a == null) {
      return b;
    }
    return b.compareTo(a) < 0 ? b : a;
  }
}
