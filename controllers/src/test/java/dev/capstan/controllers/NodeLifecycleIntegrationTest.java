package dev.capstan.controllers;

import dev.capstan.controllers.framework.ControllerMetrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.capstan.api.apps.v1.Deployment;
import dev.capstan.api.apps.v1.DeploymentSpec;
import dev.capstan.api.coordination.v1.Lease;
import dev.capstan.api.coordination.v1.LeaseSpec;
import dev.capstan.api.core.v1.Container;
import dev.capstan.api.core.v1.Namespace;
import dev.capstan.api.core.v1.Node;
import dev.capstan.api.core.v1.NodeCondition;
import dev.capstan.api.core.v1.NodeStatus;
import dev.capstan.api.core.v1.Pod;
import dev.capstan.api.core.v1.PodSpec;
import dev.capstan.api.core.v1.PodTemplateSpec;
import dev.capstan.api.core.v1.Taint;
import dev.capstan.api.core.v1.Toleration;
import dev.capstan.api.meta.v1.LabelSelector;
import dev.capstan.api.meta.v1.ObjectMeta;
import dev.capstan.apiserver.ApiServer;
import dev.capstan.client.CapstanClient;
import dev.capstan.controllers.framework.ApiErrors;
import dev.capstan.controllers.framework.PodState;
import dev.capstan.controllers.framework.ProtoTime;
import dev.capstan.controllers.nodelifecycle.NodeConditions;
import dev.capstan.controllers.nodelifecycle.NodeLifecycleController;
import dev.capstan.controllers.nodelifecycle.NodeTaints;
import dev.capstan.scheduler.Scheduler;
import dev.capstan.store.local.LocalKeyValueStore;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The node lifecycle controller against a real apiserver, with the real scheduler and ReplicaSet and
 * Deployment controllers: a node whose agent stops renewing its Lease turns Unknown and tainted,
 * its Deployment's pods are evicted and replaced on the other node; renewing again and reporting
 * Ready brings it back without taints. The agents are played by a lease renewer and a fake kubelet
 * that serves only the live nodes' pods. Short grace period (2 s) and tolerationSeconds (1 s).
 */
class NodeLifecycleIntegrationTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(30);
  private static final Duration GRACE = Duration.ofSeconds(2);
  private static final String DYING = "dying-node";
  private static final String SPARE = "spare-node";

  private final Set<String> liveNodes = ConcurrentHashMap.newKeySet();
  private LocalKeyValueStore store;
  private ApiServer server;
  private CapstanClient client;
  private ControllerManager manager;
  private Scheduler scheduler;
  private FakeKubelet kubelet;
  private ScheduledExecutorService agents;

  @BeforeEach
  void startCluster() {
    store = new LocalKeyValueStore();
    server = ApiServer.start(store, 0);
    client = CapstanClient.connect("127.0.0.1:" + server.port());
    manager = new ControllerManager(client, Clock.systemUTC(), 2, Duration.ofSeconds(30), Duration.ofMinutes(10), GRACE,
        ControllerMetrics.unserved());
    manager.start();
    scheduler = new Scheduler(client, Clock.systemUTC());
    scheduler.start();
    kubelet = new FakeKubelet(client, Clock.systemUTC(), pod -> liveNodes.contains(pod.getSpec().getNodeName()));
    agents = Executors.newSingleThreadScheduledExecutor();
    agents.scheduleWithFixedDelay(this::renewLeases, 0, 200, TimeUnit.MILLISECONDS);
  }

  @AfterEach
  void stopCluster() {
    agents.shutdownNow();
    kubelet.close();
    scheduler.close();
    manager.close();
    client.close();
    server.close();
    store.close();
  }

  @Test
  void aSilentNodeIsTaintedItsPodsReplacedElsewhereAndItComesBackWhenItReportsAgain() {
    assertThat(manager.controllerNames()).contains(NodeLifecycleController.NAME);
    addNode(DYING);
    client.namespaces().create(Namespace.newBuilder().setMetadata(ObjectMeta.newBuilder().setName("apps")).build());
    client.deployments().create(deployment("apps", "web", 2));
    await().atMost(TIMEOUT).until(() -> readyPodsOn(DYING) == 2);
    List<Pod> original = activePods();
    // The apiserver's DefaultTolerationSeconds added the not-ready toleration the template lacks.
    assertThat(original).allSatisfy(p -> assertThat(p.getSpec().getTolerationsList()).anySatisfy(t -> {
      assertThat(t.getKey()).isEqualTo(NodeTaints.NOT_READY);
      assertThat(t.getTolerationSeconds()).isEqualTo(300);
    }));
    addNode(SPARE);

    liveNodes.remove(DYING);
    await().atMost(TIMEOUT).untilAsserted(() -> {
      Node node = client.nodes().get("", DYING);
      NodeCondition ready = NodeConditions.ready(node.getStatus()).orElseThrow();
      assertThat(ready.getStatus()).isEqualTo("Unknown");
      assertThat(ready.getReason()).isEqualTo(NodeConditions.REASON_UNKNOWN);
      assertThat(ready.getMessage()).isEqualTo(NodeConditions.MESSAGE_UNKNOWN);
      assertThat(node.getSpec().getTaintsList()).extracting(Taint::getKey, Taint::getEffect).containsExactlyInAnyOrder(
          org.assertj.core.groups.Tuple.tuple(NodeTaints.UNREACHABLE, "NoSchedule"),
          org.assertj.core.groups.Tuple.tuple(NodeTaints.UNREACHABLE, "NoExecute"));
      assertThat(node.getSpec().getTaintsList()).allSatisfy(t -> assertThat(t.hasTimeAdded()).isTrue());
    });

    // Evicted after their 1 s toleration; nobody finishes them on the dead node, so they stay Terminating.
    await().atMost(TIMEOUT).untilAsserted(() -> {
      for (Pod old : original) {
        Pod pod = client.pods().get("apps", old.getMetadata().getName());
        assertThat(PodState.isTerminating(pod)).isTrue();
        assertThat(PodState.isReady(pod)).as("Ready of %s on the dead node", old.getMetadata().getName()).isFalse();
      }
    });
    await().atMost(TIMEOUT).until(() -> readyPodsOn(SPARE) == 2);
    await().atMost(TIMEOUT).until(() -> client.deployments().get("apps", "web").getStatus().getAvailableReplicas() == 2);
    assertThat(activePods()).hasSize(2).allSatisfy(p -> assertThat(p.getSpec().getNodeName()).isEqualTo(SPARE));

    liveNodes.add(DYING);
    reportReady(DYING);
    await().atMost(TIMEOUT).untilAsserted(() -> {
      Node node = client.nodes().get("", DYING);
      assertThat(NodeConditions.readyStatus(node.getStatus())).isEqualTo("True");
      assertThat(node.getSpec().getTaintsList()).isEmpty();
    });
  }

  @Test
  void anAgentReportingNotReadyGetsTheNotReadyTaintsWhileItsLeaseIsFresh() {
    addNode(DYING);
    addNode(SPARE);
    Node node = client.nodes().get("", DYING);
    client.nodes().updateStatus(node.toBuilder().setStatus(NodeStatus.newBuilder(node.getStatus()).clearConditions()
        .addConditions(readyCondition("False"))).build());
    await().atMost(TIMEOUT).untilAsserted(() -> assertThat(client.nodes().get("", DYING).getSpec().getTaintsList())
        .extracting(Taint::getKey).containsOnly(NodeTaints.NOT_READY).hasSize(2));
    assertThat(NodeConditions.readyStatus(client.nodes().get("", DYING).getStatus())).isEqualTo("False");
  }

  // ---------------------------------------------------------------- the agents' part

  private void addNode(String name) {
    client.nodes().create(Node.newBuilder().setMetadata(ObjectMeta.newBuilder().setName(name))
        .setStatus(NodeStatus.newBuilder().putAllocatable("cpu", "4").putAllocatable("memory", "8Gi")
            .putAllocatable("pods", "110").addConditions(readyCondition("True")))
        .build());
    liveNodes.add(name);
    renewLeases();
  }

  private NodeCondition readyCondition(String status) {
    var now = ProtoTime.toTimestamp(Clock.systemUTC().instant());
    return NodeCondition.newBuilder().setType("Ready").setStatus(status).setReason("KubeletReady")
        .setLastHeartbeatTime(now).setLastTransitionTime(now).build();
  }

  /** What an agent's status reporter does: post Ready=True with a fresh heartbeat. */
  private void reportReady(String name) {
    await().atMost(TIMEOUT).ignoreExceptionsMatching(ApiErrors::isConflict).until(() -> {
      Node node = client.nodes().get("", name);
      client.nodes().updateStatus(node.toBuilder().setStatus(node.getStatus().toBuilder().clearConditions()
          .addConditions(readyCondition("True"))).build());
      return true;
    });
  }

  /** What the agents' NodeLeaseRenewer does, for the live nodes. */
  private synchronized void renewLeases() {
    for (String name : liveNodes) {
      var now = ProtoTime.toTimestamp(Clock.systemUTC().instant());
      try {
        try {
          Lease lease = client.leases().get(NodeLifecycleController.LEASE_NAMESPACE, name);
          client.leases().update(lease.toBuilder().setSpec(lease.getSpec().toBuilder().setRenewTime(now)).build());
        } catch (RuntimeException e) {
          if (!ApiErrors.isNotFound(e)) {
            throw e;
          }
          ensureLeaseNamespace();
          client.leases().create(Lease.newBuilder()
              .setMetadata(ObjectMeta.newBuilder().setNamespace(NodeLifecycleController.LEASE_NAMESPACE).setName(name))
              .setSpec(LeaseSpec.newBuilder().setHolderIdentity(name).setLeaseDurationSeconds(40).setRenewTime(now))
              .build());
        }
      } catch (RuntimeException e) {
        if (!ApiErrors.isConflict(e) && !ApiErrors.isAlreadyExists(e)) {
          throw e;
        }
      }
    }
  }

  private void ensureLeaseNamespace() {
    try {
      client.namespaces().create(Namespace.newBuilder()
          .setMetadata(ObjectMeta.newBuilder().setName(NodeLifecycleController.LEASE_NAMESPACE)).build());
    } catch (RuntimeException e) {
      if (!ApiErrors.isAlreadyExists(e)) {
        throw e;
      }
    }
  }

  // ---------------------------------------------------------------- helpers

  private List<Pod> activePods() {
    return client.pods().list("apps").items().stream().filter(PodState::isActive).toList();
  }

  private long readyPodsOn(String node) {
    return activePods().stream().filter(p -> p.getSpec().getNodeName().equals(node) && PodState.isReady(p)).count();
  }

  private static Deployment deployment(String ns, String name, int replicas) {
    return Deployment.newBuilder()
        .setMetadata(ObjectMeta.newBuilder().setName(name).setNamespace(ns))
        .setSpec(DeploymentSpec.newBuilder()
            .setReplicas(replicas)
            .setSelector(LabelSelector.newBuilder().putMatchLabels("app", name))
            .setTemplate(PodTemplateSpec.newBuilder()
                .setMetadata(ObjectMeta.newBuilder().putLabels("app", name))
                .setSpec(PodSpec.newBuilder()
                    .addContainers(Container.newBuilder().setName("app").setImage("nginx:1"))
                    // Per pod, as in Kubernetes: leave an unreachable node after 1 s instead of 300.
                    .addTolerations(Toleration.newBuilder().setKey(NodeTaints.UNREACHABLE).setOperator("Exists")
                        .setEffect("NoExecute").setTolerationSeconds(1)))))
        .build();
  }
}
