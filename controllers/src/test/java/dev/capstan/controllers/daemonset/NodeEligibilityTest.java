package dev.capstan.controllers.daemonset;

import static org.assertj.core.api.Assertions.assertThat;

import dev.capstan.api.core.v1.Node;
import dev.capstan.api.core.v1.NodeSpec;
import dev.capstan.api.core.v1.PodSpec;
import dev.capstan.api.core.v1.Taint;
import dev.capstan.api.core.v1.Toleration;
import dev.capstan.api.meta.v1.ObjectMeta;
import dev.capstan.controllers.TestObjects;
import org.junit.jupiter.api.Test;

class NodeEligibilityTest {
  private static final PodSpec DAEMON = DaemonPodFactory.daemonPodSpec(TestObjects.template("agent", "busybox").getSpec());

  private static Node node(String name, Taint... taints) {
    return Node.newBuilder().setMetadata(ObjectMeta.newBuilder().setName(name).putLabels("disk", "ssd"))
        .setSpec(NodeSpec.newBuilder().addAllTaints(java.util.List.of(taints))).build();
  }

  private static Taint taint(String key, String effect) {
    return Taint.newBuilder().setKey(key).setValue("true").setEffect(effect).build();
  }

  @Test
  void aPlainNodeRunsTheDaemon() {
    assertThat(NodeEligibility.of(node("n1"), DAEMON)).isEqualTo(new NodeEligibility(true, true));
  }

  @Test
  void theNodeSelectorMustMatch() {
    PodSpec ssd = DAEMON.toBuilder().putNodeSelector("disk", "ssd").build();
    PodSpec hdd = DAEMON.toBuilder().putNodeSelector("disk", "hdd").build();
    assertThat(NodeEligibility.of(node("n1"), ssd).shouldRun()).isTrue();
    assertThat(NodeEligibility.of(node("n1"), hdd)).isEqualTo(new NodeEligibility(false, false));
  }

  @Test
  void noScheduleKeepsNewPodsOffButDoesNotEvictWhileNoExecuteDoes() {
    assertThat(NodeEligibility.of(node("n1", taint("dedicated", "NoSchedule")), DAEMON))
        .isEqualTo(new NodeEligibility(false, true));
    assertThat(NodeEligibility.of(node("n1", taint("dedicated", "NoExecute")), DAEMON))
        .isEqualTo(new NodeEligibility(false, false));
    assertThat(NodeEligibility.of(node("n1", taint("dedicated", "PreferNoSchedule")), DAEMON))
        .isEqualTo(new NodeEligibility(true, true));
    PodSpec tolerant = DAEMON.toBuilder().addTolerations(Toleration.newBuilder().setKey("dedicated")
        .setOperator("Exists")).build();
    assertThat(NodeEligibility.of(node("n1", taint("dedicated", "NoExecute")), tolerant))
        .isEqualTo(new NodeEligibility(true, true));
  }

  @Test
  void daemonPodsTolerateTheNodeConditionTaintsAsInKubernetes() {
    Node notReady = node("n1", taint("node.kubernetes.io/not-ready", "NoExecute"),
        taint("node.kubernetes.io/unreachable", "NoExecute"), taint("node.kubernetes.io/unschedulable", "NoSchedule"),
        taint("node.kubernetes.io/memory-pressure", "NoSchedule"));
    assertThat(NodeEligibility.of(notReady, DAEMON)).isEqualTo(new NodeEligibility(true, true));
    Node network = node("n1", taint("node.kubernetes.io/network-unavailable", "NoSchedule"));
    assertThat(NodeEligibility.of(network, DAEMON).shouldRun()).as("only host-network daemons tolerate it").isFalse();
    PodSpec hostNetwork = DaemonPodFactory.daemonPodSpec(DAEMON.toBuilder().setHostNetwork(true).build());
    assertThat(NodeEligibility.of(network, hostNetwork).shouldRun()).isTrue();
  }

  @Test
  void aTemplateNodeNameLimitsTheDaemonToThatNode() {
    PodSpec pinned = DAEMON.toBuilder().setNodeName("n2").build();
    assertThat(NodeEligibility.of(node("n1"), pinned).shouldContinueRunning()).isFalse();
    assertThat(NodeEligibility.of(node("n2"), pinned).shouldRun()).isTrue();
  }
}
