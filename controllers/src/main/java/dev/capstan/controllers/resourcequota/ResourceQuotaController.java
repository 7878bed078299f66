package dev.capstan.controllers.resourcequota;

import com.google.protobuf.Message;
import dev.capstan.api.core.v1.Pod;
import dev.capstan.api.core.v1.ResourceQuota;
import dev.capstan.client.CapstanClient;
import dev.capstan.client.Kind;
import dev.capstan.client.Kinds;
import dev.capstan.client.informer.ResourceEventHandler;
import dev.capstan.client.informer.SharedInformer;
import dev.capstan.client.quantity.Quantity;
import dev.capstan.client.quota.QuotaUsage;
import dev.capstan.client.quota.ResourceList;
import dev.capstan.controllers.framework.Controller;
import dev.capstan.controllers.framework.ControllerLoop;
import dev.capstan.controllers.framework.ControllerMetrics;
import dev.capstan.controllers.framework.ObjectKey;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Keeps every ResourceQuota's status true: {@code status.hard} is {@code spec.hard} and
 * {@code status.used} what the namespace's objects use now (by {@link QuotaUsage}), counted from
 * scratch. The apiserver's quota admission charges creates ahead of time; this recount is what gives
 * back what deleted or finished objects used, and corrects charges of creates that then failed.
 *
 * <p>A quota is recounted when its spec changes (or its status.hard does not match it), when a pod of
 * its namespace is deleted or finishes (pods come from the shared informer), on the informers'
 * resync, and every {@link #DEFAULT_RECOUNT_PERIOD} for the object counts of other kinds, which are
 * listed from the API at each recount rather than cached. Not when objects are added, nor when
 * admission raises status.used: admission has charged those already, and a recount from a cache
 * that has not seen the newest objects yet would take their charges back, as in Kubernetes, whose
 * quota controller has the same triggers.
 */
public final class ResourceQuotaController implements Controller {
  public static final String NAME = "resourcequota-controller";
  public static final Duration DEFAULT_RECOUNT_PERIOD = Duration.ofSeconds(30);

  private final CapstanClient client;
  private final SharedInformer<ResourceQuota> quotas;
  private final SharedInformer<Pod> pods;
  private final Duration recountPeriod;
  private final ControllerLoop loop;

  public ResourceQuotaController(CapstanClient client, SharedInformer<ResourceQuota> quotas, SharedInformer<Pod> pods,
      Clock clock, Duration recountPeriod, ControllerMetrics metrics) {
    this.client = client;
    this.quotas = quotas;
    this.pods = pods;
    this.recountPeriod = recountPeriod;
    this.loop = new ControllerLoop(NAME, clock, metrics, this::sync);
    quotas.addEventHandler(new ResourceEventHandler<>() {
      @Override
      public void onAdd(ResourceQuota q) {
        loop.enqueue(Kinds.RESOURCE_QUOTA.key(q));
      }

      @Override
      public void onUpdate(ResourceQuota oldQ, ResourceQuota q) {
        // Not on every status change: admission's charges change status.used, and recounting then
        // could drop the charge of a create the pod cache has not seen yet.
        if (oldQ == q || !oldQ.getSpec().equals(q.getSpec())
            || !q.getStatus().getHardMap().equals(ResourceList.parse(q.getSpec().getHardMap(), "spec.hard").toStrings())) {
          loop.enqueue(Kinds.RESOURCE_QUOTA.key(q));
        }
      }
    });
    pods.addEventHandler(new ResourceEventHandler<>() {
      @Override
      public void onUpdate(Pod oldPod, Pod pod) {
        if (!QuotaUsage.of(Kinds.POD, oldPod).equals(QuotaUsage.of(Kinds.POD, pod))) {
          enqueueNamespace(pod.getMetadata().getNamespace());  // it finished: usage goes down
        }
      }

      @Override
      public void onDelete(Pod pod) {
        enqueueNamespace(pod.getMetadata().getNamespace());
      }
    });
  }

  private void enqueueNamespace(String namespace) {
    for (ResourceQuota q : quotas.lister().list(namespace)) {
      loop.enqueue(Kinds.RESOURCE_QUOTA.key(q));
    }
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

  void sync(String key) {
    ObjectKey k = ObjectKey.parse(key);
    ResourceQuota quota = quotas.lister().get(k.namespace(), k.name()).orElse(null);
    if (quota == null) {
      return;
    }
    ResourceList hard = ResourceList.parse(quota.getSpec().getHardMap(), "spec.hard");
    ResourceList used = count(k.namespace(), hard.amounts().keySet());
    if (!quota.getStatus().getHardMap().equals(hard.toStrings())
        || !quota.getStatus().getUsedMap().equals(used.toStrings())) {
      ResourceQuota.Builder b = quota.toBuilder();
      b.getStatusBuilder().clearHard().putAllHard(hard.toStrings()).clearUsed().putAllUsed(used.toStrings());
      client.resourceQuotas().updateStatus(b.build());  // with the resourceVersion read: admission's charges win
    }
    loop.enqueueAfter(key, recountPeriod);
  }

  /** What the namespace's objects use of each of {@code names}, zero for names nothing uses. */
  private ResourceList count(String namespace, Set<String> names) {
    Map<String, Quantity> zero = new HashMap<>();
    names.forEach(n -> zero.put(n, Quantity.ZERO));
    ResourceList sum = new ResourceList(zero);
    for (Kind<? extends Message> kind : Kinds.all()) {
      if (!kind.namespaced() || QuotaUsage.names(kind).stream().noneMatch(names::contains)) {
        continue;
      }
      List<? extends Message> objects = kind == Kinds.POD ? pods.lister().list(namespace)
          : client.resource(kind).list(namespace).items();
      for (Message m : objects) {
        sum = sum.plus(QuotaUsage.of(kind, m).only(names));
      }
    }
    return sum;
  }
}
