package dev.capstan.bench.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.capstan.api.core.v1.Pod;
import dev.capstan.apiserver.admission.ServiceAccountAdmission;
import org.junit.jupiter.api.Test;

class ObjectFootprintTest {

  @Test
  void measuresThePodAsACreateStoresItWithDefaultsAndTheTokenVolume() {
    Pod pod = ObjectFootprint.storedPod();
    assertThat(pod.getSpec().getVolumesList()).singleElement()
        .satisfies(v -> assertThat(v.getName()).startsWith(ServiceAccountAdmission.TOKEN_VOLUME_PREFIX));
    assertThat(pod.getSpec().getContainers(0).getVolumeMountsList()).hasSize(1);
    assertThat(pod.getSpec().getTolerationsList()).hasSize(2);
    assertThat(pod.getSpec().getDnsPolicy()).isEqualTo("ClusterFirst");
    assertThat(pod.getSpec().getSchedulerName()).isEqualTo(BenchPods.SCHEDULER);
  }
}
