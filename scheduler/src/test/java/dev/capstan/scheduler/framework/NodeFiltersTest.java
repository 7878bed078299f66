package dev.capstan.scheduler.framework;

import static dev.capstan.scheduler.TestObjects.boundTo;
import static dev.capstan.scheduler.TestObjects.pod;
import static dev.capstan.scheduler.TestObjects.readyNode;
import static dev.capstan.scheduler.TestObjects.withLabels;
import static org.assertj.core.api.Assertions.assertThat;

import dev.capstan.api.core.v1.Node;
import dev.capstan.api.core.v1.NodeCondition;
import dev.capstan.api.core.v1.NodeStatus;
import dev.capstan.api.core.v1.Pod;
import dev.capstan.api.core.v1.Taint;
import dev.capstan.api.core.v1.Toleration;
import java.util.Map;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class NodeFiltersTest {
  private static final Pod SMALL = pod("small", "100m", "64Mi");

  private static NodeInfo info(Node node, Pod... running) {
    NodeInfo info = new NodeInfo(node);
    for (Pod p : running) {
      info.addPod(boundTo(p, node.getMetadata().getName()));
    }
    return info;
  }

  @Nested
  class Ready {
    private final NodeReadyFilter filter = new NodeReadyFilter();

    @Test
    void passesOnlyNodesWhoseReadyConditionIsTrue() {
      Node ready = readyNode("n", "1", "1Gi");
      Node notReady = ready.toBuilder().setStatus(ready.getStatus().toBuilder()
          .setConditions(0, NodeCondition.newBuilder().setType("Ready").setStatus("False"))).build();
      Node unknown = ready.toBuilder().setStatus(ready.getStatus().toBuilder().clearConditions()
          .addConditions(NodeCondition.newBuilder().setType("MemoryPressure").setStatus("False"))).build();

      assertThat(filter.filter(SMALL, info(ready))).isEmpty();
      assertThat(filter.filter(SMALL, info(notReady))).containsExactly("node(s) were not ready");
      assertThat(filter.filter(SMALL, info(unknown))).containsExactly("node(s) were not ready");
    }
  }

  @Nested
  class Unschedulable {
    private final NodeUnschedulableFilter filter = new NodeUnschedulableFilter();
    private final Node cordoned = readyNode("n", "1", "1Gi").toBuilder()
        .setSpec(dev.capstan.api.core.v1.NodeSpec.newBuilder().setUnschedulable(true)).build();

    @Test
    void rejectsACordonedNode() {
      assertThat(filter.filter(SMALL, info(cordoned))).containsExactly("node(s) were unschedulable");
      assertThat(filter.filter(SMALL, info(readyNode("n", "1", "1Gi")))).isEmpty();
    }

    @Test
    void unlessThePodToleratesTheUnschedulableTaint() {
      Pod tolerant = SMALL.toBuilder().setSpec(SMALL.getSpec().toBuilder().addTolerations(
          Toleration.newBuilder().setKey("node.kubernetes.io/unschedulable").setOperator("Exists")
              .setEffect("NoSchedule"))).build();

      assertThat(filter.filter(tolerant, info(cordoned))).isEmpty();
    }
  }

  @Nested
  class TaintToleration {
    private final TaintTolerationFilter filter = new TaintTolerationFilter();

    private Node tainted(String effect) {
      Node n = readyNode("n", "1", "1Gi");
      return n.toBuilder().setSpec(n.getSpec().toBuilder()
          .addTaints(Taint.newBuilder().setKey("dedicated").setValue("db").setEffect(effect))).build();
    }

    @Test
    void rejectsNoScheduleAndNoExecuteTaintsThePodDoesNotTolerate() {
      assertThat(filter.filter(SMALL, info(tainted("NoSchedule"))))
          .containsExactly("node(s) had untolerated taint {dedicated: db}");
      assertThat(filter.filter(SMALL, info(tainted("NoExecute"))))
          .containsExactly("node(s) had untolerated taint {dedicated: db}");
    }

    @Test
    void ignoresPreferNoSchedule() {
      assertThat(filter.filter(SMALL, info(tainted("PreferNoSchedule")))).isEmpty();
    }

    @Test
    void passesWhenTolerated() {
      Pod tolerant = SMALL.toBuilder().setSpec(SMALL.getSpec().toBuilder().addTolerations(
          Toleration.newBuilder().setKey("dedicated").setOperator("Equal").setValue("db"))).build();

      assertThat(filter.filter(tolerant, info(tainted("NoSchedule")))).isEmpty();
      assertThat(filter.filter(tolerant, info(tainted("NoExecute")))).isEmpty();
    }
  }

  @Nested
  class NodeSelector {
    private final NodeSelectorFilter filter = new NodeSelectorFilter();
    private final Node ssd = withLabels(readyNode("n", "1", "1Gi"), Map.of("disk", "ssd", "zone", "a"));

    @Test
    void passesWhenEverySelectorLabelMatches() {
      Pod wantsSsd = SMALL.toBuilder().setSpec(SMALL.getSpec().toBuilder().putNodeSelector("disk", "ssd")).build();
      Pod wantsSsdInB = wantsSsd.toBuilder().setSpec(wantsSsd.getSpec().toBuilder().putNodeSelector("zone", "b"))
          .build();
      Pod wantsGpu = SMALL.toBuilder().setSpec(SMALL.getSpec().toBuilder().putNodeSelector("gpu", "true")).build();

      assertThat(filter.filter(SMALL, info(ssd))).isEmpty();
      assertThat(filter.filter(wantsSsd, info(ssd))).isEmpty();
      assertThat(filter.filter(wantsSsdInB, info(ssd)))
          .containsExactly("node(s) didn't match Pod's node affinity/selector");
      assertThat(filter.filter(wantsGpu, info(ssd))).hasSize(1);
    }
  }

  @Nested
  class ResourcesFit {
    private final NodeResourcesFitFilter filter = new NodeResourcesFitFilter();

    @Test
    void fitsExactlyUpToAllocatable() {
      Node node = readyNode("n", "1", "1Gi");
      NodeInfo half = info(node, pod("a", "500m", "512Mi"));

      assertThat(filter.filter(pod("p", "500m", "512Mi"), half)).isEmpty();
      assertThat(filter.filter(pod("p", "501m", "512Mi"), half)).containsExactly("Insufficient cpu");
      assertThat(filter.filter(pod("p", "500m", "513Mi"), half)).containsExactly("Insufficient memory");
      assertThat(filter.filter(pod("p", "2", "2Gi"), half)).containsExactly("Insufficient cpu", "Insufficient memory");
    }

    @Test
    void aPodThatRequestsNothingFitsEvenAFullNode() {
      NodeInfo full = info(readyNode("n", "1", "1Gi"), pod("a", "1", "1Gi"));

      assertThat(filter.filter(pod("p", null, null), full)).isEmpty();
      assertThat(filter.filter(pod("p", "1m", null), full)).containsExactly("Insufficient cpu");
    }

    @Test
    void countsPodsAgainstTheAllowedPodCount() {
      Node node = readyNode("n", "4", "4Gi");
      node = node.toBuilder().setStatus(node.getStatus().toBuilder().putAllocatable("pods", "2")).build();

      assertThat(filter.filter(SMALL, info(node, pod("a", null, null)))).isEmpty();
      assertThat(filter.filter(SMALL, info(node, pod("a", null, null), pod("b", null, null))))
          .containsExactly("Too many pods");
    }

    @Test
    void fallsBackToCapacityPerResourceWhenAllocatableIsMissing() {
      Node node = Node.newBuilder()
          .setMetadata(dev.capstan.api.meta.v1.ObjectMeta.newBuilder().setName("n"))
          .setStatus(NodeStatus.newBuilder().putCapacity("cpu", "2").putCapacity("memory", "2Gi")
              .putAllocatable("memory", "1Gi"))
          .build();
      NodeInfo info = info(node);

      assertThat(info.allocatable()).isEqualTo(new Resource(2000, 1024L * 1024 * 1024));
      assertThat(filter.filter(pod("p", "2", "1Gi"), info)).isEmpty();
      assertThat(filter.filter(pod("p", "2", "2Gi"), info)).containsExactly("Insufficient memory");
    }

    @Test
    void aNodeWithoutCapacityFitsOnlyPodsThatRequestNothing() {
      Node bare = Node.newBuilder().setMetadata(dev.capstan.api.meta.v1.ObjectMeta.newBuilder().setName("n")).build();

      assertThat(filter.filter(pod("p", null, null), info(bare))).isEmpty();
      assertThat(filter.filter(SMALL, info(bare))).containsExactly("Insufficient cpu", "Insufficient memory");
    }
  }
}
