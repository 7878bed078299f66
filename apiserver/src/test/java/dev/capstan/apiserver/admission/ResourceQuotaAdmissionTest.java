package dev.capstan.apiserver.admission;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.capstan.api.core.v1.Container;
import dev.capstan.api.core.v1.Pod;
import dev.capstan.api.core.v1.PodSpec;
import dev.capstan.api.core.v1.ResourceQuota;
import dev.capstan.api.core.v1.ResourceQuotaSpec;
import dev.capstan.api.meta.v1.DeleteRequest;
import dev.capstan.api.meta.v1.ObjectMeta;
import dev.capstan.apiserver.registry.ResourceRegistry;
import dev.capstan.client.Kind;
import dev.capstan.client.Kinds;
import dev.capstan.store.local.LocalKeyValueStore;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Clock;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Quota admission from a cached copy of the quota that is behind the store: the stored quota
 * decides, so a stale copy neither admits past a limit nor refuses under one. The copy is handed
 * in as the watch cache would hold it; the registries and the store are real.
 */
class ResourceQuotaAdmissionTest {
  private final LocalKeyValueStore store = new LocalKeyValueStore();
  private final Map<Kind<?>, ResourceRegistry<?>> registries = Map.of(
      Kinds.POD, new ResourceRegistry<>(Kinds.POD, store, Clock.systemUTC(), new Random(1), ns -> {}),
      Kinds.RESOURCE_QUOTA, new ResourceRegistry<>(Kinds.RESOURCE_QUOTA, store, Clock.systemUTC(), new Random(2),
          ns -> {}));
  private final AtomicReference<Collection<ResourceQuota>> cache = new AtomicReference<>(List.of());
  private final ResourceQuotaAdmission admission = new ResourceQuotaAdmission(registries::get, ns -> cache.get());

  @AfterEach
  void close() {
    store.close();
  }

  @SuppressWarnings("unchecked")
  private ResourceRegistry<ResourceQuota> quotas() {
    return (ResourceRegistry<ResourceQuota>) registries.get(Kinds.RESOURCE_QUOTA);
  }

  private static Pod pod(String name) {
    return Pod.newBuilder().setMetadata(ObjectMeta.newBuilder().setNamespace("team").setName(name))
        .setSpec(PodSpec.newBuilder().addContainers(Container.newBuilder().setName("app").setImage("busybox")))
        .build();
  }

  /** Stores quota q with {@code hard} and {@code used} pods; answers the stored object. */
  private ResourceQuota storeQuota(String hard, String used) {
    var existing = quotas().find("team", "q");
    ResourceQuota q = existing.isPresent()
        ? quotas().update(existing.get().toBuilder().setSpec(ResourceQuotaSpec.newBuilder().putHard("pods", hard)).build()).object()
        : quotas().create(ResourceQuota.newBuilder().setMetadata(ObjectMeta.newBuilder().setNamespace("team")
            .setName("q")).setSpec(ResourceQuotaSpec.newBuilder().putHard("pods", hard)).build()).object();
    ResourceQuota.Builder b = q.toBuilder();
    b.getStatusBuilder().clearUsed().putHard("pods", hard).putUsed("pods", used);
    return quotas().updateStatus(b.build()).object();
  }

  private String storedUsed() {
    return quotas().get("team", "q").getStatus().getUsedMap().get("pods");
  }

  @Test
  void aCurrentCachedQuotaIsChargedAndAFullOneRefuses() {
    cache.set(List.of(storeQuota("2", "1")));
    admission.admit(Kinds.POD, pod("a"));
    assertThat(storedUsed()).isEqualTo("2");
    cache.set(List.of(quotas().get("team", "q")));
    assertThatThrownBy(() -> admission.admit(Kinds.POD, pod("b"))).isInstanceOf(StatusRuntimeException.class)
        .hasMessageContaining("exceeded quota: q, requested: pods=1, used: pods=2, limited: pods=2");
  }

  @Test
  void aStaleCopyUnderTheLimitDoesNotAdmitPastTheStoredQuota() {
    ResourceQuota stale = storeQuota("2", "0");
    storeQuota("2", "2");  // charged meanwhile through another server
    cache.set(List.of(stale));
    StatusRuntimeException refused = (StatusRuntimeException) catchThrowable(
        () -> admission.admit(Kinds.POD, pod("a")));
    assertThat(refused.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(storedUsed()).isEqualTo("2");
  }

  @Test
  void aStaleCopyAtItsLimitDoesNotRefuseWhatTheStoredQuotaAllows() {
    ResourceQuota stale = storeQuota("2", "2");
    storeQuota("10", "2");  // the limit was raised
    cache.set(List.of(stale));
    admission.admit(Kinds.POD, pod("a"));
    assertThat(storedUsed()).isEqualTo("3");
  }

  @Test
  void aQuotaDeletedSinceTheCacheHadItChargesNothing() {
    ResourceQuota gone = storeQuota("2", "0");
    quotas().delete(DeleteRequest.newBuilder().setNamespace("team").setName("q").build());
    cache.set(List.of(gone));
    admission.admit(Kinds.POD, pod("a"));
    assertThat(quotas().find("team", "q")).isEmpty();
  }
}
