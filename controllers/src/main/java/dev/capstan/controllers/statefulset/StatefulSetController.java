package dev.capstan.controllers.statefulset;

import dev.capstan.api.apps.v1.StatefulSet;
import dev.capstan.api.apps.v1.StatefulSetStatus;
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
import dev.capstan.controllers.framework.OwnerReferences;
import dev.capstan.controllers.framework.PodAdoption;
import dev.capstan.controllers.framework.PodState;
import dev.capstan.controllers.framework.PodClaim;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gives each StatefulSet {@code spec.replicas} pods with stable names {@code <set>-0..n-1}
 * ({@link StatefulPodFactory}), created, removed and replaced in the order {@link StatefulSetPlan}
 * decides, and keeps its status. Level-triggered like the ReplicaSet controller.
 *
 * <ul>
 *   <li>Its pods: those whose controller reference names the set (by uid), that match its selector
 *       and whose name is {@code <set>-<ordinal>}; matching orphans with such names are adopted.</li>
 *   <li>Writes are recorded in {@link ControllerExpectations}: with OrderedReady the next pod is
 *       only considered once the informer has seen the previous one.</li>
 *   <li>No ControllerRevision objects are kept: a pod is always created from the current template,
 *       also one below the rolling update's partition that was deleted (Kubernetes would recreate
 *       it at the old revision).</li>
 * </ul>
 */
public final class StatefulSetController implements Controller {
  public static final String NAME = "statefulset-controller";
  private static final Logger log = LoggerFactory.getLogger(StatefulSetController.class);
  private static final int WRITER_THREADS = 8;

  private final ResourceClient<StatefulSet> statefulSets;
  private final ResourceClient<Pod> pods;
  private final Lister<StatefulSet> setLister;
  private final Lister<Pod> podLister;
  private final Clock clock;
  private final ControllerExpectations expectations;
  private final ControllerLoop loop;
  private final PodAdoption<StatefulSet> adoption;
  private final ExecutorService writers;

  public StatefulSetController(ResourceClient<StatefulSet> statefulSets, ResourceClient<Pod> pods,
      SharedInformer<StatefulSet> setInformer, SharedInformer<Pod> podInformer, Clock clock,
      ControllerMetrics metrics) {
    this.statefulSets = Objects.requireNonNull(statefulSets, "statefulSets");
    this.pods = Objects.requireNonNull(pods, "pods");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.setLister = setInformer.lister();
    this.podLister = podInformer.lister();
    this.adoption = new PodAdoption<>(NAME, Kinds.STATEFUL_SET, statefulSets, pods);
    this.expectations = new ControllerExpectations(clock);
    this.loop = new ControllerLoop(NAME, clock, metrics, this::sync);
    this.writers = ApiWriterPool.create(NAME, WRITER_THREADS);
    setInformer.addEventHandler(new OwnerEvents<>(Kinds.STATEFUL_SET, loop, expectations));
    podInformer.addEventHandler(new ControlledPodEvents<>(Kinds.STATEFUL_SET, setLister, expectations, loop,
        set -> set.getSpec().getSelector(), set -> set.getSpec().getMinReadySeconds()));
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
    Optional<StatefulSet> cached = setLister.get(k.namespace(), k.name());
    if (cached.isEmpty()) {
      expectations.forget(key);
      return;
    }
    StatefulSet set = cached.get();
    LabelQuery selector;
    try {
      selector = LabelQuery.fromProto(set.getSpec().getSelector());
    } catch (IllegalArgumentException e) {
      log.warn("{}: StatefulSet {} has an invalid spec.selector, not syncing it: {}", NAME, key, e.getMessage());
      return;
    }
    boolean needsSync = expectations.satisfied(key);
    String setName = set.getMetadata().getName();
    List<Pod> members = podLister.list(k.namespace(),
        p -> StatefulPodFactory.ordinalOf(setName, p.getMetadata().getName()).isPresent());
    PodClaim claim = PodClaim.of(set.getMetadata(), selector::matches,
        members.stream().filter(p -> !PodState.isTerminating(p)).toList());
    List<Pod> owned = new ArrayList<>(claim.owned());
    if (!claim.toAdopt().isEmpty() || !claim.toRelease().isEmpty()) {
      owned.addAll(adoption.adoptAndRelease(set, claim));
    }
    // Terminating pods still hold their names: their ordinals are not free yet.
    owned.addAll(members.stream().filter(p -> PodState.isTerminating(p)
        && OwnerReferences.isControlledBy(p.getMetadata(), set.getMetadata())).toList());
    Map<Integer, Pod> byOrdinal = new HashMap<>();
    for (Pod pod : owned) {
      byOrdinal.put(StatefulPodFactory.ordinalOf(setName, pod.getMetadata().getName()).getAsInt(), pod);
    }

    String updateRevision = StatefulPodFactory.revision(set);
    Exception manageError = null;
    if (needsSync && !set.getMetadata().hasDeletionTimestamp()) {
      try {
        manage(key, set, byOrdinal, updateRevision);
      } catch (Exception e) {
        manageError = e;
      }
    }
    StatefulSetStatus status = StatefulSetStatusCalculator.calculate(set, owned, updateRevision, clock.instant());
    updateStatus(set, status);
    if (manageError != null) {
      throw manageError;
    }
    int minReady = set.getSpec().getMinReadySeconds();
    if (minReady > 0 && status.getReadyReplicas() != status.getAvailableReplicas()) {
      loop.enqueueAfter(key, Duration.ofSeconds(minReady));
    }
  }

