package dev.capstan.controllers.deployment;

import dev.capstan.api.apps.v1.Deployment;
import dev.capstan.api.apps.v1.DeploymentStatus;
import dev.capstan.api.apps.v1.ReplicaSet;
import dev.capstan.api.core.v1.Pod;
import dev.capstan.api.meta.v1.DeleteRequest;
import dev.capstan.api.meta.v1.OwnerReference;
import dev.capstan.api.meta.v1.Preconditions;
import dev.capstan.client.Kinds;
import dev.capstan.client.ResourceClient;
import dev.capstan.client.informer.Lister;
import dev.capstan.client.informer.ResourceEventHandler;
import dev.capstan.client.informer.SharedInformer;
import dev.capstan.client.selector.LabelQuery;
import dev.capstan.controllers.framework.ApiErrors;
import dev.capstan.controllers.framework.Controller;
import dev.capstan.controllers.framework.ControllerLoop;
import dev.capstan.controllers.framework.ControllerMetrics;
import dev.capstan.controllers.framework.ObjectKey;
import dev.capstan.controllers.framework.OwnerEvents;
import dev.capstan.controllers.framework.OwnerReferences;
import dev.capstan.controllers.framework.PodState;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Rolls Deployments out through ReplicaSets, one per pod template (see {@link DeploymentReplicaSets}).
 * Each sync of a Deployment key takes one step, Kubernetes' order:
 *
 * <ol>
 *   <li>a paused Deployment is only scaled, never rolled out;</li>
 *   <li>a scaling event (spec.replicas changed) resizes the ReplicaSets ({@link ProportionalScaler});</li>
 *   <li>otherwise a rollout step: RollingUpdate ({@link RollingUpdatePlanner}) or Recreate (old
 *       ReplicaSets to 0, wait until their pods are gone, then the new one up);</li>
 *   <li>once complete, old ReplicaSets beyond revisionHistoryLimit are deleted ({@link RevisionHistory});</li>
 *   <li>status and conditions are written ({@link DeploymentStatusCalculator}).</li>
 * </ol>
 * ReplicaSet events map to the Deployment that controls the ReplicaSet; pod deletions too, for
 * Recreate Deployments waiting for their old pods to go.
 */
public final class DeploymentController implements Controller {
  public static final String NAME = "deployment-controller";
  private static final Logger log = LoggerFactory.getLogger(DeploymentController.class);

  private final ResourceClient<Deployment> deployments;
  private final ResourceClient<ReplicaSet> replicaSets;
  private final Lister<Deployment> deploymentLister;
  private final Lister<ReplicaSet> rsLister;
  private final Lister<Pod> podLister;
  private final Clock clock;
  private final ControllerLoop loop;

  public DeploymentController(ResourceClient<Deployment> deployments, ResourceClient<ReplicaSet> replicaSets,
      SharedInformer<Deployment> deploymentInformer, SharedInformer<ReplicaSet> rsInformer,
      SharedInformer<Pod> podInformer, Clock clock, ControllerMetrics metrics) {
    this.deployments = Objects.requireNonNull(deployments, "deployments");
    this.replicaSets = Objects.requireNonNull(replicaSets, "replicaSets");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.deploymentLister = deploymentInformer.lister();
    this.rsLister = rsInformer.lister();
    this.podLister = podInformer.lister();
    this.loop = new ControllerLoop(NAME, clock, metrics, this::sync);
    deploymentInformer.addEventHandler(new OwnerEvents<>(Kinds.DEPLOYMENT, loop));
    rsInformer.addEventHandler(new ReplicaSetHandler());
    podInformer.addEventHandler(new PodHandler());
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
  }

  // ---------------------------------------------------------------- event handlers

  private final class ReplicaSetHandler implements ResourceEventHandler<ReplicaSet> {
    @Override
    public void onAdd(ReplicaSet rs) {
      enqueueOwner(rs);
    }

    @Override
    public void onUpdate(ReplicaSet old, ReplicaSet rs) {
      if (old.getMetadata().getResourceVersion().equals(rs.getMetadata().getResourceVersion())) {
        return;
      }
      if (!OwnerReferences.controllerOf(old.getMetadata()).equals(OwnerReferences.controllerOf(rs.getMetadata()))) {
        enqueueOwner(old);
      }
      enqueueOwner(rs);
    }

    @Override
    public void onDelete(ReplicaSet rs) {
      enqueueOwner(rs);
    }
  }

