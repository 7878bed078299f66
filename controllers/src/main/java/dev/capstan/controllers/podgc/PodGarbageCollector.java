package dev.capstan.controllers.podgc;

import dev.capstan.api.core.v1.Node;
import dev.capstan.api.core.v1.Pod;
import dev.capstan.api.meta.v1.DeleteRequest;
import dev.capstan.api.meta.v1.Preconditions;
import dev.capstan.client.Kinds;
import dev.capstan.client.ResourceClient;
import dev.capstan.client.informer.Lister;
import dev.capstan.client.informer.ResourceEventHandler;
import dev.capstan.client.informer.SharedInformer;
import dev.capstan.controllers.framework.ApiErrors;
import dev.capstan.controllers.framework.Controller;
import dev.capstan.controllers.framework.ControllerLoop;
import dev.capstan.controllers.framework.ControllerMetrics;
import dev.capstan.controllers.framework.Periodic;
import dev.capstan.controllers.framework.PodState;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kubernetes' pod garbage collector (PodGC): deletes the pods nobody else will. Each pass looks at
 * every pod and node in the caches ({@link PodGcPlan}) and force-deletes (grace period 0, with the
 * pod's uid as precondition, so a new pod of the same name is never hit):
 *
 * <ol>
 *   <li>orphans: the pods bound to a node that has been missing from the node cache for the
 *       quarantine ({@value #QUARANTINE_SECONDS} s on the injected clock, {@link MissingNodes})
 *       and that a live read then confirms is gone;</li>
 *   <li>terminating pods on a node that is not Ready and carries the
 *       {@value PodGcPlan#OUT_OF_SERVICE} taint, and terminating pods bound to no node;</li>
 *   <li>the oldest finished (Succeeded, Failed) pods beyond the terminated-pod threshold
 *       ({@code --terminated-pod-gc-threshold}; 0 or less: never).</li>
 * </ol>
 * A pass runs every {@value #PERIOD_SECONDS} s (real time), when a node is deleted or declared out of
 * service, when a pod is bound to a node the cache does not hold or starts terminating where no agent
 * will finish it, and when a node's quarantine ends. Unlike Kubernetes it does not first mark an
 * orphan Failed with a DisruptionTarget condition: a force delete removes it at once anyway.
 */
public final class PodGarbageCollector implements Controller {
  public static final String NAME = "pod-garbage-collector";
  public static final int DEFAULT_TERMINATED_POD_THRESHOLD = 12_500;
  static final long QUARANTINE_SECONDS = 40;
  static final long PERIOD_SECONDS = 20;
  /** The only key: every pass looks at all pods. */
  private static final String KEY = "pods";
  private static final Logger log = LoggerFactory.getLogger(PodGarbageCollector.class);

  private final ResourceClient<Pod> pods;
  private final ResourceClient<Node> nodes;
  private final Lister<Pod> podLister;
  private final Lister<Node> nodeLister;
  private final Clock clock;
  private final int terminatedPodThreshold;
  private final Duration period;
  private final MissingNodes missingNodes;
  private final ControllerLoop loop;
  private Periodic ticker;

  public PodGarbageCollector(ResourceClient<Pod> pods, ResourceClient<Node> nodes, SharedInformer<Pod> podInformer,
      SharedInformer<Node> nodeInformer, Clock clock, int terminatedPodThreshold, ControllerMetrics metrics) {
    this(pods, nodes, podInformer, nodeInformer, clock, terminatedPodThreshold, Duration.ofSeconds(PERIOD_SECONDS),
        Duration.ofSeconds(QUARANTINE_SECONDS), metrics);
  }

  /**
   * @param terminatedPodThreshold how many finished pods to keep; 0 or less keeps them all
   * @param period how often a pass runs without events (real time)
   * @param quarantine how long a node must be missing before its pods are deleted (on {@code clock})
   */
  public PodGarbageCollector(ResourceClient<Pod> pods, ResourceClient<Node> nodes, SharedInformer<Pod> podInformer,
      SharedInformer<Node> nodeInformer, Clock clock, int terminatedPodThreshold, Duration period, Duration quarantine,
      ControllerMetrics metrics) {
    this.pods = Objects.requireNonNull(pods, "pods");
    this.nodes = Objects.requireNonNull(nodes, "nodes");
    this.clock = Objects.requireNonNull(clock, "clock");
    if (period.isNegative() || period.isZero()) {
      throw new IllegalArgumentException("period: must be positive, got " + period);
    }
    this.period = period;
    this.terminatedPodThreshold = terminatedPodThreshold;
    this.missingNodes = new MissingNodes(quarantine);
    this.podLister = podInformer.lister();
    this.nodeLister = nodeInformer.lister();
    this.loop = new ControllerLoop(NAME, clock, metrics, key -> sync());
    nodeInformer.addEventHandler(new ResourceEventHandler<>() {
      @Override
      public void onAdd(Node node) {
        onUpdate(node, node);
      }

      @Override
      public void onUpdate(Node old, Node node) {
        if (PodGcPlan.isOutOfService(node)) {
          loop.enqueue(KEY);
        }
      }

      @Override
      public void onDelete(Node node) {
        loop.enqueue(KEY);
      }
    });
    podInformer.addEventHandler(new ResourceEventHandler<>() {
      @Override
      public void onAdd(Pod pod) {
        onUpdate(pod, pod);
      }

      @Override
      public void onUpdate(Pod old, Pod pod) {
        String node = pod.getSpec().getNodeName();
        boolean nodeMissing = !node.isEmpty() && nodeLister.get("", node).isEmpty();
        boolean unfinishable = PodState.isTerminating(pod)
            && (node.isEmpty() || nodeLister.get("", node).filter(PodGcPlan::isOutOfService).isPresent());
        if (nodeMissing || unfinishable) {
          loop.enqueue(KEY);
        }
      }
    });
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public synchronized void run(int workers) {
    // One key, so one pass at a time however many workers there are.
    loop.start(workers);
    ticker = Periodic.start(NAME + "-ticker", Duration.ZERO, period, () -> loop.enqueue(KEY));
  }

  @Override
  public synchronized void close() {
    if (ticker != null) {
      ticker.close();
    }
    loop.close();
  }

  // ---------------------------------------------------------------- sync

  private void sync() {
    Instant now = clock.instant();
    List<Pod> all = podLister.list("");
    PodGcPlan plan = PodGcPlan.of(all, nodeLister.list(""), terminatedPodThreshold);
    RuntimeException failure = null;
    missingNodes.observe(plan.missingNodes(), now);
    for (String node : missingNodes.expired(now)) {
      if (nodeExists(node)) {
        // Only the cache missed it: a pod bound to a node that registered a moment later.
        missingNodes.forget(node);
        continue;
      }
      for (Pod pod : all) {
        if (pod.getSpec().getNodeName().equals(node)) {
          failure = forceDelete(pod, "its node " + node + " is gone", failure);
        }
      }
    }
    for (Pod pod : plan.outOfService()) {
      failure = forceDelete(pod, "it is terminating on node " + pod.getSpec().getNodeName() + ", which is out of service",
          failure);
    }
    for (Pod pod : plan.unscheduledTerminating()) {
      failure = forceDelete(pod, "it is terminating and bound to no node", failure);
    }
    if (!plan.terminatedOverThreshold().isEmpty()) {
      log.info("{}: {} finished pods are more than the threshold of {}; deleting the oldest {}", NAME,
          plan.terminatedOverThreshold().size() + terminatedPodThreshold, terminatedPodThreshold,
          plan.terminatedOverThreshold().size());
      for (Pod pod : plan.terminatedOverThreshold()) {
        failure = forceDelete(pod, null, failure);
      }
    }
    missingNodes.nextExpiry(now).ifPresent(at -> loop.enqueueAt(KEY, at));
    if (failure != null) {
      // Retried after a back-off; what was deleted stays deleted.
      throw failure;
    }
  }

  private boolean nodeExists(String name) {
    try {
      nodes.get("", name);
      return true;
    } catch (RuntimeException e) {
      if (ApiErrors.isNotFound(e)) {
        return false;
      }
      throw e;
    }
  }

  /** Deletes the pod with grace period 0; returns the first failure so far (not found and conflicts are none). */
  private RuntimeException forceDelete(Pod pod, String why, RuntimeException failure) {
    String key = Kinds.POD.key(pod);
    if (why != null) {
      log.info("{}: force-deleting pod {}: {}", NAME, key, why);
    } else {
      log.debug("{}: deleting finished pod {}", NAME, key);
    }
    try {
      pods.delete(DeleteRequest.newBuilder().setNamespace(pod.getMetadata().getNamespace())
          .setName(pod.getMetadata().getName()).setGracePeriodSeconds(0)
          .setPreconditions(Preconditions.newBuilder().setUid(pod.getMetadata().getUid())).build());
      return failure;
    } catch (RuntimeException e) {
      if (ApiErrors.isNotFound(e) || ApiErrors.isConflict(e)) {
        return failure;
      }
      log.warn("{}: failed to delete pod {}: {}", NAME, key, e.getMessage());
      return failure != null ? failure : e;
    }
  }
}
