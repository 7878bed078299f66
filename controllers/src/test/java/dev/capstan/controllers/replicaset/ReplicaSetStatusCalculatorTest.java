package dev.capstan.controllers.replicaset;

import static dev.capstan.controllers.TestObjects.T0;
import static dev.capstan.controllers.TestObjects.pod;
import static dev.capstan.controllers.TestObjects.ready;
import static dev.capstan.controllers.TestObjects.replicaSet;
import static dev.capstan.controllers.TestObjects.running;
import static org.assertj.core.api.Assertions.assertThat;

import dev.capstan.api.apps.v1.ReplicaSet;
import dev.capstan.api.apps.v1.ReplicaSetStatus;
import dev.capstan.api.core.v1.Pod;
import java.util.List;
import org.junit.jupiter.api.Test;

class ReplicaSetStatusCalculatorTest {
  @Test
  void countsReadyAvailableAndFullyLabeledPods() {
    ReplicaSet rs = replicaSet("web-1", 4, 0, T0, 1);
    rs = rs.toBuilder().setSpec(rs.getSpec().toBuilder().setMinReadySeconds(30)).build();
    rs = rs.toBuilder().setMetadata(rs.getMetadata().toBuilder().setGeneration(3)).build();
    Pod longReady = ready(pod("a", T0), T0);
    Pod justReady = ready(pod("b", T0), T0.plusSeconds(90));
    Pod notReady = running(pod("c", T0));
    Pod missingLabel = pod("d", T0).toBuilder()
        .setMetadata(pod("d", T0).getMetadata().toBuilder().clearLabels()).build();

    ReplicaSetStatus s = ReplicaSetStatusCalculator.calculate(rs, List.of(longReady, justReady, notReady, missingLabel),
        T0.plusSeconds(100));

    assertThat(s.getReplicas()).isEqualTo(4);
    assertThat(s.getFullyLabeledReplicas()).isEqualTo(3);
    assertThat(s.getReadyReplicas()).isEqualTo(2);
    assertThat(s.getAvailableReplicas()).isEqualTo(1);
    assertThat(s.getObservedGeneration()).isEqualTo(3);
  }

  @Test
  void withoutMinReadySecondsReadyMeansAvailable() {
    ReplicaSet rs = replicaSet("web-1", 2, 0, T0, 1);
    ReplicaSetStatus s = ReplicaSetStatusCalculator.calculate(rs,
        List.of(ready(pod("a", T0), T0), ready(pod("b", T0), T0)), T0);
    assertThat(s.getAvailableReplicas()).isEqualTo(2);
  }
}
