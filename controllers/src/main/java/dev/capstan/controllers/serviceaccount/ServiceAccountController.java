package dev.capstan.controllers.serviceaccount;

import dev.capstan.api.core.v1.Namespace;
import dev.capstan.api.core.v1.ServiceAccount;
import dev.capstan.api.meta.v1.ObjectMeta;
import dev.capstan.client.ResourceClient;
import dev.capstan.client.informer.ResourceEventHandler;
import dev.capstan.client.informer.SharedInformer;
import dev.capstan.controllers.framework.ApiErrors;
import dev.capstan.controllers.framework.Controller;
import dev.capstan.controllers.framework.ControllerLoop;
import dev.capstan.controllers.framework.ControllerMetrics;
import java.time.Clock;

/**
 * Makes sure every active namespace has a ServiceAccount named {@code default}, as Kubernetes'
 * serviceaccounts-controller does: when a namespace appears, and again when its {@code default}
 * is deleted. A namespace being deleted gets none. The work-queue key is the namespace's name.
 */
public final class ServiceAccountController implements Controller {
  public static final String NAME = "serviceaccount-controller";
  public static final String DEFAULT = "default";

  private final ResourceClient<ServiceAccount> serviceAccounts;
  private final SharedInformer<Namespace> namespaces;
  private final SharedInformer<ServiceAccount> accounts;
  private final ControllerLoop loop;

  public ServiceAccountController(ResourceClient<ServiceAccount> serviceAccounts, SharedInformer<Namespace> namespaces,
      SharedInformer<ServiceAccount> accounts, Clock clock, ControllerMetrics metrics) {
    this.serviceAccounts = serviceAccounts;
    this.namespaces = namespaces;
    this.accounts = accounts;
    this.loop = new ControllerLoop(NAME, clock, metrics, this::sync);
    ActiveNamespaces.enqueueOnChange(namespaces, loop);
    accounts.addEventHandler(new ResourceEventHandler<>() {
      @Override
      public void onDelete(ServiceAccount sa) {
        if (sa.getMetadata().getName().equals(DEFAULT)) {
          loop.enqueue(sa.getMetadata().getNamespace());
        }
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

  void sync(String namespace) {
    if (!ActiveNamespaces.isActive(namespaces, namespace)) {
      return;
    }
    if (accounts.lister().get(namespace, DEFAULT).isPresent()) {
      return;
    }
    try {
      serviceAccounts.create(ServiceAccount.newBuilder()
          .setMetadata(ObjectMeta.newBuilder().setNamespace(namespace).setName(DEFAULT)).build());
    } catch (RuntimeException e) {
      // Already made (by us before the cache saw it, or by a user), or the namespace went away meanwhile.
      if (!ApiErrors.isAlreadyExists(e) && !ApiErrors.isNotFound(e) && !ApiErrors.isNamespaceTerminating(e)) {
        throw e;
      }
    }
  }
}
