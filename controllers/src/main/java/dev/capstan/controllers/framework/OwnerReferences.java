package dev.capstan.controllers.framework;

import dev.capstan.api.meta.v1.ObjectMeta;
import dev.capstan.api.meta.v1.OwnerReference;
import dev.capstan.client.Kind;
import java.util.Optional;

/**
 * Owner references as Kubernetes' controllers use them: an object has at most one owner reference
 * with {@code controller=true}, its managing controller; the garbage collector deletes an object
 * once all of its owners are gone.
 */
public final class OwnerReferences {
  private OwnerReferences() {}

  /** The reference with {@code controller=true}, if any. */
  public static Optional<OwnerReference> controllerOf(ObjectMeta metadata) {
    for (OwnerReference ref : metadata.getOwnerReferencesList()) {
      if (ref.hasController() && ref.getController()) {
        return Optional.of(ref);
      }
    }
    return Optional.empty();
  }

  /** Whether {@code owner} (by uid) is the managing controller of the object {@code metadata} describes. */
  public static boolean isControlledBy(ObjectMeta metadata, ObjectMeta owner) {
    return controllerOf(metadata).map(ref -> ref.getUid().equals(owner.getUid())).orElse(false);
  }

  /**
   * A controller reference to {@code owner}, of kind {@code ownerKind}, that also blocks the owner's
   * foreground deletion until this dependent is gone.
   */
  public static OwnerReference newControllerRef(ObjectMeta owner, Kind<?> ownerKind) {
    if (owner.getUid().isEmpty()) {
      throw new IllegalArgumentException("owner.metadata.uid: required for an owner reference to "
          + ownerKind.kind() + " \"" + owner.getName() + "\"");
    }
    return OwnerReference.newBuilder()
        .setApiVersion(ownerKind.apiVersion())
        .setKind(ownerKind.kind())
        .setName(owner.getName())
        .setUid(owner.getUid())
        .setController(true)
        .setBlockOwnerDeletion(true)
        .build();
  }
}
