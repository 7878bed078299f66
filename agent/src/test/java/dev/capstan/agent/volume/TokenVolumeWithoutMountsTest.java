package dev.capstan.agent.volume;

import static org.assertj.core.api.Assertions.assertThat;

import dev.capstan.api.core.v1.Container;
import dev.capstan.api.core.v1.EmptyDirVolumeSource;
import dev.capstan.api.core.v1.Pod;
import dev.capstan.api.core.v1.PodSpec;
import dev.capstan.api.core.v1.ProjectedVolumeSource;
import dev.capstan.api.core.v1.Volume;
import dev.capstan.api.core.v1.VolumeMount;
import org.junit.jupiter.api.Test;

class TokenVolumeWithoutMountsTest {
  private static VolumeMount mount(String volume, String path) {
    return VolumeMount.newBuilder().setName(volume).setMountPath(path).build();
  }

  @Test
  void theAdmissionMadeTokenVolumeAndItsMountsGoAndTheAuthorsVolumesStay() {
    Pod pod = Pod.newBuilder().setSpec(PodSpec.newBuilder()
        .addVolumes(Volume.newBuilder().setName("cache").setEmptyDir(EmptyDirVolumeSource.getDefaultInstance()))
        .addVolumes(Volume.newBuilder().setName("kube-api-access-abcde")
            .setProjected(ProjectedVolumeSource.getDefaultInstance()))
        .addInitContainers(Container.newBuilder().setName("init")
            .addVolumeMounts(mount("kube-api-access-abcde", TokenVolumeWithoutMounts.TOKEN_MOUNT_PATH)))
        .addContainers(Container.newBuilder().setName("app").addVolumeMounts(mount("cache", "/cache"))
            .addVolumeMounts(mount("kube-api-access-abcde", TokenVolumeWithoutMounts.TOKEN_MOUNT_PATH))))
        .build();

    Pod stripped = TokenVolumeWithoutMounts.strip(pod);

    assertThat(stripped.getSpec().getVolumesList()).extracting(Volume::getName).containsExactly("cache");
    assertThat(stripped.getSpec().getInitContainers(0).getVolumeMountsList()).isEmpty();
    assertThat(stripped.getSpec().getContainers(0).getVolumeMountsList()).containsExactly(mount("cache", "/cache"));
    Pod plain = Pod.newBuilder().setSpec(PodSpec.newBuilder().addContainers(Container.newBuilder().setName("a")))
        .build();
    assertThat(TokenVolumeWithoutMounts.strip(plain)).isSameAs(plain);
  }
}
