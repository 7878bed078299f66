package dev.capstan.controllers.serviceaccount;

import dev.capstan.api.core.v1.Namespace;
import dev.capstan.client.informer.ResourceEventHandler;
import dev.capstan.client.informer.SharedInformer;
import dev.capstan.controllers.framework.ControllerLoop;

/**
 * What the controllers that keep an object in every namespace share: they reconcile a namespace
 * when it appears or changes, and only while it is active (not being deleted).
 */
final class ActiveNamespaces {
  private ActiveNamespaces() {}

  /** Queues a namespace's name on the loop when the namespace is added or updated. */
  static void enqueueOnChange(SharedInformer<Namespace> namespaces, ControllerLoop loop) {
    namespaces.addEventHandler(new ResourceEventHandler<>() {
      @Override
      public void onAdd(Namespace ns) {
        loop.enqueue(ns.getMetadata().getName());
      }

      @Override
      public void onUpdate(Namespace oldNs, Namespace ns) {
        loop.enqueue(ns.getMetadata().getName());
      }
    });
  }

  /** Whether the namespace exists in the informer's cache and is not being deleted. */
  static boolean isActive(SharedInformer<Namespace> namespaces, String name) {
    Namespace ns = namespaces.lister().get("", name).orElse(null);
    return ns != null && !ns.getMetadata().hasDeletionTimestamp() && !ns.getStatus().getPhase().equals("Terminating");
  }
}
