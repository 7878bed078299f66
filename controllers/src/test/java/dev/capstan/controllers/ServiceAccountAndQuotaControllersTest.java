package dev.capstan.controllers;

import dev.capstan.controllers.framework.ControllerMetrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.capstan.api.core.v1.Container;
import dev.capstan.api.core.v1.Namespace;
import dev.capstan.api.core.v1.Pod;
import dev.capstan.api.core.v1.PodSpec;
import dev.capstan.api.core.v1.ResourceQuota;
import dev.capstan.api.core.v1.ResourceQuotaSpec;
import dev.capstan.api.meta.v1.ObjectMeta;
import dev.capstan.client.CapstanClient;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ServiceAccount and ResourceQuota controllers in the controller manager, against an apiserver
 * on a real Ratis store: every namespace gets its default ServiceAccount back, and quota usage
 * charged by admission is given back when pods are deleted.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ServiceAccountAndQuotaControllersTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(20);
  @TempDir
  static Path dir;

  private RatisApiServer api;
  private CapstanClient client;
  private ControllerManager manager;

  @BeforeAll
  void start() throws IOException {
    api = RatisApiServer.start(dir);
    client = api.client();
    manager = new ControllerManager(client, Clock.systemUTC(), ControllerMetrics.unserved());
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

  private void namespace(String name) {
    client.namespaces().create(Namespace.newBuilder().setMetadata(ObjectMeta.newBuilder().setName(name)).build());
  }

  private static Pod pod(String namespace, String name, String cpu) {
    return Pod.newBuilder().setMetadata(ObjectMeta.newBuilder().setNamespace(namespace).setName(name))
        .setSpec(PodSpec.newBuilder().addContainers(Container.newBuilder().setName("main").setImage("busybox")
            .setResources(dev.capstan.api.core.v1.ResourceRequirements.newBuilder().putRequests("cpu", cpu))))
        .build();
  }

  @Test
  void everyNamespaceHasItsDefaultServiceAccountBack() {
    namespace("sa-ctl");
    await().atMost(TIMEOUT).until(() -> client.serviceAccounts().list("sa-ctl").items().stream()
        .anyMatch(sa -> sa.getMetadata().getName().equals("default")));
    String uid = client.serviceAccounts().get("sa-ctl", "default").getMetadata().getUid();
    client.serviceAccounts().delete("sa-ctl", "default");
    await().atMost(TIMEOUT).until(() -> client.serviceAccounts().list("sa-ctl").items().stream()
        .anyMatch(sa -> sa.getMetadata().getName().equals("default") && !sa.getMetadata().getUid().equals(uid)));
    assertThat(manager.controllerNames()).contains("serviceaccount-controller", "resourcequota-controller");
  }

  @Test
  void deletedPodsGiveTheirQuotaBack() {
    namespace("quota-ctl");
    client.pods().create(pod("quota-ctl", "before", "100m"));
    client.resourceQuotas().create(ResourceQuota.newBuilder()
        .setMetadata(ObjectMeta.newBuilder().setNamespace("quota-ctl").setName("compute"))
        .setSpec(ResourceQuotaSpec.newBuilder().putHard("pods", "2").putHard("requests.cpu", "500m")).build());
    await().atMost(TIMEOUT).until(() -> client.resourceQuotas().get("quota-ctl", "compute").getStatus().getUsedMap()
        .equals(Map.of("pods", "1", "requests.cpu", "100m")));

    client.pods().create(pod("quota-ctl", "second", "300m"));
    assertThatThrownBy(() -> client.pods().create(pod("quota-ctl", "third", "200m")))
        .isInstanceOf(StatusRuntimeException.class)
        .hasMessageContaining("RESOURCE_EXHAUSTED")
        .hasMessageContaining("exceeded quota: compute, requested: pods=1,requests.cpu=200m,"
            + " used: pods=2,requests.cpu=400m, limited: pods=2,requests.cpu=500m");

    client.pods().delete("quota-ctl", "before");
    await().atMost(TIMEOUT).until(() -> client.resourceQuotas().get("quota-ctl", "compute").getStatus().getUsedMap()
        .equals(Map.of("pods", "1", "requests.cpu", "300m")));
    client.pods().create(pod("quota-ctl", "third", "200m"));
    assertThat(client.resourceQuotas().get("quota-ctl", "compute").getStatus().getUsedMap())
        .containsEntry("pods", "2").containsEntry("requests.cpu", "500m");
  }
}
