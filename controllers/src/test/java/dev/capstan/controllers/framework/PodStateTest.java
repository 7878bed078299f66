package dev.capstan.controllers.framework;

import static dev.capstan.controllers.TestObjects.T0;
import static dev.capstan.controllers.TestObjects.pod;
import static dev.capstan.controllers.TestObjects.ready;
import static dev.capstan.controllers.TestObjects.running;
import static org.assertj.core.api.Assertions.assertThat;

import dev.capstan.api.core.v1.Pod;
import org.junit.jupiter.api.Test;

class PodStateTest {
  @Test
  void activeMeansNeitherTerminatingNorTerminal() {
    Pod p = pod("a", T0);
    assertThat(PodState.isActive(p)).isTrue();
    assertThat(PodState.isActive(p.toBuilder().setMetadata(p.getMetadata().toBuilder()
        .setDeletionTimestamp(ProtoTime.toTimestamp(T0))).build())).isFalse();
    assertThat(PodState.isActive(p.toBuilder().setStatus(p.getStatus().toBuilder().setPhase("Succeeded")).build()))
        .isFalse();
    assertThat(PodState.isActive(p.toBuilder().setStatus(p.getStatus().toBuilder().setPhase("Failed")).build()))
        .isFalse();
  }

  @Test
  void availableAfterMinReadySeconds() {
    Pod p = ready(pod("a", T0), T0);
    assertThat(PodState.isReady(running(pod("b", T0)))).isFalse();
    assertThat(PodState.isAvailable(p, 0, T0)).isTrue();
    assertThat(PodState.isAvailable(p, 10, T0.plusSeconds(10))).isFalse();
    assertThat(PodState.isAvailable(p, 10, T0.plusSeconds(11))).isTrue();
    assertThat(PodState.isAvailable(running(pod("b", T0)), 0, T0)).isFalse();
  }
}
