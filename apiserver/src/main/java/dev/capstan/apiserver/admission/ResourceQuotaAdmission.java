package dev.capstan.apiserver.admission;

import com.google.protobuf.Message;
import dev.capstan.api.core.v1.ResourceQuota;
import dev.capstan.api.meta.v1.ListRequest;
import dev.capstan.apiserver.registry.Admission;
import dev.capstan.apiserver.registry.ApiErrors;
import dev.capstan.apiserver.registry.ResourceRegistry;
import dev.capstan.client.Kind;
import dev.capstan.client.Kinds;
import dev.capstan.client.quantity.Quantity;
import dev.capstan.client.quota.QuotaCheck;
import dev.capstan.client.quota.QuotaUsage;
import dev.capstan.client.quota.ResourceList;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * ResourceQuota admission: a create that would take a namespace over one of its quotas is refused
 * with RESOURCE_EXHAUSTED in Kubernetes' words ({@code exceeded quota: q1, requested: pods=1,
 * used: pods=2, limited: pods=2}); a pod that leaves out a request or limit a quota limits is
 * refused with FAILED_PRECONDITION ({@code must specify requests.cpu for: app}).
 *
 * <p>An admitted create is charged first: its usage is added to every affected quota's
 * {@code status.used} with a write conditional on the quota's revision, retried on conflict with
 * the check made again. So apiservers that admit at once, on one server or several, see each
 * other's charges and never admit past a limit together. The quota controller later recomputes
 * {@code status.used} from the objects that exist, which returns what deleted objects, and creates
 * that failed after their charge, used. A quota that has no {@code used} figure for a resource yet
 * (the controller has not seen it) gets one counted from the namespace's objects here.
 *
 * <p>The namespace's quotas come from the apiserver's watch cache, not the store, so a namespace
 * without quotas costs no store read, and a charge is one conditional write over the cached copy.
 * A quota applies on a server once that server's cache has it (the store watch's delay, normally
 * milliseconds after the quota is created). A cached copy that is behind the store never decides:
 * its write fails the revision compare and the stored quota is read and charged instead, and a
 * refusal is only made on the stored quota.
 */
public final class ResourceQuotaAdmission implements Admission {
  private final Function<Kind<?>, ResourceRegistry<?>> registries;
  private final Function<String, Collection<ResourceQuota>> cachedQuotas;

  /**
   * @param registries the registry of every kind, ResourceQuota's included
   * @param cachedQuotas a namespace's ResourceQuotas as the apiserver's watch cache holds them
   */
  public ResourceQuotaAdmission(Function<Kind<?>, ResourceRegistry<?>> registries,
      Function<String, Collection<ResourceQuota>> cachedQuotas) {
    this.registries = registries;
    this.cachedQuotas = cachedQuotas;
  }

  @SuppressWarnings("unchecked")
  private ResourceRegistry<ResourceQuota> quotas() {
    return (ResourceRegistry<ResourceQuota>) registries.apply(Kinds.RESOURCE_QUOTA);
  }

  @Override
  public <T extends Message> void admit(Kind<T> kind, T object) {
    if (!kind.namespaced()) {
      return;
    }
    String namespace = kind.metadata(object).getNamespace();
    // From the watch cache: a namespace without quotas costs no store read, and no usage is
    // computed for it. The cache may be behind the store; the charges below compare against the
    // stored quota, so a stale copy is never written over, and a refusal is only made on the
    // stored quota.
    List<ResourceQuota> affected = List.copyOf(cachedQuotas.apply(namespace)).stream()
        .filter(q -> q.getSpec().getHardMap().keySet().stream().anyMatch(QuotaUsage.names(kind)::contains))
        .toList();
    if (affected.isEmpty()) {
      return;
    }
    ResourceList requested = QuotaUsage.of(kind, object);
    if (requested.amounts().isEmpty()) {
      return;  // a finished pod uses nothing
    }
    for (ResourceQuota quota : affected) {
      try {
        checkRequirements(kind, object, quota);
      } catch (StatusRuntimeException refused) {
        Optional<ResourceQuota> stored = quotas().find(namespace, quota.getMetadata().getName());
        if (stored.isPresent()) {
          checkRequirements(kind, object, stored.get());
        }
      }
    }
    for (ResourceQuota quota : affected) {
      if (!chargedAsCached(kind, object, quota, requested)) {
        chargeStored(kind, object, quota.getMetadata().getName(), namespace, requested);
      }
    }
  }

