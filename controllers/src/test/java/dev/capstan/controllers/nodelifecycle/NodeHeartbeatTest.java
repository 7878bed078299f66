package dev.capstan.controllers.nodelifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import dev.capstan.api.coordination.v1.Lease;
import dev.capstan.api.coordination.v1.LeaseSpec;
import dev.capstan.api.core.v1.Node;
import dev.capstan.api.core.v1.NodeCondition;
import dev.capstan.api.core.v1.NodeStatus;
import dev.capstan.api.meta.v1.ObjectMeta;
import dev.capstan.controllers.framework.MutableClock;
import dev.capstan.controllers.framework.ProtoTime;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class NodeHeartbeatTest {
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  private static final Duration GRACE = Duration.ofSeconds(40);

  @Test
  void theLeaseRenewalCountsAndTheNodeGoesStaleOnlyAfterTheGracePeriod() {
    MutableClock clock = new MutableClock(T0);
    Node node = node(T0.minusSeconds(100), T0.minusSeconds(60));
    Instant last = NodeHeartbeat.lastHeard(node, Optional.of(lease(T0)));
    assertThat(last).isEqualTo(T0);

    clock.advance(GRACE);
    assertThat(NodeHeartbeat.isStale(last, GRACE, clock.instant())).isFalse();
    assertThat(NodeHeartbeat.untilStale(last, GRACE, clock.instant())).isZero();
    clock.advance(Duration.ofMillis(1));
    assertThat(NodeHeartbeat.isStale(last, GRACE, clock.instant())).isTrue();
  }

  @Test
  void withoutALeaseTheReadyHeartbeatCountsAndTheLaterOfBothWins() {
    Node node = node(T0.minusSeconds(100), T0.minusSeconds(5));
    assertThat(NodeHeartbeat.lastHeard(node, Optional.empty())).isEqualTo(T0.minusSeconds(5));
    assertThat(NodeHeartbeat.lastHeard(node, Optional.of(lease(T0.minusSeconds(30))))).isEqualTo(T0.minusSeconds(5));
  }

  @Test
  void aNodeThatNeverReportedCountsFromItsCreation() {
    Node node = node(T0.minusSeconds(100), null);
    assertThat(NodeHeartbeat.lastHeard(node, Optional.empty())).isEqualTo(T0.minusSeconds(100));
  }

  static Node node(Instant created, Instant readyHeartbeat) {
    NodeStatus.Builder status = NodeStatus.newBuilder();
    if (readyHeartbeat != null) {
      status.addConditions(NodeCondition.newBuilder().setType("Ready").setStatus("True")
          .setLastHeartbeatTime(ProtoTime.toTimestamp(readyHeartbeat)));
    }
    return Node.newBuilder().setMetadata(ObjectMeta.newBuilder().setName("n1")
        .setCreationTimestamp(ProtoTime.toTimestamp(created))).setStatus(status).build();
  }

  static Lease lease(Instant renewed) {
    return Lease.newBuilder().setMetadata(ObjectMeta.newBuilder().setNamespace("kube-node-lease").setName("n1"))
        .setSpec(LeaseSpec.newBuilder().setHolderIdentity("n1").setLeaseDurationSeconds(40)
            .setRenewTime(ProtoTime.toTimestamp(renewed))).build();
  }
}
