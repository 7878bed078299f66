package dev.capstan.scheduler.framework;

import static dev.capstan.scheduler.TestObjects.boundTo;
import static dev.capstan.scheduler.TestObjects.pod;
import static dev.capstan.scheduler.TestObjects.readyNode;
import static dev.capstan.scheduler.TestObjects.withLabels;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.capstan.api.core.v1.Node;
import dev.capstan.api.core.v1.NodeCondition;
import dev.capstan.api.core.v1.Pod;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SchedulingAlgorithmTest {
  private final SchedulingAlgorithm algorithm = SchedulingAlgorithm.defaults();

  private static NodeInfo info(Node node, Pod... running) {
    NodeInfo info = new NodeInfo(node);
    for (Pod p : running) {
      info.addPod(boundTo(p, node.getMetadata().getName()));
    }
    return info;
  }

  private static Node notReady(String name) {
    Node n = readyNode(name, "4", "8Gi");
    return n.toBuilder().setStatus(n.getStatus().toBuilder()
        .setConditions(0, NodeCondition.newBuilder().setType("Ready").setStatus("False"))).build();
  }

  @Test
  void picksTheLeastAllocatedNode() {
    NodeInfo busy = info(readyNode("a", "4", "8Gi"), pod("x", "3", "6Gi"));
    NodeInfo idle = info(readyNode("b", "4", "8Gi"));

    ScheduleResult result = algorithm.schedule(pod("p", "500m", "1Gi"), List.of(busy, idle));

    assertThat(result).isEqualTo(new ScheduleResult.Scheduled("b", 87, 2));
  }

  @Test
  void breaksTiesByNodeName() {
    ScheduleResult result = algorithm.schedule(pod("p", "500m", "1Gi"),
        List.of(info(readyNode("c", "4", "8Gi")), info(readyNode("a", "4", "8Gi")), info(readyNode("b", "4", "8Gi"))));

    assertThat(((ScheduleResult.Scheduled) result).nodeName()).isEqualTo("a");
  }

  @Test
  void onlyConsidersNodesThatPassEveryFilter() {
    NodeInfo labelled = info(withLabels(readyNode("z", "1", "1Gi"), Map.of("disk", "ssd")), pod("x", "900m", null));
    NodeInfo roomy = info(readyNode("a", "64", "256Gi"));
    Pod wantsSsd = pod("p", "100m", "64Mi");
    wantsSsd = wantsSsd.toBuilder().setSpec(wantsSsd.getSpec().toBuilder().putNodeSelector("disk", "ssd")).build();

    ScheduleResult result = algorithm.schedule(wantsSsd, List.of(roomy, labelled));

    assertThat(result).isInstanceOf(ScheduleResult.Scheduled.class);
    assertThat(((ScheduleResult.Scheduled) result).nodeName()).isEqualTo("z");
    assertThat(((ScheduleResult.Scheduled) result).feasibleNodes()).isEqualTo(1);
  }

  @Test
  void explainsWhyNoNodeFitsWithCountsPerReason() {
    List<NodeInfo> nodes = List.of(
        info(readyNode("a", "1", "1Gi")),
        info(readyNode("b", "1", "1Gi"), pod("x", "900m", null)),
        info(notReady("c")));

    ScheduleResult result = algorithm.schedule(pod("p", "2", "512Mi"), nodes);

    assertThat(result).isInstanceOf(ScheduleResult.Unschedulable.class);
    ScheduleResult.Unschedulable u = (ScheduleResult.Unschedulable) result;
    assertThat(u.reasonCounts()).isEqualTo(Map.of("Insufficient cpu", 2, "node(s) were not ready", 1));
    assertThat(u.message()).isEqualTo("0/3 nodes are available: 1 node(s) were not ready, 2 Insufficient cpu.");
  }

  @Test
  void aNodeFailsAtItsFirstFailingFilterOnly() {
    ScheduleResult result = algorithm.schedule(pod("p", "100", "1Ti"), List.of(info(notReady("a"))));

    assertThat(((ScheduleResult.Unschedulable) result).message())
        .isEqualTo("0/1 nodes are available: 1 node(s) were not ready.");
  }

  @Test
  void noNodesAtAll() {
    ScheduleResult result = algorithm.schedule(pod("p", "1", "1Gi"), List.of(new NodeInfo(null)));

    assertThat(result).isEqualTo(new ScheduleResult.Unschedulable(0, Map.of()));
    assertThat(((ScheduleResult.Unschedulable) result).message()).isEqualTo("no nodes available to schedule pods");
  }

  @Test
  void aMalformedPodRequestIsAnErrorNamingTheField() {
    assertThatThrownBy(() -> algorithm.schedule(pod("p", "a lot", "1Gi"), List.of(info(readyNode("a", "1", "1Gi")))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("spec.containers[0].resources.requests.cpu: invalid quantity");
  }
}
