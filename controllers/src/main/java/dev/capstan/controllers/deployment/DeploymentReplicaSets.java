package dev.capstan.controllers.deployment;

import dev.capstan.api.apps.v1.Deployment;
import dev.capstan.api.apps.v1.ReplicaSet;
import dev.capstan.api.apps.v1.ReplicaSetSpec;
import dev.capstan.api.core.v1.PodTemplateSpec;
import dev.capstan.api.meta.v1.LabelSelector;
import dev.capstan.api.meta.v1.ObjectMeta;
import dev.capstan.client.Kinds;
import dev.capstan.controllers.framework.OwnerReferences;
import dev.capstan.controllers.framework.ProtoTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * How a Deployment relates to its ReplicaSets: one per pod template, told apart by the
 * {@code pod-template-hash} label, which is added to the ReplicaSet's selector and template so that
 * the ReplicaSets of one Deployment never claim each other's pods. The "new" ReplicaSet is the one
 * whose template equals the Deployment's (ignoring that label); all others are "old".
 */
public final class DeploymentReplicaSets {
  /** Oldest first; ties broken by name, so the order is total and stable. */
  public static final Comparator<ReplicaSet> BY_CREATION = Comparator
      .comparing((ReplicaSet rs) -> ProtoTime.toInstant(rs.getMetadata().getCreationTimestamp()))
      .thenComparing(rs -> rs.getMetadata().getName());

  private DeploymentReplicaSets() {}

  /** The oldest ReplicaSet whose template equals the Deployment's, ignoring the hash label. */
  public static Optional<ReplicaSet> findNew(Deployment d, List<ReplicaSet> rss) {
    return rss.stream().sorted(BY_CREATION)
        .filter(rs -> equalIgnoringHash(rs.getSpec().getTemplate(), d.getSpec().getTemplate()))
        .findFirst();
  }

  /** Every ReplicaSet but {@code newRs}. */
  public static List<ReplicaSet> old(List<ReplicaSet> rss, Optional<ReplicaSet> newRs) {
    List<ReplicaSet> old = new ArrayList<>();
    for (ReplicaSet rs : rss) {
      if (newRs.isEmpty() || !rs.getMetadata().getUid().equals(newRs.get().getMetadata().getUid())) {
        old.add(rs);
      }
    }
    return old;
  }

  public static boolean equalIgnoringHash(PodTemplateSpec a, PodTemplateSpec b) {
    return withoutHash(a).equals(withoutHash(b));
  }

  private static PodTemplateSpec withoutHash(PodTemplateSpec t) {
    if (!t.getMetadata().containsLabels(PodTemplateHash.LABEL)) {
      return t;
    }
    PodTemplateSpec.Builder b = t.toBuilder();
    b.getMetadataBuilder().removeLabels(PodTemplateHash.LABEL);
    return b.build();
  }

  /**
   * The new ReplicaSet for the Deployment's current template, named "&lt;deployment&gt;-&lt;hash&gt;".
   *
   * @param revision the revision annotation it starts with
   * @param replicas its initial spec.replicas
   */
  public static ReplicaSet newReplicaSet(Deployment d, String hash, long revision, int replicas) {
    ObjectMeta dm = d.getMetadata();
    PodTemplateSpec.Builder template = d.getSpec().getTemplate().toBuilder();
    template.getMetadataBuilder().putLabels(PodTemplateHash.LABEL, hash);
    LabelSelector selector = d.getSpec().getSelector().toBuilder()
        .putMatchLabels(PodTemplateHash.LABEL, hash).build();
    RolloutBounds bounds = RolloutBounds.of(d);
    int desired = ReplicaCounts.desired(d);
    ObjectMeta meta = ObjectMeta.newBuilder()
        .setName(dm.getName() + "-" + hash)
        .setNamespace(dm.getNamespace())
        .putAllLabels(template.getMetadata().getLabelsMap())
        .putAnnotations(DeploymentAnnotations.REVISION, Long.toString(revision))
        .putAnnotations(DeploymentAnnotations.DESIRED_REPLICAS, Integer.toString(desired))
        .putAnnotations(DeploymentAnnotations.MAX_REPLICAS, Integer.toString(desired + bounds.maxSurge()))
        .addOwnerReferences(OwnerReferences.newControllerRef(dm, Kinds.DEPLOYMENT))
        .build();
    return ReplicaSet.newBuilder()
        .setMetadata(meta)
        .setSpec(ReplicaSetSpec.newBuilder()
            .setReplicas(replicas)
            .setMinReadySeconds(d.getSpec().getMinReadySeconds())
            .setSelector(selector)
            .setTemplate(template))
        .build();
  }

  /**
   * The ReplicaSet scaled to {@code replicas}, its replica annotations set from the Deployment.
   * Equal to {@code rs} when nothing changes.
   */
  public static ReplicaSet scaled(ReplicaSet rs, Deployment d, int replicas) {
    int desired = ReplicaCounts.desired(d);
    int max = desired + RolloutBounds.of(d).maxSurge();
    ReplicaSet.Builder b = rs.toBuilder();
    b.getSpecBuilder().setReplicas(replicas);
    b.getMetadataBuilder()
        .putAnnotations(DeploymentAnnotations.DESIRED_REPLICAS, Integer.toString(desired))
        .putAnnotations(DeploymentAnnotations.MAX_REPLICAS, Integer.toString(max));
    return b.build();
  }
}