  /** Charges the cached copy of a quota if it is still the stored one and admits the object; else false. */
  private <T extends Message> boolean chargedAsCached(Kind<T> kind, T object, ResourceQuota cached,
      ResourceList requested) {
    ResourceQuota charged;
    try {
      charged = charge(kind, object, cached, requested);
    } catch (StatusRuntimeException refused) {
      return false;  // maybe only by a stale copy: decide on the stored quota
    }
    return quotas().replaceIfUnchanged(cached, charged).isPresent();
  }

  /** Charges the stored quota, read now, and again after a conflict (how every charge was made before the cache). */
  private <T extends Message> void chargeStored(Kind<T> kind, T object, String name, String namespace,
      ResourceList requested) {
    try {
      quotas().modify(namespace, name, current -> charge(kind, object, current, requested));
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() != Status.Code.NOT_FOUND) {
        throw e;
      }
      // The quota was deleted since the cache had it: nothing to charge.
    }
  }

  private static <T extends Message> void checkRequirements(Kind<T> kind, T object, ResourceQuota quota) {
    for (String name : quota.getSpec().getHardMap().keySet()) {
      List<String> missing = QuotaUsage.containersMissing(object, name);
      if (!missing.isEmpty()) {
        throw Status.FAILED_PRECONDITION.withDescription(forbidden(kind, object) + "failed quota: "
            + quota.getMetadata().getName() + ": must specify " + name + " for: " + String.join(",", missing))
            .asRuntimeException();
      }
    }
  }

  /** The quota with {@code requested} added to its used amounts, or a refusal. */
  private <T extends Message> ResourceQuota charge(Kind<T> kind, T object, ResourceQuota quota,
      ResourceList requested) {
    ResourceList hard = ResourceList.parse(quota.getSpec().getHardMap(), "spec.hard");
    ResourceList used = ResourceList.parse(quota.getStatus().getUsedMap(), "status.used");
    ResourceList charged = QuotaCheck.charged(hard, requested);
    for (String name : charged.amounts().keySet()) {
      if (!used.has(name)) {
        used = used.plus(new ResourceList(Map.of(name, counted(kind, quota, name).get(name))));
      }
    }
    var refusal = QuotaCheck.exceeded(quota.getMetadata().getName(), hard, used, requested);
    if (refusal.isPresent()) {
      throw Status.RESOURCE_EXHAUSTED.withDescription(forbidden(kind, object) + refusal.get()).asRuntimeException();
    }
    ResourceQuota.Builder b = quota.toBuilder();
    b.getStatusBuilder().putAllHard(hard.toStrings()).putAllUsed(used.plus(charged).toStrings());
    return b.build();
  }

  /** What the namespace's objects of {@code kind} use now, for a quota that has no figure yet. */
  private ResourceList counted(Kind<?> kind, ResourceQuota quota, String name) {
    ResourceRegistry<?> registry = registries.apply(kind);
    ResourceList sum = new ResourceList(Map.of(name, Quantity.ZERO));
    for (Message m : registry.list(ListRequest.newBuilder().setNamespace(quota.getMetadata().getNamespace())
        .build()).items()) {
      sum = sum.plus(QuotaUsage.of(kind, m).only(Set.of(name)));
    }
    return sum;
  }

  private static <T extends Message> String forbidden(Kind<T> kind, T object) {
    var meta = kind.metadata(object);
    String name = meta.getName().isEmpty() ? meta.getGenerateName() : meta.getName();
    return ApiErrors.qualifiedResource(kind) + " \"" + name + "\" is forbidden: ";
  }
}
