package dev.capstan.controllers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.capstan.api.core.v1.ConfigMap;
import dev.capstan.api.core.v1.Namespace;
import dev.capstan.api.meta.v1.ObjectMeta;
import dev.capstan.client.CapstanClient;
import dev.capstan.controllers.framework.ControllerMetrics;
import dev.capstan.controllers.serviceaccount.RootCaPublisher;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The root CA publisher in the controller manager, against an apiserver on a real Ratis store:
 * every namespace, old or new, gets {@code kube-root-ca.crt} with the CA, and gets it back when it
 * is deleted or its data changed.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RootCaPublisherIntegrationTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(20);
  private static final String CA = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
  @TempDir
  static Path dir;

  private RatisApiServer api;
  private CapstanClient client;
  private ControllerManager manager;

  @BeforeAll
  void start() throws IOException {
    api = RatisApiServer.start(dir);
    client = api.client();
    manager = new ControllerManager(client, Clock.systemUTC(), ControllerManager.DEFAULT_WORKERS,
        ControllerManager.DEFAULT_CACHE_SYNC_TIMEOUT, ControllerManager.DEFAULT_RESYNC_PERIOD,
        ControllerOptions.defaults().withRootCa(CA), ControllerMetrics.unserved());
    manager.start();
  }

  @AfterAll
  void stop() {
    if (manager != null) {
      manager.close();
    }
    if (api != null) {
      api.close();
    }
  }

  private Optional<String> published(String namespace) {
    return client.configMaps().list(namespace).items().stream()
        .filter(cm -> cm.getMetadata().getName().equals(RootCaPublisher.NAME_OF_CONFIG_MAP))
        .map(cm -> cm.getDataMap().get(RootCaPublisher.KEY)).findFirst();
  }

  @Test
  void everyNamespaceHasTheCaAndGetsItBackWhenDeletedOrChanged() {
    assertThat(manager.controllerNames()).contains(RootCaPublisher.NAME);
    await().atMost(TIMEOUT).until(() -> published("default").equals(Optional.of(CA)));  // there before the start

    client.namespaces().create(Namespace.newBuilder().setMetadata(ObjectMeta.newBuilder().setName("ca-new")).build());
    await().atMost(TIMEOUT).until(() -> published("ca-new").equals(Optional.of(CA)));
    ConfigMap first = client.configMaps().get("ca-new", RootCaPublisher.NAME_OF_CONFIG_MAP);

    client.configMaps().delete("ca-new", RootCaPublisher.NAME_OF_CONFIG_MAP);
    await().atMost(TIMEOUT).until(() -> published("ca-new").equals(Optional.of(CA)));
    assertThat(client.configMaps().get("ca-new", RootCaPublisher.NAME_OF_CONFIG_MAP).getMetadata().getUid())
        .isNotEqualTo(first.getMetadata().getUid());

    ConfigMap current = client.configMaps().get("ca-new", RootCaPublisher.NAME_OF_CONFIG_MAP);
    client.configMaps().update(current.toBuilder().putData(RootCaPublisher.KEY, "tampered").putData("extra", "x")
        .build());
    await().atMost(TIMEOUT).untilAsserted(() -> assertThat(client.configMaps()
        .get("ca-new", RootCaPublisher.NAME_OF_CONFIG_MAP).getDataMap()).containsExactly(
            java.util.Map.entry(RootCaPublisher.KEY, CA)));
  }

  @Test
  void withoutACaNoPublisherRuns() {
    assertThat(ControllerOptions.defaults().rootCaPem()).isEmpty();
    try (ControllerManager withoutCa = new ControllerManager(client, Clock.systemUTC(), ControllerMetrics.unserved())) {
      withoutCa.start();
      assertThat(withoutCa.controllerNames()).doesNotContain(RootCaPublisher.NAME);
    }
  }
}
