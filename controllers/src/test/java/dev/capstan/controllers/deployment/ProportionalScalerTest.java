package dev.capstan.controllers.deployment;

import static dev.capstan.controllers.TestObjects.T0;
import static dev.capstan.controllers.TestObjects.replicaSet;
import static dev.capstan.controllers.TestObjects.rollingDeployment;
import static dev.capstan.controllers.TestObjects.withAnnotations;
import static org.assertj.core.api.Assertions.assertThat;

import dev.capstan.api.apps.v1.Deployment;
import dev.capstan.api.apps.v1.ReplicaSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class ProportionalScalerTest {
  private static Map<String, Integer> sizes(List<ScaleTarget> targets) {
    return targets.stream().collect(Collectors.toMap(ScaleTarget::name, ScaleTarget::replicas));
  }

  private static ReplicaSet annotated(ReplicaSet rs, int desired, int max) {
    return withAnnotations(rs, Map.of(DeploymentAnnotations.DESIRED_REPLICAS, Integer.toString(desired),
        DeploymentAnnotations.MAX_REPLICAS, Integer.toString(max)));
  }

  @Test
  void detectsAScalingEventThroughTheDesiredReplicasAnnotation() {
    ReplicaSet rs = annotated(replicaSet("a", 3, 3, T0, 1), 3, 4);
    assertThat(ProportionalScaler.isScalingEvent(rollingDeployment(3, "1", "0"), List.of(rs))).isFalse();
    assertThat(ProportionalScaler.isScalingEvent(rollingDeployment(5, "1", "0"), List.of(rs))).isTrue();
    // Scaled-down ReplicaSets do not count.
    ReplicaSet idle = annotated(replicaSet("b", 0, 0, T0, 1), 7, 8);
    assertThat(ProportionalScaler.isScalingEvent(rollingDeployment(3, "1", "0"), List.of(rs, idle))).isFalse();
  }

  @Test
  void aSingleActiveReplicaSetTakesAllReplicas() {
    ReplicaSet active = annotated(replicaSet("a", 3, 3, T0, 2), 3, 4);
    ReplicaSet idle = annotated(replicaSet("b", 0, 0, T0.minusSeconds(60), 1), 3, 4);
    assertThat(sizes(ProportionalScaler.scale(rollingDeployment(5, "1", "0"), Optional.of(active), List.of(idle))))
        .isEqualTo(Map.of("a", 5));
    assertThat(sizes(ProportionalScaler.scale(rollingDeployment(2, "1", "0"), Optional.of(active), List.of(idle))))
        .isEqualTo(Map.of("a", 2));
  }

  @Test
  void withNoActiveReplicaSetTheNewestTakesThem() {
    ReplicaSet older = replicaSet("older", 0, 0, T0, 1);
    ReplicaSet newer = replicaSet("newer", 0, 0, T0.plusSeconds(5), 2);
    assertThat(sizes(ProportionalScaler.scale(rollingDeployment(2, "1", "0"), Optional.empty(), List.of(older, newer))))
        .isEqualTo(Map.of("newer", 2));
  }

  @Test
  void aSaturatedNewReplicaSetRetiresTheOldOnes() {
    Deployment d = rollingDeployment(3, "1", "0");
    ReplicaSet newRs = replicaSet("new", 3, 3, T0.plusSeconds(5), 2);
    ReplicaSet old = replicaSet("old", 1, 1, T0, 1);
    assertThat(sizes(ProportionalScaler.scale(d, Optional.of(newRs), List.of(old)))).isEqualTo(Map.of("old", 0));
  }

  @Test
  void aRolloutInProgressIsScaledInProportion() {
    // 10 replicas with maxSurge 3 mid-rollout: old 8 + new 5 = 13. Scaled to 15: 18 allowed, 5 to add.
    Deployment d = rollingDeployment(15, "3", "0");
    ReplicaSet old = annotated(replicaSet("old", 8, 8, T0, 1), 10, 13);
    ReplicaSet newRs = annotated(replicaSet("new", 5, 0, T0.plusSeconds(5), 2), 10, 13);
    Map<String, Integer> sizes = sizes(ProportionalScaler.scale(d, Optional.of(newRs), List.of(old)));
    assertThat(sizes).isEqualTo(Map.of("old", 11, "new", 7));
  }

  @Test
  void scalingDownInProportionNeverGoesNegative() {
    Deployment d = rollingDeployment(2, "1", "0");
    ReplicaSet old = annotated(replicaSet("old", 6, 6, T0, 1), 10, 11);
    ReplicaSet newRs = annotated(replicaSet("new", 5, 0, T0.plusSeconds(5), 2), 10, 11);
    Map<String, Integer> sizes = sizes(ProportionalScaler.scale(d, Optional.of(newRs), List.of(old)));
    assertThat(sizes.values()).allMatch(n -> n >= 0);
    assertThat(sizes.values().stream().mapToInt(Integer::intValue).sum()).isEqualTo(3);
  }

  @Test
  void scalingToZeroEmptiesEveryReplicaSet() {
    Deployment d = rollingDeployment(0, "1", "0");
    ReplicaSet old = annotated(replicaSet("old", 2, 2, T0, 1), 3, 4);
    ReplicaSet newRs = annotated(replicaSet("new", 2, 0, T0.plusSeconds(5), 2), 3, 4);
    assertThat(sizes(ProportionalScaler.scale(d, Optional.of(newRs), List.of(old))))
        .isEqualTo(Map.of("old", 0, "new", 0));
  }
}
