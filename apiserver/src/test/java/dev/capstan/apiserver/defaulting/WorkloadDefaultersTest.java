package dev.capstan.apiserver.defaulting;

import static org.assertj.core.api.Assertions.assertThat;

import dev.capstan.api.apps.v1.DaemonSet;
import dev.capstan.api.apps.v1.DaemonSetSpec;
import dev.capstan.api.apps.v1.DaemonSetUpdateStrategy;
import dev.capstan.api.apps.v1.StatefulSet;
import dev.capstan.api.apps.v1.StatefulSetSpec;
import dev.capstan.api.apps.v1.StatefulSetUpdateStrategy;
import dev.capstan.api.core.v1.Container;
import dev.capstan.api.core.v1.PodSpec;
import dev.capstan.api.core.v1.PodTemplateSpec;
import dev.capstan.client.Kinds;
import org.junit.jupiter.api.Test;

/** The defaults of DaemonSets and StatefulSets, as apps/v1 sets them. */
class WorkloadDefaultersTest {
  private static final PodTemplateSpec TEMPLATE = PodTemplateSpec.newBuilder()
      .setSpec(PodSpec.newBuilder().addContainers(Container.newBuilder().setName("main").setImage("busybox"))).build();

  @Test
  void daemonSetRollsOneNodeAtATime() {
    DaemonSet d = Defaulters.forKind(Kinds.DAEMON_SET).applyDefaults(DaemonSet.newBuilder()
        .setSpec(DaemonSetSpec.newBuilder().setTemplate(TEMPLATE)).build());
    assertThat(d.getSpec().getUpdateStrategy().getType()).isEqualTo("RollingUpdate");
    assertThat(d.getSpec().getUpdateStrategy().getRollingUpdate().getMaxUnavailable()).isEqualTo("1");
    assertThat(d.getSpec().getUpdateStrategy().getRollingUpdate().getMaxSurge()).isEqualTo("0");
    assertThat(d.getSpec().getRevisionHistoryLimit()).isEqualTo(10);
    assertThat(d.getSpec().getTemplate().getSpec().getRestartPolicy()).isEqualTo("Always");

    DaemonSet onDelete = Defaulters.forKind(Kinds.DAEMON_SET).applyDefaults(DaemonSet.newBuilder()
        .setSpec(DaemonSetSpec.newBuilder().setTemplate(TEMPLATE)
            .setUpdateStrategy(DaemonSetUpdateStrategy.newBuilder().setType("OnDelete"))).build());
    assertThat(onDelete.getSpec().getUpdateStrategy().hasRollingUpdate()).isFalse();
  }

  @Test
  void statefulSetIsOrderedWithOneReplicaAndPartitionZero() {
    StatefulSet s = Defaulters.forKind(Kinds.STATEFUL_SET).applyDefaults(StatefulSet.newBuilder()
        .setSpec(StatefulSetSpec.newBuilder().setTemplate(TEMPLATE)).build());
    assertThat(s.getSpec().getReplicas()).isEqualTo(1);
    assertThat(s.getSpec().getPodManagementPolicy()).isEqualTo("OrderedReady");
    assertThat(s.getSpec().getUpdateStrategy().getType()).isEqualTo("RollingUpdate");
    assertThat(s.getSpec().getUpdateStrategy().getRollingUpdate().hasPartition()).isTrue();
    assertThat(s.getSpec().getUpdateStrategy().getRollingUpdate().getPartition()).isZero();
    assertThat(s.getSpec().getRevisionHistoryLimit()).isEqualTo(10);

    StatefulSet parallel = Defaulters.forKind(Kinds.STATEFUL_SET).applyDefaults(StatefulSet.newBuilder()
        .setSpec(StatefulSetSpec.newBuilder().setReplicas(0).setPodManagementPolicy("Parallel").setTemplate(TEMPLATE)
            .setUpdateStrategy(StatefulSetUpdateStrategy.newBuilder().setType("OnDelete"))).build());
    assertThat(parallel.getSpec().getReplicas()).as("an explicit 0 is kept").isZero();
    assertThat(parallel.getSpec().getPodManagementPolicy()).isEqualTo("Parallel");
    assertThat(parallel.getSpec().getUpdateStrategy().hasRollingUpdate()).isFalse();
  }
}
