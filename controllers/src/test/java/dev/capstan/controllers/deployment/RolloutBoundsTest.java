package dev.capstan.controllers.deployment;

import static dev.capstan.controllers.TestObjects.deployment;
import static dev.capstan.controllers.TestObjects.rollingDeployment;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.capstan.api.apps.v1.DeploymentStrategy;
import org.junit.jupiter.api.Test;

class RolloutBoundsTest {
  @Test
  void percentagesResolveAgainstReplicasSurgeUpUnavailableDown() {
    assertThat(RolloutBounds.of(rollingDeployment(10, "25%", "25%"))).isEqualTo(new RolloutBounds(3, 2));
    assertThat(RolloutBounds.of(rollingDeployment(3, "25%", "25%"))).isEqualTo(new RolloutBounds(1, 0));
    assertThat(RolloutBounds.of(rollingDeployment(1, "50%", "50%"))).isEqualTo(new RolloutBounds(1, 0));
  }

  @Test
  void absoluteValuesAreTakenAsTheyAre() {
    assertThat(RolloutBounds.of(rollingDeployment(3, "1", "0"))).isEqualTo(new RolloutBounds(1, 0));
    assertThat(RolloutBounds.of(rollingDeployment(5, "0", "2"))).isEqualTo(new RolloutBounds(0, 2));
  }

  @Test
  void bothZeroAllowsOneUnavailableSoTheRolloutCanMove() {
    assertThat(RolloutBounds.of(rollingDeployment(3, "0", "0"))).isEqualTo(new RolloutBounds(0, 1));
    assertThat(RolloutBounds.of(rollingDeployment(3, "0%", "10%"))).isEqualTo(new RolloutBounds(0, 1));
  }

  @Test
  void maxUnavailableIsCappedAtReplicas() {
    assertThat(RolloutBounds.of(rollingDeployment(2, "1", "5"))).isEqualTo(new RolloutBounds(1, 2));
    assertThat(RolloutBounds.of(rollingDeployment(0, "1", "1"))).isEqualTo(new RolloutBounds(1, 0));
  }

  @Test
  void unsetValuesMeanTwentyFivePercent() {
    assertThat(RolloutBounds.of(rollingDeployment(8, "", ""))).isEqualTo(new RolloutBounds(2, 2));
  }

  @Test
  void recreateHasNoBounds() {
    assertThat(RolloutBounds.of(deployment(3, DeploymentStrategy.newBuilder().setType("Recreate").build())))
        .isEqualTo(new RolloutBounds(0, 0));
  }

  @Test
  void invalidValuesNameTheField() {
    assertThatThrownBy(() -> RolloutBounds.of(rollingDeployment(3, "lots", "0")))
        .hasMessageStartingWith("spec.strategy.rollingUpdate.maxSurge: invalid value \"lots\"");
    assertThatThrownBy(() -> RolloutBounds.of(rollingDeployment(3, "1", "-1")))
        .hasMessageStartingWith("spec.strategy.rollingUpdate.maxUnavailable");
    assertThatThrownBy(() -> RolloutBounds.of(deployment(3, DeploymentStrategy.newBuilder().setType("BlueGreen").build())))
        .hasMessageStartingWith("spec.strategy.type");
  }
}
