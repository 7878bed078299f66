package dev.capstan.controllers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.capstan.api.core.v1.Container;
import dev.capstan.api.core.v1.ContainerPort;
import dev.capstan.api.core.v1.EndpointAddress;
import dev.capstan.api.core.v1.EndpointSubset;
import dev.capstan.api.core.v1.Endpoints;
import dev.capstan.api.core.v1.Namespace;
import dev.capstan.api.core.v1.Pod;
import dev.capstan.api.core.v1.PodCondition;
import dev.capstan.api.core.v1.PodSpec;
import dev.capstan.api.core.v1.Service;
import dev.capstan.api.core.v1.ServicePort;
import dev.capstan.api.core.v1.ServiceSpec;
import dev.capstan.api.meta.v1.DeleteRequest;
import dev.capstan.api.meta.v1.ObjectMeta;
import dev.capstan.apiserver.ApiServer;
import dev.capstan.client.CapstanClient;
import dev.capstan.controllers.endpoints.EndpointsController;
import dev.capstan.controllers.framework.ApiErrors;
import dev.capstan.controllers.framework.ControllerMetrics;
import dev.capstan.store.local.LocalKeyValueStore;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The endpoints controller, started by the controller manager, against a real apiserver: the test
 * plays the kubelet, giving pods IPs and turning them ready and not ready through UpdateStatus, and
 * watches the Service's Endpoints follow. Each test has a namespace of its own.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EndpointsControllerIntegrationTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(20);

  private LocalKeyValueStore store;
  private ApiServer server;
  private CapstanClient client;
  private ControllerManager manager;
  private String ns;

  @BeforeAll
  void startCluster() {
    store = new LocalKeyValueStore();
    server = ApiServer.start(store, 0);
    client = CapstanClient.connect("127.0.0.1:" + server.port());
    manager = new ControllerManager(client, Clock.systemUTC(), ControllerMetrics.unserved());
    manager.start();
  }

  private void namespace(String name) {
    ns = name;
    client.namespaces().create(Namespace.newBuilder().setMetadata(ObjectMeta.newBuilder().setName(ns)).build());
  }

  @AfterAll
  void stopCluster() {
    manager.close();
    client.close();
    server.close();
    store.close();
  }

  @Test
  void endpointsFollowPodsBecomingReadyNotReadyAndDeletedAndGoWithTheService() {
    namespace("follow");
    assertThat(manager.controllerNames()).contains(EndpointsController.NAME);
    Service svc = client.services().create(Service.newBuilder()
        .setMetadata(ObjectMeta.newBuilder().setNamespace(ns).setName("web").putLabels("tier", "front"))
        .setSpec(ServiceSpec.newBuilder().putSelector("app", "web")
            .addPorts(ServicePort.newBuilder().setName("http").setPort(80).setTargetPort("http")))
        .build());
    assertThat(svc.getSpec().getClusterIp()).startsWith("10.");
    await().atMost(TIMEOUT).until(() -> endpoints("web").isPresent());
    assertThat(endpoints("web").orElseThrow().getSubsetsList()).isEmpty();
    assertThat(endpoints("web").orElseThrow().getMetadata().getLabelsMap()).containsEntry("tier", "front");

    createPod("web-1", "web");
    createPod("web-2", "web");
    createPod("db-1", "db");
    setStatus("web-1", "10.244.0.11", false);
    await().atMost(TIMEOUT).until(() -> notReadyIps("web").equals(List.of("10.244.0.11")));
    assertThat(readyIps("web")).isEmpty();

    setStatus("web-1", "10.244.0.11", true);
    setStatus("web-2", "10.244.0.12", true);
    setStatus("db-1", "10.244.0.13", true);
    await().atMost(TIMEOUT).until(() -> readyIps("web").equals(List.of("10.244.0.11", "10.244.0.12")));
    EndpointSubset subset = endpoints("web").orElseThrow().getSubsets(0);
    assertThat(subset.getPorts(0).getPort()).isEqualTo(8080);  // targetPort "http" named the container port
    assertThat(subset.getPorts(0).getName()).isEqualTo("http");
    assertThat(subset.getAddresses(0).getTargetRef().getName()).isEqualTo("web-1");

    setStatus("web-2", "10.244.0.12", false);  // readiness probe failing
    await().atMost(TIMEOUT).until(() -> readyIps("web").equals(List.of("10.244.0.11"))
        && notReadyIps("web").equals(List.of("10.244.0.12")));

    client.pods().delete(DeleteRequest.newBuilder().setNamespace(ns).setName("web-1").setGracePeriodSeconds(0)
        .build());
    await().atMost(TIMEOUT).until(() -> readyIps("web").isEmpty() && notReadyIps("web").equals(List.of("10.244.0.12")));

    client.services().delete(ns, "web");
    await().atMost(TIMEOUT).until(() -> endpoints("web").isEmpty());
  }

  @Test
  void aServiceWithoutSelectorKeepsTheEndpointsItsUserWrites() {
    namespace("no-selector");
    client.services().create(Service.newBuilder()
        .setMetadata(ObjectMeta.newBuilder().setNamespace(ns).setName("external"))
        .setSpec(ServiceSpec.newBuilder().addPorts(ServicePort.newBuilder().setPort(5432)))
        .build());
    Endpoints mine = client.endpoints().create(Endpoints.newBuilder()
        .setMetadata(ObjectMeta.newBuilder().setNamespace(ns).setName("external"))
        .addSubsets(EndpointSubset.newBuilder()
            .addAddresses(EndpointAddress.newBuilder().setIp("192.168.1.10"))
            .addPorts(dev.capstan.api.core.v1.EndpointPort.newBuilder().setPort(5432).setProtocol("TCP")))
        .build());
    // A Service with a selector in the same namespace is synced after it: then "external" was seen too.
    client.services().create(Service.newBuilder()
        .setMetadata(ObjectMeta.newBuilder().setNamespace(ns).setName("probe"))
        .setSpec(ServiceSpec.newBuilder().putSelector("app", "probe").addPorts(ServicePort.newBuilder().setPort(1)))
        .build());
    await().atMost(TIMEOUT).until(() -> endpoints("probe").isPresent());
    assertThat(endpoints("external").orElseThrow()).isEqualTo(mine);
  }

  private void createPod(String name, String app) {
    client.pods().create(Pod.newBuilder()
        .setMetadata(ObjectMeta.newBuilder().setNamespace(ns).setName(name).putLabels("app", app))
        .setSpec(PodSpec.newBuilder().setNodeName("node-1").addContainers(Container.newBuilder().setName("c")
            .setImage("busybox").addPorts(ContainerPort.newBuilder().setName("http").setContainerPort(8080))))
        .build());
  }

  /** What the agent reports: Running with an IP, Ready or not. */
  private void setStatus(String name, String ip, boolean ready) {
    Pod pod = client.pods().get(ns, name);
    client.pods().updateStatus(pod.toBuilder().setStatus(pod.getStatus().toBuilder().setPhase("Running")
        .setPodIp(ip).clearConditions()
        .addConditions(PodCondition.newBuilder().setType("Ready").setStatus(ready ? "True" : "False")))
        .build());
  }

  private Optional<Endpoints> endpoints(String name) {
    try {
      return Optional.of(client.endpoints().get(ns, name));
    } catch (RuntimeException e) {
      if (ApiErrors.isNotFound(e)) {
        return Optional.empty();
      }
      throw e;
    }
  }

  private List<String> readyIps(String name) {
    return endpoints(name).map(ep -> ep.getSubsetsList().stream()
        .flatMap(s -> s.getAddressesList().stream()).map(EndpointAddress::getIp).toList()).orElse(List.of());
  }

  private List<String> notReadyIps(String name) {
    return endpoints(name).map(ep -> ep.getSubsetsList().stream()
        .flatMap(s -> s.getNotReadyAddressesList().stream()).map(EndpointAddress::getIp).toList()).orElse(List.of());
  }
}