  private final class PodHandler implements ResourceEventHandler<Pod> {
    @Override
    public void onDelete(Pod pod) {
      // Only a Recreate rollout waits for pods to go away.
      OwnerReferences.controllerOf(pod.getMetadata())
          .filter(ref -> ref.getKind().equals(Kinds.REPLICA_SET.kind()))
          .flatMap(ref -> rsLister.get(pod.getMetadata().getNamespace(), ref.getName())
              .filter(rs -> rs.getMetadata().getUid().equals(ref.getUid())))
          .flatMap(rs -> owner(rs))
          .filter(d -> d.getSpec().getStrategy().getType().equals(RolloutBounds.RECREATE))
          .ifPresent(d -> loop.enqueue(Kinds.DEPLOYMENT.key(d)));
    }
  }

  private void enqueueOwner(ReplicaSet rs) {
    owner(rs).ifPresent(d -> loop.enqueue(Kinds.DEPLOYMENT.key(d)));
  }

  private Optional<Deployment> owner(ReplicaSet rs) {
    Optional<OwnerReference> ref = OwnerReferences.controllerOf(rs.getMetadata());
    if (ref.isEmpty() || !ref.get().getKind().equals(Kinds.DEPLOYMENT.kind())) {
      return Optional.empty();
    }
    return deploymentLister.get(rs.getMetadata().getNamespace(), ref.get().getName())
        .filter(d -> d.getMetadata().getUid().equals(ref.get().getUid()));
  }

  // ---------------------------------------------------------------- sync

  /** One sync's view: the Deployment as last written, and its ReplicaSets with this sync's writes applied. */
  private final class Sync {
    final String key;
    Deployment d;
    final List<ReplicaSet> rss;

    Sync(String key, Deployment d, List<ReplicaSet> rss) {
      this.key = key;
      this.d = d;
      this.rss = new ArrayList<>(rss);
    }

    Optional<ReplicaSet> newRs() {
      return DeploymentReplicaSets.findNew(d, rss);
    }

    List<ReplicaSet> oldRss() {
      return DeploymentReplicaSets.old(rss, newRs());
    }

    void replace(ReplicaSet updated) {
      rss.removeIf(rs -> rs.getMetadata().getUid().equals(updated.getMetadata().getUid()));
      rss.add(updated);
    }
  }

  private void sync(String key) throws Exception {
    ObjectKey k = ObjectKey.parse(key);
    Optional<Deployment> cached = deploymentLister.get(k.namespace(), k.name());
    if (cached.isEmpty()) {
      return;
    }
    Deployment d = cached.get();
    LabelQuery selector;
    try {
      selector = LabelQuery.fromProto(d.getSpec().getSelector());
      RolloutBounds.of(d);
    } catch (IllegalArgumentException e) {
      log.warn("{}: Deployment {} is invalid, not syncing it: {}", NAME, key, e.getMessage());
      return;
    }
    if (selector.isEmpty()) {
      log.warn("{}: Deployment {} has an empty selector, which would select every pod; not syncing it",
          NAME, key);
      return;
    }
    List<ReplicaSet> owned = rsLister.list(k.namespace(),
        rs -> OwnerReferences.isControlledBy(rs.getMetadata(), d.getMetadata()));
    Sync s = new Sync(key, d, owned);

    if (d.getMetadata().hasDeletionTimestamp()) {
      syncStatus(s);
      return;
    }
    Optional<DeploymentStatus> pausedStatus = DeploymentStatusCalculator.pausedConditionUpdate(d, clock.instant());
    if (pausedStatus.isPresent()) {
      s.d = deployments.updateStatus(d.toBuilder().setStatus(pausedStatus.get()).build());
    }
    if (d.getSpec().getPaused()) {
      scale(s);
      cleanup(s);
      syncStatus(s);
      return;
    }
    if (ProportionalScaler.isScalingEvent(s.d, s.rss) && scale(s)) {
      syncStatus(s);
      return;
    }
    if (RolloutBounds.isRollingUpdate(s.d)) {
      rolloutRolling(s);
    } else {
      rolloutRecreate(s);
    }
  }

  /** Applies a scaling event; true if some ReplicaSet changed size. */
  private boolean scale(Sync s) {
    boolean resized = false;
    for (ScaleTarget t : ProportionalScaler.scale(s.d, s.newRs(), s.oldRss())) {
      resized |= ReplicaCounts.desired(t.replicaSet()) != t.replicas();
      scaleReplicaSet(s, t.replicaSet(), t.replicas());
    }
    return resized;
  }