  private void manage(String key, StatefulSet set, Map<Integer, Pod> byOrdinal, String updateRevision)
      throws Exception {
    var spec = set.getSpec();
    boolean rolling = !spec.getUpdateStrategy().getType().equals("OnDelete");
    StatefulSetPlan plan = StatefulSetPlan.of(spec.getReplicas(), !spec.getPodManagementPolicy().equals("Parallel"),
        rolling, spec.getUpdateStrategy().getRollingUpdate().getPartition(), updateRevision, byOrdinal);
    if (plan.isEmpty()) {
      return;
    }
    List<String> deletedKeys = plan.podsToDelete().stream().map(Kinds.POD::key).toList();
    expectations.expect(key, plan.ordinalsToCreate().size(), deletedKeys);
    log.debug("{}: {} creates ordinals {} and deletes {}", NAME, key, plan.ordinalsToCreate(), deletedKeys);
    AtomicReference<Throwable> firstError = new AtomicReference<>();
    List<CompletableFuture<Void>> calls = new ArrayList<>();
    for (int ordinal : plan.ordinalsToCreate()) {
      Pod pod = StatefulPodFactory.newPod(set, ordinal, updateRevision);
      calls.add(CompletableFuture.runAsync(() -> {
        try {
          pods.create(pod);
        } catch (RuntimeException e) {
          expectations.creationObserved(key);  // never observed: do not wait for it
          firstError.compareAndSet(null, e);
        }
      }, writers));
    }
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
      Throwable t = firstError.get();
      throw t instanceof Exception e ? e : new RuntimeException(t);
    }
  }

  private void updateStatus(StatefulSet set, StatefulSetStatus status) {
    if (status.equals(set.getStatus())) {
      return;
    }
    try {
      statefulSets.updateStatus(set.toBuilder().setStatus(status).build());
    } catch (RuntimeException e) {
      if (ApiErrors.isNotFound(e)) {
        return;
      }
      if (!ApiErrors.isConflict(e)) {
        throw e;
      }
      StatefulSet fresh = statefulSets.get(set.getMetadata().getNamespace(), set.getMetadata().getName());
      if (fresh.getMetadata().getUid().equals(set.getMetadata().getUid()) && !status.equals(fresh.getStatus())) {
        statefulSets.updateStatus(fresh.toBuilder().setStatus(status).build());
      }
    }
  }
}
