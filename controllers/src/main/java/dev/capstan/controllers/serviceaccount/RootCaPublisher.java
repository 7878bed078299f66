package dev.capstan.controllers.serviceaccount;

import dev.capstan.api.core.v1.ConfigMap;
import dev.capstan.api.core.v1.Namespace;
import dev.capstan.api.meta.v1.ObjectMeta;
import dev.capstan.client.ResourceClient;
import dev.capstan.client.informer.ResourceEventHandler;
import dev.capstan.client.informer.SharedInformer;
import dev.capstan.controllers.framework.ApiErrors;
import dev.capstan.controllers.framework.Controller;
import dev.capstan.controllers.framework.ControllerLoop;
import dev.capstan.controllers.framework.ControllerMetrics;
import java.time.Clock;
import java.util.Map;
import java.util.Objects;

/**
 * Keeps a ConfigMap {@value #NAME_OF_CONFIG_MAP} with the cluster CA's certificate (PEM) under
 * {@value #KEY} in every active namespace, as Kubernetes' root-ca-cert-publisher does: made when a
 * namespace appears, made again when deleted, and its data put back when changed. Pods read it
 * through their token volume ({@code ca.crt} beside the token) to verify the API server.
 *
 * <p>Why a controller, and the certificate handed in by whoever starts the controller manager (as
 * kube-controller-manager's {@code --root-ca-file}): the CA lives in the store, which only the
 * apiserver reads, and every control-plane member writes the same {@code pki/ca.crt} at start;
 * the controller manager runs on one member at a time (leader election), so exactly one writer
 * repairs the ConfigMaps, with the informers and work queue every other controller already has.
 * The apiserver publishing it instead would need a second reconciler beside the registry, on every
 * member at once. The work-queue key is the namespace's name.
 */
public final class RootCaPublisher implements Controller {
  public static final String NAME = "root-ca-cert-publisher";
  public static final String NAME_OF_CONFIG_MAP = "kube-root-ca.crt";
  public static final String KEY = "ca.crt";
  static final String DESCRIPTION_ANNOTATION = "kubernetes.io/description";
  static final String DESCRIPTION = "Contains a CA bundle that can be used to verify the kube-apiserver when using"
      + " internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is"
      + " guaranteed across distributions of Kubernetes clusters.";

  private final ResourceClient<ConfigMap> configMaps;
  private final SharedInformer<Namespace> namespaces;
  private final SharedInformer<ConfigMap> configMapCache;
  private final String caPem;
  private final ControllerLoop loop;

  /** @param caPem the cluster CA's certificate, PEM */
  public RootCaPublisher(ResourceClient<ConfigMap> configMaps, SharedInformer<Namespace> namespaces,
      SharedInformer<ConfigMap> configMapCache, String caPem, Clock clock, ControllerMetrics metrics) {
    if (Objects.requireNonNull(caPem, "caPem").isBlank()) {
      throw new IllegalArgumentException("caPem: the cluster CA's certificate is required");
    }
    this.configMaps = configMaps;
    this.namespaces = namespaces;
    this.configMapCache = configMapCache;
    this.caPem = caPem;
    this.loop = new ControllerLoop(NAME, clock, metrics, this::sync);
    ActiveNamespaces.enqueueOnChange(namespaces, loop);
    configMapCache.addEventHandler(new ResourceEventHandler<>() {
      @Override
      public void onUpdate(ConfigMap old, ConfigMap cm) {
        enqueueIfOurs(cm);
      }

      @Override
      public void onDelete(ConfigMap cm) {
        enqueueIfOurs(cm);
      }
    });
  }

  private void enqueueIfOurs(ConfigMap cm) {
    if (cm.getMetadata().getName().equals(NAME_OF_CONFIG_MAP)) {
      loop.enqueue(cm.getMetadata().getNamespace());
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

  void sync(String namespace) {
    if (!ActiveNamespaces.isActive(namespaces, namespace)) {
      return;
    }
    Map<String, String> wanted = Map.of(KEY, caPem);
    ConfigMap current = configMapCache.lister().get(namespace, NAME_OF_CONFIG_MAP).orElse(null);
    try {
      if (current == null) {
        configMaps.create(ConfigMap.newBuilder().setMetadata(ObjectMeta.newBuilder().setNamespace(namespace)
            .setName(NAME_OF_CONFIG_MAP).putAnnotations(DESCRIPTION_ANNOTATION, DESCRIPTION)).putAllData(wanted)
            .build());
      } else if (!current.getDataMap().equals(wanted) || current.getBinaryDataCount() > 0) {
        // An update on the cached resourceVersion: a conflict retries with the newer one.
        configMaps.update(current.toBuilder().clearData().putAllData(wanted).clearBinaryData().build());
      }
    } catch (RuntimeException e) {
      // Made by us before the cache saw it, or the namespace went away meanwhile: the next event decides.
      if (!ApiErrors.isAlreadyExists(e) && !ApiErrors.isNotFound(e) && !ApiErrors.isNamespaceTerminating(e)) {
        throw e;
      }
    }
  }
}