  private void rolloutRolling(Sync s) throws Exception {
    ReplicaSet newRs = newReplicaSet(s, true).orElseThrow();
    List<ReplicaSet> oldRss = s.oldRss();
    int target = RollingUpdatePlanner.newReplicaSetReplicas(s.d, oldRss, Optional.of(newRs));
    if (target != ReplicaCounts.desired(newRs)) {
      scaleReplicaSet(s, newRs, target);
      syncRolloutStatus(s);
      return;
    }
    List<ScaleTarget> scaleDowns = RollingUpdatePlanner.oldReplicaSetScaleDowns(s.d, oldRss, newRs);
    if (!scaleDowns.isEmpty()) {
      for (ScaleTarget t : scaleDowns) {
        scaleReplicaSet(s, t.replicaSet(), t.replicas());
      }
      syncRolloutStatus(s);
      return;
    }
    if (DeploymentStatusCalculator.isComplete(s.d, s.d.getStatus())) {
      cleanup(s);
    }
    syncRolloutStatus(s);
  }

  private void rolloutRecreate(Sync s) throws Exception {
    Optional<ReplicaSet> newRs = newReplicaSet(s, false);
    boolean scaledDown = false;
    for (ReplicaSet rs : s.oldRss()) {
      if (ReplicaCounts.desired(rs) > 0) {
        scaleReplicaSet(s, rs, 0);
        scaledDown = true;
      }
    }
    if (scaledDown || oldPodsRunning(s)) {
      syncRolloutStatus(s);
      return;
    }
    ReplicaSet created = newRs.isPresent() ? newRs.get() : newReplicaSet(s, true).orElseThrow();
    scaleReplicaSet(s, created, ReplicaCounts.desired(s.d));
    if (DeploymentStatusCalculator.isComplete(s.d, s.d.getStatus())) {
      cleanup(s);
    }
    syncRolloutStatus(s);
  }

  /** Whether pods of old ReplicaSets still exist (terminating ones included) or are still counted. */
  private boolean oldPodsRunning(Sync s) {
    List<ReplicaSet> oldRss = s.oldRss();
    if (ReplicaCounts.sumActual(oldRss) > 0) {
      return true;
    }
    Set<String> oldUids = new HashSet<>();
    oldRss.forEach(rs -> oldUids.add(rs.getMetadata().getUid()));
    return !podLister.list(s.d.getMetadata().getNamespace(), pod ->
        OwnerReferences.controllerOf(pod.getMetadata()).map(ref -> oldUids.contains(ref.getUid())).orElse(false)
            && !PodState.isTerminal(pod)).isEmpty();
  }

  /**
   * The new ReplicaSet, its revision brought up to date; created if missing and {@code create} is set.
   */
  private Optional<ReplicaSet> newReplicaSet(Sync s, boolean create) throws Exception {
    Optional<ReplicaSet> existing = s.newRs();
    List<ReplicaSet> oldRss = s.oldRss();
    long newRevision = DeploymentAnnotations.maxRevision(oldRss) + 1;
    if (existing.isPresent()) {
      ReplicaSet rs = existing.get();
      ReplicaSet.Builder b = rs.toBuilder();
      if (DeploymentAnnotations.revision(rs) < newRevision) {
        // A rollback to an old template: it becomes the newest revision.
        b.getMetadataBuilder().putAnnotations(DeploymentAnnotations.REVISION, Long.toString(newRevision));
      }
      b.getSpecBuilder().setMinReadySeconds(s.d.getSpec().getMinReadySeconds());
      ReplicaSet wanted = b.build();
      if (!wanted.equals(rs)) {
        rs = replicaSets.update(wanted);
        s.replace(rs);
      }
      if (DeploymentConditions.get(s.d.getStatus(), DeploymentConditions.PROGRESSING).isEmpty()) {
        DeploymentStatus status = DeploymentConditions.set(s.d.getStatus(), DeploymentConditions.newCondition(
            DeploymentConditions.PROGRESSING, "True", DeploymentConditions.FOUND_NEW_REPLICA_SET,
            "Found new replica set \"" + rs.getMetadata().getName() + "\"", clock.instant()));
        s.d = deployments.updateStatus(s.d.toBuilder().setStatus(status).build());
      }
      return Optional.of(rs);
    }
    if (!create) {
      return Optional.empty();
    }
    int collisionCount = s.d.getStatus().getCollisionCount();
    String hash = PodTemplateHash.compute(s.d.getSpec().getTemplate(), collisionCount);
    int replicas = RolloutBounds.isRollingUpdate(s.d)
        ? RollingUpdatePlanner.newReplicaSetReplicas(s.d, oldRss, Optional.empty())
        : ReplicaCounts.desired(s.d);
    ReplicaSet rs = DeploymentReplicaSets.newReplicaSet(s.d, hash, newRevision, replicas);
    ReplicaSet created;
    try {
      created = replicaSets.create(rs);
      log.info("{}: created ReplicaSet {}/{} with {} replicas", NAME, rs.getMetadata().getNamespace(),
          rs.getMetadata().getName(), replicas);
    } catch (RuntimeException e) {
      if (!ApiErrors.isAlreadyExists(e)) {
        throw e;
      }
      ReplicaSet found = replicaSets.get(rs.getMetadata().getNamespace(), rs.getMetadata().getName());
      if (OwnerReferences.isControlledBy(found.getMetadata(), s.d.getMetadata())
          && DeploymentReplicaSets.equalIgnoringHash(found.getSpec().getTemplate(), s.d.getSpec().getTemplate())) {
        // Ours, created by an earlier sync the cache has not shown yet.
        s.replace(found);
        return Optional.of(found);
      }
      // A hash collision: another template hashed to the same name. Count it; the next hash differs.
      DeploymentStatus status = s.d.getStatus().toBuilder().setCollisionCount(collisionCount + 1).build();
      s.d = deployments.updateStatus(s.d.toBuilder().setStatus(status).build());
      throw new IllegalStateException("ReplicaSet name " + rs.getMetadata().getName()
          + " is taken by a different template; collisionCount is now " + (collisionCount + 1));
    }
    s.replace(created);
    DeploymentStatus status = DeploymentConditions.set(s.d.getStatus(), DeploymentConditions.newCondition(
        DeploymentConditions.PROGRESSING, "True", DeploymentConditions.NEW_REPLICA_SET_CREATED,
        "Created new replica set \"" + created.getMetadata().getName() + "\"", clock.instant()));
    if (!status.equals(s.d.getStatus())) {
      s.d = deployments.updateStatus(s.d.toBuilder().setStatus(status).build());
    }
    return Optional.of(created);
  }

