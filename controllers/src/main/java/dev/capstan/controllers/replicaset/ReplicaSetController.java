package dev.capstan.controllers.replicaset;

import dev.capstan.api.apps.v1.ReplicaSet;
import dev.capstan.api.apps.v1.ReplicaSetStatus;
import dev.capstan.api.core.v1.Pod;
import dev.capstan.client.Kinds;
import dev.capstan.client.ResourceClient;
import dev.capstan.client.informer.Lister;
import dev.capstan.client.informer.SharedInformer;
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
import dev.capstan.controllers.framework.PodClaim;
import dev.capstan.controllers.framework.PodAdoption;
import dev.capstan.controllers.framework.PodState;
import dev.capstan.controllers.framework.SlowStartBatch;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the number of active pods each ReplicaSet controls at its {@code spec.replicas}, and its
 * status up to date. Level-triggered: every sync of a ReplicaSet key looks at the ReplicaSet and its
 * pods as the informers' caches show them and takes one step.
 *
 * <ul>
 *   <li>Its pods: active pods whose controller reference names the ReplicaSet (by uid) and that
 *       match its selector. Orphans that match are adopted; owned pods that stopped matching are
 *       released (see {@link PodClaim}).</li>
 *   <li>Too few: it creates pods from the template in slow-start batches (1, 2, 4, ...), at most
 *       {@link ReplicaSetPlan#BURST_REPLICAS} per sync.</li>
 *   <li>Too many: it deletes the surplus in {@link SurplusPodRanking} order.</li>
 *   <li>It then acts on that ReplicaSet again only once its informer has observed those creations
 *       and deletions ({@link ControllerExpectations}), so a lagging cache never makes it overshoot.</li>
 *   <li>Status (replicas, fullyLabeledReplicas, readyReplicas, availableReplicas,
 *       observedGeneration) is written through UpdateStatus when it changed.</li>
 * </ul>
 * Pod events are mapped to the key of the ReplicaSet that controls the pod.
 */
public final class ReplicaSetController implements Controller {
  public static final String NAME = "replicaset-controller";
  private static final Logger log = LoggerFactory.getLogger(ReplicaSetController.class);
  private static final int WRITER_THREADS = 16;

  private final ResourceClient<ReplicaSet> replicaSets;
  private final ResourceClient<Pod> pods;
  private final Lister<ReplicaSet> rsLister;
  private final Lister<Pod> podLister;
  private final Clock clock;
  private final ControllerExpectations expectations;
  private final ControllerLoop loop;
  private final PodAdoption<ReplicaSet> adoption;
  private final ExecutorService writers;
  private final int burstReplicas;

  public ReplicaSetController(ResourceClient<ReplicaSet> replicaSets, ResourceClient<Pod> pods,
      SharedInformer<ReplicaSet> rsInformer, SharedInformer<Pod> podInformer, Clock clock, ControllerMetrics metrics) {
    this(replicaSets, pods, rsInformer, podInformer, clock, metrics, ReplicaSetPlan.BURST_REPLICAS);
  }

  public ReplicaSetController(ResourceClient<ReplicaSet> replicaSets, ResourceClient<Pod> pods,
      SharedInformer<ReplicaSet> rsInformer, SharedInformer<Pod> podInformer, Clock clock, ControllerMetrics metrics,
      int burstReplicas) {
    this.replicaSets = Objects.requireNonNull(replicaSets, "replicaSets");
    this.pods = Objects.requireNonNull(pods, "pods");
    this.clock = Objects.requireNonNull(clock, "clock");
    if (burstReplicas < 1) {
      throw new IllegalArgumentException("burstReplicas: must be positive, got " + burstReplicas);
    }
    this.burstReplicas = burstReplicas;
    this.rsLister = rsInformer.lister();
    this.podLister = podInformer.lister();
    this.adoption = new PodAdoption<>(NAME, Kinds.REPLICA_SET, replicaSets, pods);
    this.expectations = new ControllerExpectations(clock);
    this.loop = new ControllerLoop(NAME, clock, metrics, this::sync);
    this.writers = ApiWriterPool.create(NAME, WRITER_THREADS);
    rsInformer.addEventHandler(new OwnerEvents<>(Kinds.REPLICA_SET, loop, expectations));
    podInformer.addEventHandler(new ControlledPodEvents<>(Kinds.REPLICA_SET, rsLister, expectations, loop,
        rs -> rs.getSpec().getSelector(), rs -> rs.getSpec().getMinReadySeconds()));
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

  // ---------------------------------------------------------------- sync

  private void sync(String key) throws Exception {
    ObjectKey k = ObjectKey.parse(key);
    Optional<ReplicaSet> cached = rsLister.get(k.namespace(), k.name());
    if (cached.isEmpty()) {
      expectations.forget(key);
      return;
    }
    ReplicaSet rs = cached.get();
    LabelQuery selector;
    try {
      selector = LabelQuery.fromProto(rs.getSpec().getSelector());
    } catch (IllegalArgumentException e) {
      log.warn("{}: ReplicaSet {} has an invalid spec.selector, not syncing it: {}", NAME, key, e.getMessage());
      return;
    }
    boolean needsSync = expectations.satisfied(key);
    List<Pod> active = podLister.list(k.namespace(), PodState::isActive);
    PodClaim claim = PodClaim.of(rs.getMetadata(), selector::matches, active);
    List<Pod> owned = new ArrayList<>(claim.owned());
    if (!claim.toAdopt().isEmpty() || !claim.toRelease().isEmpty()) {
      owned.addAll(adoption.adoptAndRelease(rs, claim));
    }

    Exception manageError = null;
    if (needsSync && !rs.getMetadata().hasDeletionTimestamp()) {
      try {
        manageReplicas(key, rs, owned);
      } catch (Exception e) {
        manageError = e;
      }
    }

    ReplicaSetStatus status = ReplicaSetStatusCalculator.calculate(rs, owned, clock.instant());
    updateStatus(rs, status);
    if (manageError != null) {
      throw manageError;
    }
    int minReady = rs.getSpec().getMinReadySeconds();
    if (minReady > 0 && status.getReadyReplicas() != status.getAvailableReplicas()) {
      loop.enqueueAfter(key, Duration.ofSeconds(minReady));
    }
  }

  private void manageReplicas(String key, ReplicaSet rs, List<Pod> owned) throws Exception {
    int desired = rs.getSpec().hasReplicas() ? rs.getSpec().getReplicas() : 1;
    ReplicaSetPlan plan = ReplicaSetPlan.of(desired, owned, burstReplicas);
    if (plan.podsToCreate() > 0) {
      int n = plan.podsToCreate();
      log.debug("{}: {} needs {} more pods", NAME, key, n);
      expectations.expectCreations(key, n);
      Pod template = PodFromTemplate.newPod(rs);
      SlowStartBatch.Result result = SlowStartBatch.run(n, 1, writers, () -> pods.create(template));
      for (int skipped = n - result.succeeded(); skipped > 0; skipped--) {
        // Those will never be observed: lower the expectation, or the ReplicaSet would wait for 5 minutes.
        expectations.creationObserved(key);
      }
      if (result.firstError().isPresent()) {
        throw asException(result.firstError().get());
      }
    } else if (!plan.podsToDelete().isEmpty()) {
      List<String> podKeys = plan.podsToDelete().stream().map(Kinds.POD::key).toList();
      log.debug("{}: {} deletes {} surplus pods", NAME, key, podKeys.size());
      expectations.expectDeletions(key, podKeys);
      AtomicReference<Throwable> firstError = new AtomicReference<>();
      List<CompletableFuture<Void>> calls = new ArrayList<>();
      for (Pod pod : plan.podsToDelete()) {
        calls.add(CompletableFuture.runAsync(() -> {
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
      CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new)).join();
      if (firstError.get() != null) {
        throw asException(firstError.get());
      }
    }
  }

  private void updateStatus(ReplicaSet rs, ReplicaSetStatus status) {
    if (status.equals(rs.getStatus())) {
      return;
    }
    try {
      replicaSets.updateStatus(rs.toBuilder().setStatus(status).build());
    } catch (RuntimeException e) {
      if (ApiErrors.isNotFound(e)) {
        return;
      }
      if (!ApiErrors.isConflict(e)) {
        throw e;
      }
      // The ReplicaSet changed meanwhile; its status as we computed it still holds: retry once.
      ReplicaSet fresh = replicaSets.get(rs.getMetadata().getNamespace(), rs.getMetadata().getName());
      if (fresh.getMetadata().getUid().equals(rs.getMetadata().getUid()) && !status.equals(fresh.getStatus())) {
        replicaSets.updateStatus(fresh.toBuilder().setStatus(status).build());
      }
    }
  }

  private static Exception asException(Throwable t) {
    return t instanceof Exception e ? e : new RuntimeException(t);
  }
}
