package dev.capstan.controllers.framework;

import com.google.protobuf.Message;
import dev.capstan.api.core.v1.Pod;
import dev.capstan.api.meta.v1.ObjectMeta;
import dev.capstan.api.meta.v1.OwnerReference;
import dev.capstan.client.Kind;
import dev.capstan.client.Kinds;
import dev.capstan.client.ResourceClient;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Carries out what a {@link PodClaim} decided for one owner, as Kubernetes' controller-ref manager
 * does: orphans get a controller reference to the owner, released pods lose theirs (other owner
 * references stay). A stale cache may still show an owner that was deleted or replaced under the
 * same name, so the owner is confirmed with a live read first and nothing is adopted for one that
 * is gone or being deleted. Conflicts and vanished pods are skipped: the pod's next event brings
 * it back to its controller.
 */
public final class PodAdoption<O extends Message> {
  private static final Logger log = LoggerFactory.getLogger(PodAdoption.class);

  private final String controller;
  private final Kind<O> ownerKind;
  private final ResourceClient<O> owners;
  private final ResourceClient<Pod> pods;

  public PodAdoption(String controller, Kind<O> ownerKind, ResourceClient<O> owners, ResourceClient<Pod> pods) {
    this.controller = Objects.requireNonNull(controller, "controller");
    this.ownerKind = Objects.requireNonNull(ownerKind, "ownerKind");
    this.owners = Objects.requireNonNull(owners, "owners");
    this.pods = Objects.requireNonNull(pods, "pods");
  }

  /** Adopts and releases as {@code claim} says; returns the pods it adopted, as stored. */
  public List<Pod> adoptAndRelease(O owner, PodClaim claim) {
    if (claim.toAdopt().isEmpty() && claim.toRelease().isEmpty()) {
      return List.of();
    }
    ObjectMeta meta = ownerKind.metadata(owner);
    O live;
    try {
      live = owners.get(meta.getNamespace(), meta.getName());
    } catch (RuntimeException e) {
      log.debug("{}: not adopting for {}: {}", controller, meta.getName(), e.getMessage());
      return List.of();
    }
    ObjectMeta liveMeta = ownerKind.metadata(live);
    if (!liveMeta.getUid().equals(meta.getUid()) || liveMeta.hasDeletionTimestamp()) {
      return List.of();
    }
    List<Pod> adopted = new ArrayList<>();
    OwnerReference controllerRef = OwnerReferences.newControllerRef(meta, ownerKind);
    for (Pod pod : claim.toAdopt()) {
      tryUpdate(pod.toBuilder().setMetadata(pod.getMetadata().toBuilder().addOwnerReferences(controllerRef)).build(),
          "adopt").ifPresent(adopted::add);
    }
    for (Pod pod : claim.toRelease()) {
      ObjectMeta.Builder released = pod.getMetadata().toBuilder().clearOwnerReferences();
      pod.getMetadata().getOwnerReferencesList().stream()
          .filter(ref -> !ref.getUid().equals(meta.getUid())).forEach(released::addOwnerReferences);
      tryUpdate(pod.toBuilder().setMetadata(released).build(), "release");
    }
    return adopted;
  }

  private Optional<Pod> tryUpdate(Pod pod, String what) {
    try {
      return Optional.of(pods.update(pod));
    } catch (RuntimeException e) {
      if (!ApiErrors.isConflict(e) && !ApiErrors.isNotFound(e)) {
        log.warn("{}: failed to {} pod {}: {}", controller, what, Kinds.POD.key(pod), e.getMessage());
      }
      return Optional.empty();
    }
  }
}
