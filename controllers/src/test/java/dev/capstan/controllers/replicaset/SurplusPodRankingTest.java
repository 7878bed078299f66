package dev.capstan.controllers.replicaset;

import static dev.capstan.controllers.TestObjects.T0;
import static dev.capstan.controllers.TestObjects.pod;
import static dev.capstan.controllers.TestObjects.ready;
import static dev.capstan.controllers.TestObjects.running;
import static dev.capstan.controllers.TestObjects.scheduled;
import static org.assertj.core.api.Assertions.assertThat;

import dev.capstan.api.core.v1.ContainerStatus;
import dev.capstan.api.core.v1.Pod;
import java.util.List;
import org.junit.jupiter.api.Test;

class SurplusPodRankingTest {
  @Test
  void ranksUnscheduledThenPendingThenNotReadyThenReady() {
    Pod readyPod = ready(scheduled(pod("ready", T0), "n1"), T0);
    Pod notReady = running(scheduled(pod("not-ready", T0), "n1"));
    Pod pending = scheduled(pod("pending", T0), "n1");
    Pod unscheduled = pod("unscheduled", T0);
    List<Pod> order = SurplusPodRanking.firstToDelete(List.of(readyPod, notReady, pending, unscheduled), 4);
    assertThat(order).extracting(p -> p.getMetadata().getName())
        .containsExactly("unscheduled", "pending", "not-ready", "ready");
  }

  @Test
  void amongReadyPodsTheOneReadyForTheShortestTimeGoesFirst() {
    Pod longReady = ready(scheduled(pod("long", T0), "n1"), T0.plusSeconds(10));
    Pod justReady = ready(scheduled(pod("just", T0), "n1"), T0.plusSeconds(100));
    assertThat(SurplusPodRanking.firstToDelete(List.of(longReady, justReady), 1))
        .extracting(p -> p.getMetadata().getName()).containsExactly("just");
  }

  @Test
  void moreRestartsGoFirstThenNewerPods() {
    Pod older = running(scheduled(pod("older", T0), "n1"));
    Pod newer = running(scheduled(pod("newer", T0.plusSeconds(60)), "n1"));
    Pod crashy = running(scheduled(pod("crashy", T0), "n1"));
    crashy = crashy.toBuilder().setStatus(crashy.getStatus().toBuilder()
        .addContainerStatuses(ContainerStatus.newBuilder().setName("main").setRestartCount(5))).build();
    assertThat(SurplusPodRanking.firstToDelete(List.of(older, newer, crashy), 3))
        .extracting(p -> p.getMetadata().getName()).containsExactly("crashy", "newer", "older");
  }

  @Test
  void takesNoMoreThanThereAre() {
    assertThat(SurplusPodRanking.firstToDelete(List.of(pod("a", T0)), 5)).hasSize(1);
  }
}
