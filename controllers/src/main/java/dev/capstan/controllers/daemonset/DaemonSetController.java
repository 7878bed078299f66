package dev.capstan.controllers.daemonset;

import dev.capstan.api.apps.v1.DaemonSet;
import dev.capstan.api.apps.v1.DaemonSetStatus;
import dev.capstan.api.core.v1.Node;
import dev.capstan.api.core.v1.Pod;
import dev.capstan.client.Kinds;
import dev.capstan.client.ResourceClient;
import dev.capstan.client.informer.Lister;
import dev.capstan.client.informer.ResourceEventHandler;
import dev.capstan.client.informer.SharedInformer;
import dev.capstan.client.quantity.IntOrPercent;
import dev.capstan.client.selector.LabelQuery;
import dev.capstan.controllers.framework.ApiErrors;
import dev.capstan.controllers.framework.ApiWriterPool;
import dev.capstan.controllers.framework.Controller;
import dev.capstan.controllers.framework.ControlledPodEvents;
import dev.capstan.controllers.framework.ControllerExpectations;
import dev.capstan.controllers.framework.ControllerLoop;
import dev.capstan.controllers.framework.ControllerMetrics;
import dev.capstan.controllers.framework.ObjectKey;
import dev.capstan.controllers.framework.OwnerEvents;
import dev.capstan.controllers.framework.OwnerReferences;
import dev.capstan.controllers.framework.PodAdoption;
import dev.capstan.controllers.framework.PodState;
import dev.capstan.controllers.framework.SlowStartBatch;
import dev.capstan.controllers.framework.PodClaim;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one pod of each DaemonSet on every node where it belongs ({@link NodeEligibility}), and keeps
 * its status. Level-triggered like the ReplicaSet controller: a sync looks at the DaemonSet, the
 * nodes and its pods as the informers show them and carries out one {@link DaemonSetPlan}.
 *
 * <ul>
 *   <li>Pods are created with {@code spec.nodeName} already set ({@link DaemonPodFactory}): the
 *       controller places them, not the scheduler, as Kubernetes did before 1.12. Resources are
 *       not checked against the node's allocatable; the agent admits the pod or fails it.</li>
 *   <li>Its pods are claimed as a ReplicaSet's are ({@link PodClaim}): controller reference by uid
 *       plus selector; matching orphans are adopted.</li>
 *   <li>Writes are recorded in {@link ControllerExpectations}, so a lagging cache never makes it
 *       create a second pod on a node.</li>
 *   <li>Node changes (new nodes, labels, taints) re-sync every DaemonSet; pod changes re-sync the
 *       DaemonSet that controls the pod.</li>
 * </ul>
 */
public final class DaemonSetController implements Controller {
  public static final String NAME = "daemonset-controller";
  private static final Logger log = LoggerFactory.getLogger(DaemonSetController.class);
  private static final int WRITER_THREADS = 8;

  private final ResourceClient<DaemonSet> daemonSets;
  private final ResourceClient<Pod> pods;
  private final Lister<DaemonSet> dsLister;
  private final Lister<Node> nodeLister;
  private final Lister<Pod> podLister;
  private final Clock clock;
  private final ControllerExpectations expectations;
  private final ControllerLoop loop;
  private final PodAdoption<DaemonSet> adoption;
  private final ExecutorService writers;

