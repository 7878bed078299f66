package dev.capstan.scheduler.framework;

import static dev.capstan.scheduler.TestObjects.boundTo;
import static dev.capstan.scheduler.TestObjects.pod;
import static dev.capstan.scheduler.TestObjects.readyNode;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class LeastAllocatedScorerTest {
  private final LeastAllocatedScorer scorer = new LeastAllocatedScorer();

  @Test
  void averagesTheFreeFractionOfCpuAndMemoryAfterPlacement() {
    NodeInfo node = new NodeInfo(readyNode("n", "4", "8Gi"));
    node.addPod(boundTo(pod("a", "1", "2Gi"), "n"));

    // cpu: (4000 - 2000) * 100 / 4000 = 50; memory: (8Gi - 6Gi) * 100 / 8Gi = 25; average 37.
    assertThat(scorer.score(pod("p", "1", "4Gi"), node)).isEqualTo(37);
  }

  @Test
  void anEmptyNodeScoresHigherThanABusyOne() {
    NodeInfo empty = new NodeInfo(readyNode("e", "4", "8Gi"));
    NodeInfo busy = new NodeInfo(readyNode("b", "4", "8Gi"));
    busy.addPod(boundTo(pod("a", "500m", "1Gi"), "b"));

    assertThat(scorer.score(pod("p", "500m", "1Gi"), empty)).isEqualTo(87);
    assertThat(scorer.score(pod("p", "500m", "1Gi"), busy)).isEqualTo(75);
  }

  @Test
  void podsWithoutRequestsScoreWithKubernetesDefaults() {
    NodeInfo node = new NodeInfo(readyNode("n", "1", "2000Mi"));

    // 100m of 1000m, 200Mi of 2000Mi: both 90.
    assertThat(scorer.score(pod("p", null, null), node)).isEqualTo(90);
  }

  @Test
  void overcommittedOrCapacitylessResourcesScoreZero() {
    NodeInfo node = new NodeInfo(readyNode("n", "1", "1Gi"));

    assertThat(scorer.score(pod("p", "2", "512Mi"), node)).isEqualTo(25);
    assertThat(scorer.score(pod("p", "2", "2Gi"), node)).isZero();
  }
}
