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
import java.util.List;
import java.util.Map;
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
 */
public final class ResourceQuotaAdmission implements Admission {
  private final Function<Kind<?>, ResourceRegistry<?>> registries;

  /** @param registries the registry of every kind, ResourceQuota's included */
  public ResourceQuotaAdmission(Function<Kind<?>, ResourceRegistry<?>> registries) {
    this.registries = registries;
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
    ResourceList requested = QuotaUsage.of(kind, object);
    if (requested.amounts().isEmpty()) {
      return;  // a finished pod uses nothing
    }
    List<ResourceQuota> affected = quotas().list(ListRequest.newBuilder().setNamespace(namespace).build()).items()
        .stream().filter(q -> q.getSpec().getHardMap().keySet().stream().anyMatch(QuotaUsage.names(kind)::contains))
        .toList();
    for (ResourceQuota quota : affected) {
      checkRequirements(kind, object, quota);
    }
    for (ResourceQuota quota : affected) {
      quotas().modify(namespace, quota.getMetadata().getName(), current -> charge(kind, object, current, requested));
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
