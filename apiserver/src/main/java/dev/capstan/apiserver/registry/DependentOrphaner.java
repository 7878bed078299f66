package dev.capstan.apiserver.registry;

import com.google.protobuf.Message;
import dev.capstan.api.meta.v1.ListRequest;
import dev.capstan.api.meta.v1.ObjectMeta;
import dev.capstan.client.Kind;
import dev.capstan.client.Kinds;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.function.Function;

/**
 * Orphan propagation: before an owner is deleted with {@code propagationPolicy: Orphan}, every
 * object of every kind that names the owner's uid in its ownerReferences loses that reference, so
 * the garbage collector never takes it for a dependent of a deleted owner. A namespaced owner's
 * dependents are looked for in its namespace, a cluster-scoped owner's everywhere.
 *
 * <p>Kubernetes does the same through an "orphan" finalizer that its garbage collector handles;
 * here the apiserver does it itself, before the owner goes, so the result does not wait on the
 * controller manager. Each dependent is changed with a conditional write that is retried on
 * conflicts; one that is deleted meanwhile is skipped.
 */
public final class DependentOrphaner implements ResourceRegistry.Orphaner {
  private final Function<Kind<?>, ResourceRegistry<?>> registries;

  public DependentOrphaner(Function<Kind<?>, ResourceRegistry<?>> registries) {
    this.registries = registries;
  }

  @Override
  public void orphanDependents(Kind<?> ownerKind, ObjectMeta owner) {
    String uid = owner.getUid();
    if (uid.isEmpty()) {
      return;
    }
    for (Kind<? extends Message> kind : Kinds.all()) {
      if (ownerKind.namespaced() && !kind.namespaced()) {
        continue;  // cluster-scoped objects cannot have namespaced owners
      }
      orphan(registries.apply(kind), ownerKind.namespaced() ? owner.getNamespace() : "", uid);
    }
  }

  private static <T extends Message> void orphan(ResourceRegistry<T> registry, String namespace, String ownerUid) {
    Kind<T> kind = registry.kind();
    for (T object : registry.list(ListRequest.newBuilder().setNamespace(namespace).build()).items()) {
      ObjectMeta meta = kind.metadata(object);
      if (meta.getOwnerReferencesList().stream().noneMatch(r -> r.getUid().equals(ownerUid))) {
        continue;
      }
      try {
        registry.modify(meta.getNamespace(), meta.getName(), current -> {
          ObjectMeta m = kind.metadata(current);
          if (!m.getUid().equals(meta.getUid())) {
            return current;  // a new object of the same name: not this owner's dependent
          }
          ObjectMeta.Builder b = m.toBuilder().clearOwnerReferences();
          m.getOwnerReferencesList().stream().filter(r -> !r.getUid().equals(ownerUid))
              .forEach(b::addOwnerReferences);
          return kind.withMetadata(current, b.build());
        });
      } catch (StatusRuntimeException e) {
        if (e.getStatus().getCode() != Status.Code.NOT_FOUND) {
          throw e;
        }
      }
    }
  }
}