  private void scaleReplicaSet(Sync s, ReplicaSet rs, int replicas) {
    ReplicaSet wanted = DeploymentReplicaSets.scaled(rs, s.d, replicas);
    if (wanted.equals(rs)) {
      return;
    }
    ReplicaSet updated = replicaSets.update(wanted);
    s.replace(updated);
    if (ReplicaCounts.desired(rs) != replicas) {
      log.info("{}: scaled ReplicaSet {}/{} from {} to {}", NAME, rs.getMetadata().getNamespace(),
          rs.getMetadata().getName(), ReplicaCounts.desired(rs), replicas);
    }
  }

  /** Deletes old ReplicaSets beyond the revision history limit. */
  private void cleanup(Sync s) {
    for (ReplicaSet rs : RevisionHistory.toDelete(s.d, s.oldRss())) {
      try {
        replicaSets.delete(DeleteRequest.newBuilder()
            .setNamespace(rs.getMetadata().getNamespace())
            .setName(rs.getMetadata().getName())
            .setPreconditions(Preconditions.newBuilder().setUid(rs.getMetadata().getUid()))
            .build());
        s.rss.remove(rs);
        log.info("{}: deleted old ReplicaSet {}/{} (revision {})", NAME, rs.getMetadata().getNamespace(),
            rs.getMetadata().getName(), DeploymentAnnotations.revision(rs));
      } catch (RuntimeException e) {
        if (!ApiErrors.isNotFound(e)) {
          throw e;
        }
      }
    }
  }

  private void syncStatus(Sync s) {
    DeploymentStatus status = DeploymentStatusCalculator.status(s.d, s.rss, s.newRs(), clock.instant());
    writeStatus(s, status);
  }

  private void syncRolloutStatus(Sync s) {
    Optional<ReplicaSet> newRs = s.newRs();
    DeploymentStatus status = DeploymentStatusCalculator.rolloutStatus(s.d, s.rss, newRs, clock.instant());
    writeStatus(s, status);
    DeploymentStatusCalculator.untilDeadline(s.d, status, clock.instant())
        .ifPresent(wait -> loop.enqueueAfter(s.key, wait));
  }

  private void writeStatus(Sync s, DeploymentStatus status) {
    if (status.equals(s.d.getStatus())) {
      return;
    }
    try {
      s.d = deployments.updateStatus(s.d.toBuilder().setStatus(status).build());
    } catch (RuntimeException e) {
      if (!ApiErrors.isNotFound(e)) {
        throw e;
      }
    }
  }
}
