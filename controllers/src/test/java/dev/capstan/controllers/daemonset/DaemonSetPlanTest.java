package dev.capstan.controllers.daemonset;

import static dev.capstan.controllers.TestObjects.T0;
import static org.assertj.core.api.Assertions.assertThat;

import dev.capstan.api.core.v1.Node;
import dev.capstan.api.core.v1.NodeSpec;
import dev.capstan.api.core.v1.Pod;
import dev.capstan.api.core.v1.PodSpec;
import dev.capstan.api.core.v1.Taint;
import dev.capstan.api.meta.v1.ObjectMeta;
import dev.capstan.client.quantity.IntOrPercent;
import dev.capstan.controllers.TestObjects;
import dev.capstan.controllers.framework.ProtoTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class DaemonSetPlanTest {
  private static final PodSpec DAEMON = DaemonPodFactory.daemonPodSpec(TestObjects.template("agent", "busybox").getSpec());
  private static final Instant NOW = T0.plusSeconds(600);
  private static final IntOrPercent ONE = IntOrPercent.ofInt(1);

  private static Node node(String name, Taint... taints) {
    return Node.newBuilder().setMetadata(ObjectMeta.newBuilder().setName(name))
        .setSpec(NodeSpec.newBuilder().addAllTaints(List.of(taints))).build();
  }

  private static Pod pod(String name, String node, String revision, boolean ready) {
    Pod p = TestObjects.scheduled(TestObjects.pod(name, T0), node);
    p = p.toBuilder().setMetadata(p.getMetadata().toBuilder().putLabels(DaemonPodFactory.REVISION_LABEL, revision))
        .build();
    return ready ? TestObjects.ready(p, T0) : p;
  }

  private static DaemonSetPlan plan(List<Node> nodes, List<Pod> pods, IntOrPercent maxUnavailable) {
    return DaemonSetPlan.of(NodeDaemonPods.group(nodes, DAEMON, pods), "new", maxUnavailable, 0, NOW);
  }

  private static List<String> names(List<Pod> pods) {
    return pods.stream().map(p -> p.getMetadata().getName()).toList();
  }

  @Test
  void everyEligibleNodeWithoutAPodGetsOne() {
    DaemonSetPlan plan = plan(List.of(node("n1"), node("n2"), node("n3")), List.of(pod("a", "n2", "new", true)), ONE);
    assertThat(plan.nodesToCreateOn()).containsExactly("n1", "n3");
    assertThat(plan.podsToDelete()).isEmpty();
  }

  @Test
  void aNodeNoLongerEligibleOrGoneLosesItsPodAndANoScheduleTaintOnlyKeepsNewOnesOff() {
    Taint noExecute = Taint.newBuilder().setKey("maintenance").setEffect("NoExecute").build();
    Taint noSchedule = Taint.newBuilder().setKey("dedicated").setEffect("NoSchedule").build();
    DaemonSetPlan plan = plan(List.of(node("n1", noExecute), node("n2", noSchedule), node("n3", noSchedule)),
        List.of(pod("a", "n1", "new", true), pod("b", "n2", "new", true), pod("c", "gone", "new", true)), ONE);
    assertThat(names(plan.podsToDelete())).containsExactlyInAnyOrder("a", "c");
    assertThat(plan.nodesToCreateOn()).isEmpty();
  }

  @Test
  void duplicatesOnOneNodeKeepTheReadyOneAndATerminatingPodHoldsItsNode() {
    Pod old = pod("old", "n1", "new", true);
    Pod extra = pod("extra", "n1", "new", false);
    Pod leaving = pod("leaving", "n2", "new", true);
    leaving = leaving.toBuilder().setMetadata(leaving.getMetadata().toBuilder()
        .setDeletionTimestamp(ProtoTime.toTimestamp(NOW))).build();
    DaemonSetPlan plan = plan(List.of(node("n1"), node("n2")), List.of(extra, old, leaving), ONE);
    assertThat(names(plan.podsToDelete())).containsExactly("extra");
    assertThat(plan.nodesToCreateOn()).as("n2 waits until its old pod is gone").isEmpty();
  }

  @Test
  void aFailedDaemonPodIsDeletedAndReplacedOnTheNextSync() {
    Pod failed = pod("failed", "n1", "new", false);
    failed = failed.toBuilder().setStatus(failed.getStatus().toBuilder().setPhase("Failed")).build();
    DaemonSetPlan plan = plan(List.of(node("n1")), List.of(failed), ONE);
    assertThat(names(plan.podsToDelete())).containsExactly("failed");
    assertThat(plan.nodesToCreateOn()).isEmpty();
    assertThat(plan(List.of(node("n1")), List.of(), ONE).nodesToCreateOn()).containsExactly("n1");
  }

  @Test
  void aRollingUpdateReplacesAtMostMaxUnavailableAvailablePodsButAnyUnavailableOldOne() {
    List<Node> nodes = new ArrayList<>();
    List<Pod> pods = new ArrayList<>();
    for (int i = 1; i <= 4; i++) {
      nodes.add(node("n" + i));
      pods.add(pod("p" + i, "n" + i, "old", i != 4));
    }
    DaemonSetPlan plan = plan(nodes, pods, ONE);
    assertThat(names(plan.podsToDelete())).as("p4 is unavailable already, and uses up the budget of 1")
        .containsExactly("p4");

    pods.set(3, pod("p4", "n4", "old", true));
    assertThat(names(plan(nodes, pods, ONE).podsToDelete())).containsExactly("p1");
    assertThat(names(plan(nodes, pods, IntOrPercent.ofPercent(50)).podsToDelete())).containsExactly("p1", "p2");
    assertThat(plan(nodes, pods, null).podsToDelete()).as("OnDelete").isEmpty();

    pods.set(0, pod("p1", "n1", "new", false));
    assertThat(plan(nodes, pods, ONE).podsToDelete()).as("the new p1 is not available yet").isEmpty();
  }
}
