package dev.capstan.controllers.podgc;

import static dev.capstan.controllers.TestObjects.T0;
import static dev.capstan.controllers.TestObjects.pod;
import static dev.capstan.controllers.TestObjects.scheduled;
import static org.assertj.core.api.Assertions.assertThat;

import dev.capstan.api.core.v1.Node;
import dev.capstan.api.core.v1.NodeCondition;
import dev.capstan.api.core.v1.NodeSpec;
import dev.capstan.api.core.v1.NodeStatus;
import dev.capstan.api.core.v1.Pod;
import dev.capstan.api.core.v1.Taint;
import dev.capstan.api.meta.v1.ObjectMeta;
import dev.capstan.controllers.framework.ProtoTime;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class PodGcPlanTest {
  private static Node node(String name, String ready, String... taints) {
    NodeSpec.Builder spec = NodeSpec.newBuilder();
    for (String key : taints) {
      spec.addTaints(Taint.newBuilder().setKey(key).setEffect("NoExecute"));
    }
    return Node.newBuilder().setMetadata(ObjectMeta.newBuilder().setName(name)).setSpec(spec)
        .setStatus(NodeStatus.newBuilder().addConditions(NodeCondition.newBuilder().setType("Ready").setStatus(ready)))
        .build();
  }

  private static Pod terminating(Pod pod) {
    return pod.toBuilder().setMetadata(pod.getMetadata().toBuilder().setDeletionTimestamp(ProtoTime.toTimestamp(T0)))
        .build();
  }

  private static Pod finished(String name, Duration age, String phase) {
    Pod pod = scheduled(pod(name, T0.minus(age)), "n1");
    return pod.toBuilder().setStatus(pod.getStatus().toBuilder().setPhase(phase)).build();
  }

  private static List<String> names(List<Pod> pods) {
    return pods.stream().map(p -> p.getMetadata().getName()).toList();
  }

  @Test
  void nodesThatBoundPodsNameButTheCacheDoesNotHoldAreMissing() {
    PodGcPlan plan = PodGcPlan.of(List.of(scheduled(pod("a", T0), "gone"), scheduled(pod("b", T0), "n1"),
        pod("pending", T0)), List.of(node("n1", "True")), 0);
    assertThat(plan.missingNodes()).containsExactly("gone");
  }

  @Test
  void terminatingPodsOnANotReadyOutOfServiceNodeAreForceDeleted() {
    Pod onDead = terminating(scheduled(pod("on-dead", T0), "dead"));
    Pod runningOnDead = scheduled(pod("running-on-dead", T0), "dead");
    Pod onReadyTainted = terminating(scheduled(pod("on-ready", T0), "ready-tainted"));
    Pod onNotReady = terminating(scheduled(pod("on-not-ready", T0), "not-ready"));
    Pod onUnknown = terminating(scheduled(pod("on-unknown", T0), "unknown"));
    PodGcPlan plan = PodGcPlan.of(List.of(onDead, runningOnDead, onReadyTainted, onNotReady, onUnknown),
        List.of(node("dead", "False", PodGcPlan.OUT_OF_SERVICE), node("ready-tainted", "True", PodGcPlan.OUT_OF_SERVICE),
            node("not-ready", "False", "node.kubernetes.io/not-ready"),
            node("unknown", "Unknown", PodGcPlan.OUT_OF_SERVICE)), 0);
    assertThat(names(plan.outOfService())).containsExactly("on-dead", "on-unknown");
    assertThat(plan.unscheduledTerminating()).isEmpty();
  }

  @Test
  void terminatingPodsBoundToNoNodeAreForceDeleted() {
    PodGcPlan plan = PodGcPlan.of(List.of(terminating(pod("never-scheduled", T0)), pod("pending", T0)), List.of(), 0);
    assertThat(names(plan.unscheduledTerminating())).containsExactly("never-scheduled");
    assertThat(plan.missingNodes()).isEmpty();
  }

  @Test
  void finishedPodsBeyondTheThresholdGoOldestFirst() {
    List<Pod> pods = List.of(finished("new", Duration.ofMinutes(1), "Succeeded"),
        finished("oldest", Duration.ofHours(3), "Failed"), finished("old", Duration.ofHours(2), "Succeeded"),
        finished("middle", Duration.ofHours(1), "Succeeded"), scheduled(pod("running", T0.minus(Duration.ofDays(1))), "n1"));
    List<Node> nodes = List.of(node("n1", "True"));

    assertThat(names(PodGcPlan.of(pods, nodes, 2).terminatedOverThreshold())).containsExactly("oldest", "old");
    assertThat(PodGcPlan.of(pods, nodes, 4).terminatedOverThreshold()).isEmpty();
    assertThat(PodGcPlan.of(pods, nodes, 0).terminatedOverThreshold()).as("0: the threshold is off").isEmpty();
    assertThat(PodGcPlan.of(pods, nodes, -1).terminatedOverThreshold()).isEmpty();
  }

  @Test
  void aPodIsPlannedOnce() {
    // Finished, then deleted before it was ever bound: force-deleted as unscheduled, not counted as finished.
    Pod done = terminating(pod("done", T0.minus(Duration.ofHours(3)))).toBuilder()
        .setStatus(pod("done", T0).getStatus().toBuilder().setPhase("Succeeded")).build();
    PodGcPlan plan = PodGcPlan.of(List.of(done, finished("other", Duration.ofHours(2), "Failed")),
        List.of(node("n1", "True")), 1);
    assertThat(names(plan.unscheduledTerminating())).containsExactly("done");
    assertThat(plan.terminatedOverThreshold()).isEmpty();
    assertThat(PodGcPlan.of(List.of(), List.of(), 1).isEmpty()).isTrue();
  }
}