  public DaemonSetController(ResourceClient<DaemonSet> daemonSets, ResourceClient<Pod> pods,
      SharedInformer<DaemonSet> dsInformer, SharedInformer<Node> nodeInformer, SharedInformer<Pod> podInformer,
      Clock clock, ControllerMetrics metrics) {
    this.daemonSets = Objects.requireNonNull(daemonSets, "daemonSets");
    this.pods = Objects.requireNonNull(pods, "pods");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.dsLister = dsInformer.lister();
    this.nodeLister = nodeInformer.lister();
    this.podLister = podInformer.lister();
    this.adoption = new PodAdoption<>(NAME, Kinds.DAEMON_SET, daemonSets, pods);
    this.expectations = new ControllerExpectations(clock);
    this.loop = new ControllerLoop(NAME, clock, metrics, this::sync);
    this.writers = ApiWriterPool.create(NAME, WRITER_THREADS);
    dsInformer.addEventHandler(new OwnerEvents<>(Kinds.DAEMON_SET, loop, expectations));
    nodeInformer.addEventHandler(new NodeHandler());
    podInformer.addEventHandler(new ControlledPodEvents<>(Kinds.DAEMON_SET, dsLister, expectations, loop,
        ds -> ds.getSpec().getSelector(), ds -> ds.getSpec().getMinReadySeconds()));
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public void run(int workers) {
    loop.start(workers);
  }

  @Override
  public void close() {
    loop.close();
    writers.shutdownNow();
  }

  // ---------------------------------------------------------------- event handlers

  private final class NodeHandler implements ResourceEventHandler<Node> {
    @Override
    public void onAdd(Node node) {
      enqueueAll();
    }

    @Override
    public void onUpdate(Node old, Node node) {
      // Only what eligibility reads matters; status heartbeats would re-sync everything every few seconds.
      if (!old.getMetadata().getLabelsMap().equals(node.getMetadata().getLabelsMap())
          || !old.getSpec().getTaintsList().equals(node.getSpec().getTaintsList())) {
        enqueueAll();
      }
    }

    @Override
    public void onDelete(Node node) {
      enqueueAll();
    }

    private void enqueueAll() {
      for (DaemonSet ds : dsLister.list("")) {
        loop.enqueue(Kinds.DAEMON_SET.key(ds));
      }
    }
  }

  // ---------------------------------------------------------------- sync

  private void sync(String key) throws Exception {
    ObjectKey k = ObjectKey.parse(key);
    Optional<DaemonSet> cached = dsLister.get(k.namespace(), k.name());
    if (cached.isEmpty()) {
      expectations.forget(key);
      return;
    }
    DaemonSet ds = cached.get();
    LabelQuery selector;
    try {
      selector = LabelQuery.fromProto(ds.getSpec().getSelector());
    } catch (IllegalArgumentException e) {
      log.warn("{}: DaemonSet {} has an invalid spec.selector, not syncing it: {}", NAME, key, e.getMessage());
      return;
    }
    boolean needsSync = expectations.satisfied(key);
    // Finished pods are claimed too: the plan replaces them.
    List<Pod> candidates = podLister.list(k.namespace(), p -> !PodState.isTerminating(p));
    PodClaim claim = PodClaim.of(ds.getMetadata(), selector::matches, candidates);
    List<Pod> owned = new ArrayList<>(claim.owned());
    if (!claim.toAdopt().isEmpty() || !claim.toRelease().isEmpty()) {
      owned.addAll(adoption.adoptAndRelease(ds, claim));
    }
    // Terminating pods hold their node until they are gone.
    owned.addAll(podLister.list(k.namespace(), p -> PodState.isTerminating(p)
        && OwnerReferences.isControlledBy(p.getMetadata(), ds.getMetadata())));

    String revision = DaemonPodFactory.revision(ds);
    List<NodeDaemonPods> nodes = NodeDaemonPods.group(nodeLister.list(""),
        DaemonPodFactory.daemonPodSpec(ds.getSpec().getTemplate().getSpec()), owned);
    Exception manageError = null;
    if (needsSync && !ds.getMetadata().hasDeletionTimestamp()) {
      try {
        manage(key, ds, nodes, revision);
      } catch (Exception e) {
        manageError = e;
      }
    }
    DaemonSetStatus status = DaemonSetStatusCalculator.calculate(ds, nodes, revision, clock.instant());
    updateStatus(ds, status);
    if (manageError != null) {
      throw manageError;
    }
    int minReady = ds.getSpec().getMinReadySeconds();
    if (minReady > 0 && status.getNumberReady() != status.getNumberAvailable()) {
      loop.enqueueAfter(key, Duration.ofSeconds(minReady));
    }
  }

  private void manage(String key, DaemonSet ds, List<NodeDaemonPods> nodes, String revision) throws Exception {
    var strategy = ds.getSpec().getUpdateStrategy();
    IntOrPercent maxUnavailable = null;
    if (!strategy.getType().equals("OnDelete")) {
      String text = strategy.getRollingUpdate().getMaxUnavailable();
      maxUnavailable = text.isEmpty() ? IntOrPercent.ofInt(1) : IntOrPercent.parse(text);
    }
    DaemonSetPlan plan = DaemonSetPlan.of(nodes, revision, maxUnavailable, ds.getSpec().getMinReadySeconds(),
        clock.instant());
    if (plan.isEmpty()) {
      return;
    }
    // Creations and deletions are expected together: the next sync waits for both to show.
    List<String> deletedKeys = plan.podsToDelete().stream().map(Kinds.POD::key).toList();
    expectations.expect(key, plan.nodesToCreateOn().size(), deletedKeys);
    log.debug("{}: {} creates pods on {} and deletes {}", NAME, key, plan.nodesToCreateOn(), deletedKeys);
    AtomicReference<Throwable> firstError = new AtomicReference<>();
    List<CompletableFuture<Void>> deletions = new ArrayList<>();
    for (Pod pod : plan.podsToDelete()) {
      deletions.add(CompletableFuture.runAsync(() -> {
        try {
          pods.delete(pod.getMetadata().getNamespace(), pod.getMetadata().getName());
        } catch (RuntimeException e) {
          expectations.deletionObserved(key, Kinds.POD.key(pod));
          if (!ApiErrors.isNotFound(e)) {
            firstError.compareAndSet(null, e);
          }
        }
      }, writers));
    }
    List<String> targets = plan.nodesToCreateOn();
    AtomicInteger next = new AtomicInteger();
    SlowStartBatch.Result created = SlowStartBatch.run(targets.size(), 1, writers,
        () -> pods.create(DaemonPodFactory.newPod(ds, targets.get(next.getAndIncrement()), revision)));
    for (int skipped = targets.size() - created.succeeded(); skipped > 0; skipped--) {
      expectations.creationObserved(key);
    }
    created.firstError().ifPresent(e -> firstError.compareAndSet(null, e));
    CompletableFuture.allOf(deletions.toArray(CompletableFuture[]::new)).join();
    if (firstError.get() != null) {
      Throwable t = firstError.get();
      throw t instanceof Exception e ? e : new RuntimeException(t);
    }
  }

  private void updateStatus(DaemonSet ds, DaemonSetStatus status) {
    if (status.equals(ds.getStatus())) {
      return;
    }
    try {
      daemonSets.updateStatus(ds.toBuilder().setStatus(status).build());
    } catch (RuntimeException e) {
      if (ApiErrors.isNotFound(e)) {
        return;
      }
      if (!ApiErrors.isConflict(e)) {
        throw e;
      }
      DaemonSet fresh = daemonSets.get(ds.getMetadata().getNamespace(), ds.getMetadata().getName());
      if (fresh.getMetadata().getUid().equals(ds.getMetadata().getUid()) && !status.equals(fresh.getStatus())) {
        daemonSets.updateStatus(fresh.toBuilder().setStatus(status).build());
      }
    }
  }
}
