package dev.capstan.controllers.statefulset;

import static dev.capstan.controllers.TestObjects.T0;
import static org.assertj.core.api.Assertions.assertThat;

import dev.capstan.api.core.v1.Pod;
import dev.capstan.controllers.TestObjects;
import dev.capstan.controllers.framework.ProtoTime;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StatefulSetPlanTest {
  private static Pod pod(int ordinal, String revision, boolean ready) {
    Pod p = TestObjects.pod("web-" + ordinal, T0);
    p = p.toBuilder().setMetadata(p.getMetadata().toBuilder().putLabels(StatefulPodFactory.REVISION_LABEL, revision))
        .build();
    return ready ? TestObjects.ready(p, T0) : p;
  }

  private static Pod terminating(Pod p) {
    return p.toBuilder().setMetadata(p.getMetadata().toBuilder().setDeletionTimestamp(ProtoTime.toTimestamp(T0)))
        .build();
  }

  private static Map<Integer, Pod> pods(Pod... pods) {
    Map<Integer, Pod> byOrdinal = new HashMap<>();
    for (Pod p : pods) {
      byOrdinal.put(StatefulPodFactory.ordinalOf("web", p.getMetadata().getName()).getAsInt(), p);
    }
    return byOrdinal;
  }

  private static StatefulSetPlan ordered(int replicas, Map<Integer, Pod> pods) {
    return StatefulSetPlan.of(replicas, true, true, 0, "r1", pods);
  }

  private static List<String> names(List<Pod> pods) {
    return pods.stream().map(p -> p.getMetadata().getName()).toList();
  }

  @Test
  void orderedReadyCreatesOnePodAtATimeAndWaitsForItToBeReady() {
    assertThat(ordered(3, pods()).ordinalsToCreate()).containsExactly(0);
    assertThat(ordered(3, pods(pod(0, "r1", false))).isEmpty()).as("0 is not ready yet").isTrue();
    assertThat(ordered(3, pods(pod(0, "r1", true))).ordinalsToCreate()).containsExactly(1);
    assertThat(ordered(3, pods(pod(0, "r1", true), pod(2, "r1", true))).ordinalsToCreate())
        .as("a gap is filled first").containsExactly(1);
    assertThat(ordered(3, pods(pod(0, "r1", true), pod(1, "r1", true), pod(2, "r1", true))).isEmpty()).isTrue();
  }

  @Test
  void parallelCreatesEveryMissingPodAtOnce() {
    StatefulSetPlan plan = StatefulSetPlan.of(4, false, true, 0, "r1", pods(pod(1, "r1", false)));
    assertThat(plan.ordinalsToCreate()).containsExactly(0, 2, 3);
  }

  @Test
  void orderedReadyScalesDownFromTheHighestOrdinalOneAtATime() {
    Map<Integer, Pod> four = pods(pod(0, "r1", true), pod(1, "r1", true), pod(2, "r1", true), pod(3, "r1", true));
    assertThat(names(ordered(2, four).podsToDelete())).containsExactly("web-3");
    four.put(3, terminating(four.get(3)));
    assertThat(ordered(2, four).isEmpty()).as("2 waits until 3 is gone").isTrue();
    four.remove(3);
    assertThat(names(ordered(2, four).podsToDelete())).containsExactly("web-2");
    four.put(1, pod(1, "r1", false));
    assertThat(ordered(1, four).isEmpty()).as("no scale-down while a remaining pod is unready").isTrue();
    assertThat(names(StatefulSetPlan.of(0, false, true, 0, "r1", four).podsToDelete()))
        .as("Parallel deletes all at once").containsExactly("web-2", "web-1", "web-0");
  }

  @Test
  void aRollingUpdateGoesFromTheHighestOrdinalDownToThePartition() {
    Map<Integer, Pod> old = pods(pod(0, "r0", true), pod(1, "r0", true), pod(2, "r0", true));
    assertThat(names(StatefulSetPlan.of(3, true, true, 0, "r1", old).podsToDelete())).containsExactly("web-2");
    old.remove(2);
    assertThat(StatefulSetPlan.of(3, true, true, 0, "r1", old).ordinalsToCreate()).containsExactly(2);
    old.put(2, pod(2, "r1", false));
    assertThat(StatefulSetPlan.of(3, true, true, 0, "r1", old).isEmpty()).as("the new 2 is not ready").isTrue();
    old.put(2, pod(2, "r1", true));
    assertThat(names(StatefulSetPlan.of(3, true, true, 0, "r1", old).podsToDelete())).containsExactly("web-1");
    assertThat(StatefulSetPlan.of(3, true, true, 2, "r1", old).isEmpty()).as("partition 2: done").isTrue();
    assertThat(StatefulSetPlan.of(3, true, false, 0, "r1", old).isEmpty()).as("OnDelete").isTrue();
  }

  @Test
  void aFailedPodIsDeletedToBeCreatedAgain() {
    Pod failed = pod(0, "r1", false);
    failed = failed.toBuilder().setStatus(failed.getStatus().toBuilder().setPhase("Failed")).build();
    assertThat(names(ordered(2, pods(failed, pod(1, "r1", true))).podsToDelete())).containsExactly("web-0");
  }

  @Test
  void ordinalsComeOnlyFromNamesOfTheSet() {
    assertThat(StatefulPodFactory.ordinalOf("web", "web-12")).hasValue(12);
    assertThat(StatefulPodFactory.ordinalOf("web", "web-")).isEmpty();
    assertThat(StatefulPodFactory.ordinalOf("web", "web-01")).isEmpty();
    assertThat(StatefulPodFactory.ordinalOf("web", "web-x")).isEmpty();
    assertThat(StatefulPodFactory.ordinalOf("web", "webapp-1")).isEmpty();
    assertThat(StatefulPodFactory.ordinalOf("web", "web-1-2")).isEmpty();
  }
}
