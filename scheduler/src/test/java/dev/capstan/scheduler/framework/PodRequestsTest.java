package dev.capstan.scheduler.framework;

import static dev.capstan.scheduler.TestObjects.pod;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.capstan.api.core.v1.Container;
import dev.capstan.api.core.v1.Pod;
import dev.capstan.api.core.v1.ResourceRequirements;
import org.junit.jupiter.api.Test;

class PodRequestsTest {
  private static Container container(String cpu, String memory) {
    ResourceRequirements.Builder r = ResourceRequirements.newBuilder();
    if (cpu != null) {
      r.putRequests("cpu", cpu);
    }
    if (memory != null) {
      r.putRequests("memory", memory);
    }
    return Container.newBuilder().setName("c").setResources(r).build();
  }

  @Test
  void sumsTheContainersRequests() {
    Pod p = pod("p", "250m", "64Mi");
    p = p.toBuilder().setSpec(p.getSpec().toBuilder().addContainers(container("1", "1Gi"))).build();

    assertThat(PodRequests.of(p)).isEqualTo(new Resource(1250, 64L * 1024 * 1024 + 1024L * 1024 * 1024));
  }

  @Test
  void anInitContainerCountsWhenItNeedsMoreThanAllRegularContainersTogether() {
    Pod p = pod("p", "500m", "100Mi");
    p = p.toBuilder().setSpec(p.getSpec().toBuilder()
        .addInitContainers(container("2", "10Mi"))
        .addInitContainers(container("100m", "300Mi"))).build();

    // cpu: max(500m, 2000m, 100m); memory: max(100Mi, 10Mi, 300Mi), per resource.
    assertThat(PodRequests.of(p)).isEqualTo(new Resource(2000, 300L * 1024 * 1024));
  }

  @Test
  void aContainerWithoutRequestsAsksForNothingButScoresWithDefaults() {
    Pod p = pod("p", null, null);

    assertThat(PodRequests.of(p)).isEqualTo(Resource.ZERO);
    assertThat(PodRequests.nonZeroOf(p)).isEqualTo(new Resource(100, 200L * 1024 * 1024));
    assertThat(PodRequests.nonZeroOf(pod("q", "2", null))).isEqualTo(new Resource(2000, 200L * 1024 * 1024));
  }

  @Test
  void aMalformedQuantityNamesTheField() {
    Pod p = pod("p", "100m", "64Mi");
    p = p.toBuilder().setSpec(p.getSpec().toBuilder().addInitContainers(container("lots", null))).build();
    Pod bad = p;

    assertThatThrownBy(() -> PodRequests.of(bad))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("spec.initContainers[0].resources.requests.cpu: invalid quantity \"lots\"");
  }
}
