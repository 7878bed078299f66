package dev.capstan.controllers.replicaset;

import static dev.capstan.controllers.TestObjects.T0;
import static dev.capstan.controllers.TestObjects.pod;
import static dev.capstan.controllers.TestObjects.ready;
import static dev.capstan.controllers.TestObjects.scheduled;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.capstan.api.core.v1.Pod;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class ReplicaSetPlanTest {
  private static List<Pod> pods(int n) {
    return IntStream.range(0, n).mapToObj(i -> ready(scheduled(pod("p" + i, T0.plusSeconds(i)), "n1"), T0)).toList();
  }

  @Test
  void createsTheMissingPods() {
    ReplicaSetPlan plan = ReplicaSetPlan.of(5, pods(2), 500);
    assertThat(plan.podsToCreate()).isEqualTo(3);
    assertThat(plan.podsToDelete()).isEmpty();
  }

  @Test
  void deletesTheSurplusNewestFirst() {
    ReplicaSetPlan plan = ReplicaSetPlan.of(2, pods(5), 500);
    assertThat(plan.podsToCreate()).isZero();
    assertThat(plan.podsToDelete()).extracting(p -> p.getMetadata().getName()).containsExactly("p4", "p3", "p2");
  }

  @Test
  void doesNothingAtTheDesiredCount() {
    assertThat(ReplicaSetPlan.of(3, pods(3), 500).isEmpty()).isTrue();
    assertThat(ReplicaSetPlan.of(0, List.of(), 500).isEmpty()).isTrue();
  }

  @Test
  void boundsOneSyncByTheBurst() {
    assertThat(ReplicaSetPlan.of(1000, List.of(), 500).podsToCreate()).isEqualTo(500);
    assertThat(ReplicaSetPlan.of(0, pods(10), 4).podsToDelete()).hasSize(4);
  }

  @Test
  void rejectsNegativeReplicas() {
    assertThatThrownBy(() -> ReplicaSetPlan.of(-1, List.of(), 500)).hasMessageContaining("spec.replicas");
  }
}
