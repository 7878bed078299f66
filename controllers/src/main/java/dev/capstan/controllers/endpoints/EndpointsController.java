package dev.capstan.controllers.endpoints;

import dev.capstan.api.core.v1.EndpointSubset;
import dev.capstan.api.core.v1.Endpoints;
import dev.capstan.api.core.v1.Pod;
import dev.capstan.api.core.v1.Service;
import dev.capstan.api.meta.v1.ObjectMeta;
import dev.capstan.client.Kinds;
import dev.capstan.client.ResourceClient;
import dev.capstan.client.informer.Lister;
import dev.capstan.client.informer.ResourceEventHandler;
import dev.capstan.client.informer.SharedInformer;
import dev.capstan.controllers.framework.ApiErrors;
import dev.capstan.controllers.framework.Controller;
import dev.capstan.controllers.framework.ControllerLoop;
import dev.capstan.controllers.framework.ControllerMetrics;
import dev.capstan.controllers.framework.ObjectKey;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Keeps an Endpoints object beside every Service that has a selector, named as the Service and
 * listing its pods' addresses and ports ({@link EndpointSubsets}); deletes it with the Service.
 * Level-triggered, one work-queue key per Service: Service events queue the Service, pod events
 * queue every Service of the pod's namespace whose selector matches the pod (before or after the
 * change), and a changed or deleted Endpoints queues its Service, so that a hand edit is undone.
 * A Service without a selector is left alone: its Endpoints are its user's to write.
 */
public final class EndpointsController implements Controller {
  public static final String NAME = "endpoints-controller";
  /** Kubernetes marks the Endpoints of headless Services with this label. */
  static final String HEADLESS_LABEL = "service.kubernetes.io/headless";

  private final ResourceClient<Endpoints> endpoints;
  private final Lister<Service> serviceLister;
  private final Lister<Pod> podLister;
  private final Lister<Endpoints> endpointsLister;
  private final ControllerLoop loop;

  public EndpointsController(ResourceClient<Endpoints> endpoints, SharedInformer<Service> services,
      SharedInformer<Pod> pods, SharedInformer<Endpoints> endpointsInformer, Clock clock,
      ControllerMetrics metrics) {
    this.endpoints = Objects.requireNonNull(endpoints, "endpoints");
    this.serviceLister = services.lister();
    this.podLister = pods.lister();
    this.endpointsLister = endpointsInformer.lister();
    this.loop = new ControllerLoop(NAME, clock, metrics, this::sync);
    services.addEventHandler(new ResourceEventHandler<>() {
      @Override
      public void onAdd(Service service) {
        loop.enqueue(Kinds.SERVICE.key(service));
      }

      @Override
      public void onUpdate(Service old, Service service) {
        loop.enqueue(Kinds.SERVICE.key(service));
      }

      @Override
      public void onDelete(Service service) {
        loop.enqueue(Kinds.SERVICE.key(service));
      }
    });
    pods.addEventHandler(new ResourceEventHandler<>() {
      @Override
      public void onAdd(Pod pod) {
        enqueueServicesOf(pod);
      }

      @Override
      public void onUpdate(Pod old, Pod pod) {
        if (old.getMetadata().getResourceVersion().equals(pod.getMetadata().getResourceVersion())) {
          return;  // a resync: nothing about the pod changed
        }
        enqueueServicesOf(pod);
        if (!old.getMetadata().getLabelsMap().equals(pod.getMetadata().getLabelsMap())) {
          enqueueServicesOf(old);
        }
      }

      @Override
      public void onDelete(Pod pod) {
        enqueueServicesOf(pod);
      }
    });
    endpointsInformer.addEventHandler(new ResourceEventHandler<>() {
      @Override
      public void onUpdate(Endpoints old, Endpoints ep) {
        if (!old.getMetadata().getResourceVersion().equals(ep.getMetadata().getResourceVersion())) {
          loop.enqueue(Kinds.ENDPOINTS.key(ep));
        }
      }

      @Override
      public void onDelete(Endpoints ep) {
        loop.enqueue(Kinds.ENDPOINTS.key(ep));
      }
    });
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

  private void enqueueServicesOf(Pod pod) {
    for (Service service : serviceLister.list(pod.getMetadata().getNamespace())) {
      if (EndpointSubsets.selects(service, pod)) {
        loop.enqueue(Kinds.SERVICE.key(service));
      }
    }
  }

  private void sync(String key) {
    ObjectKey k = ObjectKey.parse(key);
    Optional<Service> cached = serviceLister.get(k.namespace(), k.name());
    if (cached.isEmpty()) {
      deleteEndpoints(k);
      return;
    }
    Service service = cached.get();
    if (service.getSpec().getSelectorMap().isEmpty()) {
      return;
    }
    List<EndpointSubset> subsets = EndpointSubsets.of(service,
        podLister.list(k.namespace(), pod -> EndpointSubsets.selects(service, pod)));
    Map<String, String> labels = labels(service);
    Optional<Endpoints> current = endpointsLister.get(k.namespace(), k.name());
    if (current.isPresent() && current.get().getSubsetsList().equals(subsets)
        && current.get().getMetadata().getLabelsMap().equals(labels)) {
      return;
    }
    if (current.isEmpty()) {
      try {
        endpoints.create(Endpoints.newBuilder().setMetadata(ObjectMeta.newBuilder().setNamespace(k.namespace())
            .setName(k.name()).putAllLabels(labels)).addAllSubsets(subsets).build());
      } catch (RuntimeException e) {
        if (!ApiErrors.isAlreadyExists(e)) {
          throw e;
        }
        // Our cache lags behind an Endpoints written meanwhile: retried with it in the cache.
        throw new IllegalStateException("endpoints " + key + " exist but are not cached yet", e);
      }
      return;
    }
    Endpoints ep = current.get();
    // Updated with the cached resourceVersion: a conflict means the cache is behind; retried.
    endpoints.update(ep.toBuilder().setMetadata(ep.getMetadata().toBuilder().clearLabels().putAllLabels(labels))
        .clearSubsets().addAllSubsets(subsets).build());
  }

  /** The Service's labels, and the headless mark for a headless Service, as Kubernetes labels Endpoints. */
  private static Map<String, String> labels(Service service) {
    Map<String, String> labels = new java.util.TreeMap<>(service.getMetadata().getLabelsMap());
    if (service.getSpec().getClusterIp().equals("None")) {
      labels.put(HEADLESS_LABEL, "");
    }
    return labels;
  }

  private void deleteEndpoints(ObjectKey k) {
    if (endpointsLister.get(k.namespace(), k.name()).isEmpty()) {
      return;
    }
    try {
      endpoints.delete(k.namespace(), k.name());
    } catch (RuntimeException e) {
      if (!ApiErrors.isNotFound(e)) {
        throw e;
      }
    }
  }
}
