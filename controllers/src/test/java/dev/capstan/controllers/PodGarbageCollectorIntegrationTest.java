package dev.capstan.controllers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.capstan.api.core.v1.Container;
import dev.capstan.api.core.v1.Namespace;
import dev.capstan.api.core.v1.Node;
import dev.capstan.api.core.v1.NodeCondition;
import dev.capstan.api.core.v1.NodeSpec;
import dev.capstan.api.core.v1.NodeStatus;
import dev.capstan.api.core.v1.Pod;
import dev.capstan.api.core.v1.PodSpec;
import dev.capstan.api.core.v1.Taint;
import dev.capstan.api.meta.v1.ObjectMeta;
import dev.capstan.client.CapstanClient;
import dev.capstan.controllers.framework.ApiErrors;
import dev.capstan.controllers.framework.ControllerMetrics;
import dev.capstan.controllers.framework.MutableClock;
import dev.capstan.controllers.podgc.PodGarbageCollector;
import dev.capstan.controllers.podgc.PodGcPlan;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pod garbage collector in the controller manager, against an apiserver on a real Ratis store,
 * on a clock that moves only when the test moves it (the quarantine of a missing node is measured
 * on it): a pod bound to a deleted node is force-deleted once the quarantine is over, a pod on a
 * node that exists is kept, and a terminating pod on a node declared out of service goes at once.
 * No agent runs, so nothing else would ever finish these pods.
 */
class PodGarbageCollectorIntegrationTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(20);
  private static final String NS = "podgc";

  @TempDir
  Path dir;
  private RatisApiServer api;
  private CapstanClient client;
  private MutableClock clock;
  private ControllerManager manager;

  @BeforeEach
  void start() throws IOException {
    api = RatisApiServer.start(dir);
    client = api.client();
    clock = new MutableClock(Instant.now());
    // Nodes without agents: a long grace period keeps the node lifecycle controller from evicting.
    manager = new ControllerManager(client, clock, ControllerManager.DEFAULT_WORKERS, Duration.ofSeconds(30),
        ControllerManager.DEFAULT_RESYNC_PERIOD, ControllerOptions.defaults().withNodeMonitorGracePeriod(Duration.ofDays(1)),
        ControllerMetrics.unserved());
    manager.start();
    client.namespaces().create(Namespace.newBuilder().setMetadata(ObjectMeta.newBuilder().setName(NS)).build());
  }

  @AfterEach
  void stop() {
    if (manager != null) {
      manager.close();
    }
    if (api != null) {
      api.close();
    }
  }

  @Test
  void deletesThePodsOfADeletedNodeAfterTheQuarantineAndKeepsThoseOfALiveOne() {
    assertThat(manager.controllerNames()).contains(PodGarbageCollector.NAME);
    node("live", "True");
    node("doomed", "True");
    pod("kept", "live");
    pod("orphan", "doomed");

    client.nodes().delete("", "doomed");

    // The clock moves 5 s at each look, so the quarantine (40 s) passes within a few looks,
    // whenever the collector first saw the node missing.
    await().atMost(TIMEOUT).pollInterval(Duration.ofMillis(100)).until(() -> {
      clock.advance(Duration.ofSeconds(5));
      return !exists("orphan");
    });
    assertThat(exists("kept")).isTrue();
  }

  @Test
  void forceDeletesATerminatingPodOnANodeDeclaredOutOfService() {
    node("dead", "False");
    pod("stuck", "dead");
    client.pods().delete(NS, "stuck");
    Pod terminating = client.pods().get(NS, "stuck");
    assertThat(terminating.getMetadata().hasDeletionTimestamp()).as("graceful: waits for an agent").isTrue();

    Node dead = client.nodes().get("", "dead");
    client.nodes().update(dead.toBuilder().setSpec(dead.getSpec().toBuilder()
        .addTaints(Taint.newBuilder().setKey(PodGcPlan.OUT_OF_SERVICE).setValue("nodeshutdown").setEffect("NoExecute")))
        .build());

    await().atMost(TIMEOUT).until(() -> !exists("stuck"));
  }

  private void node(String name, String ready) {
    Node node = client.nodes().create(Node.newBuilder().setMetadata(ObjectMeta.newBuilder().setName(name))
        .setSpec(NodeSpec.getDefaultInstance()).build());
    client.nodes().updateStatus(node.toBuilder().setStatus(NodeStatus.newBuilder()
        .addConditions(NodeCondition.newBuilder().setType("Ready").setStatus(ready))).build());
  }

  private void pod(String name, String node) {
    client.pods().create(Pod.newBuilder().setMetadata(ObjectMeta.newBuilder().setNamespace(NS).setName(name))
        .setSpec(PodSpec.newBuilder().setNodeName(node)
            .addContainers(Container.newBuilder().setName("main").setImage("busybox")))
        .build());
  }

  private boolean exists(String name) {
    try {
      client.pods().get(NS, name);
      return true;
    } catch (RuntimeException e) {
      if (ApiErrors.isNotFound(e)) {
        return false;
      }
      throw e;
    }
  }
}
