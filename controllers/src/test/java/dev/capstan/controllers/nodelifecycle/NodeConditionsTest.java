package dev.capstan.controllers.nodelifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import dev.capstan.api.core.v1.NodeCondition;
import dev.capstan.api.core.v1.NodeStatus;
import dev.capstan.controllers.framework.ProtoTime;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class NodeConditionsTest {
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

  @Test
  void everyConditionBecomesUnknownKeepingItsLastHeartbeat() {
    NodeStatus status = NodeStatus.newBuilder()
        .addConditions(condition("Ready", "True"))
        .addConditions(condition("MemoryPressure", "False"))
        .build();
    NodeStatus unknown = NodeConditions.markUnknown(status, T0);

    assertThat(unknown.getConditionsList()).hasSize(2).allSatisfy(c -> {
      assertThat(c.getStatus()).isEqualTo("Unknown");
      assertThat(c.getReason()).isEqualTo("NodeStatusUnknown");
      assertThat(c.getMessage()).isEqualTo("Kubelet stopped posting node status.");
      assertThat(c.getLastHeartbeatTime()).isEqualTo(ProtoTime.toTimestamp(T0.minusSeconds(60)));
      assertThat(c.getLastTransitionTime()).isEqualTo(ProtoTime.toTimestamp(T0));
    });
    assertThat(NodeConditions.readyStatus(unknown)).isEqualTo("Unknown");
    assertThat(NodeConditions.allUnknown(unknown)).isTrue();
    assertThat(NodeConditions.markUnknown(unknown, T0.plusSeconds(5))).isEqualTo(unknown);
  }

  @Test
  void aNodeWithoutReadyGetsReadyUnknownNeverUpdated() {
    NodeStatus unknown = NodeConditions.markUnknown(NodeStatus.getDefaultInstance(), T0);
    NodeCondition ready = NodeConditions.ready(unknown).orElseThrow();
    assertThat(ready.getStatus()).isEqualTo("Unknown");
    assertThat(ready.getReason()).isEqualTo("NodeStatusNeverUpdated");
    assertThat(NodeConditions.allUnknown(NodeStatus.getDefaultInstance())).isFalse();
  }

  private static NodeCondition condition(String type, String status) {
    return NodeCondition.newBuilder().setType(type).setStatus(status).setReason("KubeletReady")
        .setLastHeartbeatTime(ProtoTime.toTimestamp(T0.minusSeconds(60)))
        .setLastTransitionTime(ProtoTime.toTimestamp(T0.minusSeconds(600))).build();
  }
}
