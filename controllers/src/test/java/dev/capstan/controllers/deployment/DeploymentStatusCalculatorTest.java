package dev.capstan.controllers.deployment;

import static dev.capstan.controllers.TestObjects.T0;
import static dev.capstan.controllers.TestObjects.replicaSet;
import static dev.capstan.controllers.TestObjects.rollingDeployment;
import static org.assertj.core.api.Assertions.assertThat;

import dev.capstan.api.apps.v1.Deployment;
import dev.capstan.api.apps.v1.DeploymentCondition;
import dev.capstan.api.apps.v1.DeploymentStatus;
import dev.capstan.api.apps.v1.ReplicaSet;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class DeploymentStatusCalculatorTest {
  private static DeploymentCondition condition(DeploymentStatus s, String type) {
    return DeploymentConditions.get(s, type).orElseThrow();
  }

  @Test
  void sumsTheReplicaSetsAndReportsAvailability() {
    Deployment d = rollingDeployment(4, "1", "1");
    ReplicaSet old = replicaSet("old", 2, 2, T0, 1);
    ReplicaSet newRs = replicaSet("new", 3, 1, T0.plusSeconds(5), 2);
    DeploymentStatus s = DeploymentStatusCalculator.status(d, List.of(old, newRs), Optional.of(newRs), T0);
    assertThat(s.getReplicas()).isEqualTo(5);
    assertThat(s.getUpdatedReplicas()).isEqualTo(3);
    assertThat(s.getReadyReplicas()).isEqualTo(3);
    assertThat(s.getAvailableReplicas()).isEqualTo(3);
    assertThat(s.getUnavailableReplicas()).isEqualTo(2);
    assertThat(s.getObservedGeneration()).isEqualTo(1);
    assertThat(condition(s, "Available").getStatus()).isEqualTo("True");
    assertThat(condition(s, "Available").getReason()).isEqualTo("MinimumReplicasAvailable");

    ReplicaSet down = replicaSet("new", 4, 2, T0, 2);
    DeploymentStatus low = DeploymentStatusCalculator.status(d, List.of(down), Optional.of(down), T0);
    assertThat(condition(low, "Available").getStatus()).isEqualTo("False");
  }

  @Test
  void aCompleteRolloutReportsNewReplicaSetAvailable() {
    Deployment d = rollingDeployment(3, "1", "0");
    ReplicaSet newRs = replicaSet("web-abc", 3, 3, T0, 2);
    DeploymentStatus s = DeploymentStatusCalculator.rolloutStatus(d, List.of(newRs), Optional.of(newRs), T0);
    assertThat(DeploymentStatusCalculator.isComplete(d, s)).isTrue();
    DeploymentCondition progressing = condition(s, "Progressing");
    assertThat(progressing.getStatus()).isEqualTo("True");
    assertThat(progressing.getReason()).isEqualTo("NewReplicaSetAvailable");
    assertThat(progressing.getMessage()).contains("web-abc");
  }

  @Test
  void progressRefreshesTheConditionAndStallingTimesOut() {
    Deployment d = rollingDeployment(3, "1", "0");
    d = d.toBuilder().setSpec(d.getSpec().toBuilder().setProgressDeadlineSeconds(60)).build();
    ReplicaSet old = replicaSet("old", 3, 3, T0, 1);
    ReplicaSet newRs = replicaSet("new", 1, 1, T0, 2);
    DeploymentStatus moving = DeploymentStatusCalculator.rolloutStatus(d, List.of(old, newRs), Optional.of(newRs), T0);
    assertThat(condition(moving, "Progressing").getReason()).isEqualTo("ReplicaSetUpdated");

    Deployment recorded = d.toBuilder().setStatus(moving).build();
    DeploymentStatus stillWithin = DeploymentStatusCalculator.rolloutStatus(recorded, List.of(old, newRs),
        Optional.of(newRs), T0.plusSeconds(60));
    assertThat(condition(stillWithin, "Progressing").getReason()).isEqualTo("ReplicaSetUpdated");
    assertThat(DeploymentStatusCalculator.untilDeadline(recorded, stillWithin, T0.plusSeconds(30)))
        .contains(Duration.ofSeconds(31));

    DeploymentStatus late = DeploymentStatusCalculator.rolloutStatus(recorded, List.of(old, newRs),
        Optional.of(newRs), T0.plusSeconds(61));
    assertThat(condition(late, "Progressing").getStatus()).isEqualTo("False");
    assertThat(condition(late, "Progressing").getReason()).isEqualTo("ProgressDeadlineExceeded");
  }

  @Test
  void settingAConditionWithTheSameReasonChangesNothing() {
    DeploymentStatus s = DeploymentConditions.set(DeploymentStatus.getDefaultInstance(),
        DeploymentConditions.newCondition("Available", "True", "MinimumReplicasAvailable", "m", T0));
    DeploymentStatus again = DeploymentConditions.set(s,
        DeploymentConditions.newCondition("Available", "True", "MinimumReplicasAvailable", "m", T0.plusSeconds(9)));
    assertThat(again).isEqualTo(s);
    DeploymentStatus newReason = DeploymentConditions.set(s,
        DeploymentConditions.newCondition("Available", "True", "Other", "m", T0.plusSeconds(9)));
    assertThat(condition(newReason, "Available").getLastTransitionTime())
        .isEqualTo(condition(s, "Available").getLastTransitionTime());
    assertThat(newReason.getConditionsCount()).isEqualTo(1);
  }

  @Test
  void pausingAndResumingSetTheProgressingCondition() {
    Deployment d = rollingDeployment(3, "1", "0");
    Deployment paused = d.toBuilder().setSpec(d.getSpec().toBuilder().setPaused(true)).build();
    DeploymentStatus s = DeploymentStatusCalculator.pausedConditionUpdate(paused, T0).orElseThrow();
    assertThat(condition(s, "Progressing").getReason()).isEqualTo("DeploymentPaused");
    Deployment recorded = paused.toBuilder().setStatus(s).build();
    assertThat(DeploymentStatusCalculator.pausedConditionUpdate(recorded, T0)).isEmpty();
    Deployment resumed = recorded.toBuilder().setSpec(recorded.getSpec().toBuilder().setPaused(false)).build();
    assertThat(condition(DeploymentStatusCalculator.pausedConditionUpdate(resumed, T0).orElseThrow(), "Progressing")
        .getReason()).isEqualTo("DeploymentResumed");
  }
}
