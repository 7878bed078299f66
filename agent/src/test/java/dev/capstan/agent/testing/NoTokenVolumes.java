package dev.capstan.agent.testing;

import dev.capstan.api.core.v1.ServiceAccount;
import dev.capstan.api.meta.v1.ObjectMeta;
import dev.capstan.client.CapstanClient;

/**
 * For tests of a runtime rather than of ServiceAccount tokens, against a bare apiserver (no
 * controllers, so no {@code kube-root-ca.crt} and no {@code default} ServiceAccount): makes the
 * namespace's {@code default} ServiceAccount with {@code automountServiceAccountToken: false}, so
 * its pods get no token volume from admission and run as they are written.
 */
public final class NoTokenVolumes {
  private NoTokenVolumes() {}

  public static void in(CapstanClient client, String namespace) {
    client.serviceAccounts().create(ServiceAccount.newBuilder()
        .setMetadata(ObjectMeta.newBuilder().setNamespace(namespace).setName("default"))
        .setAutomountServiceAccountToken(false).build());
  }
}
