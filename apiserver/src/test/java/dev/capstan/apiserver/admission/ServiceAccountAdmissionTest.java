package dev.capstan.apiserver.admission;

import static org.assertj.core.api.Assertions.assertThat;

import dev.capstan.api.core.v1.Container;
import dev.capstan.api.core.v1.EmptyDirVolumeSource;
import dev.capstan.api.core.v1.Pod;
import dev.capstan.api.core.v1.PodSpec;
import dev.capstan.api.core.v1.ServiceAccount;
import dev.capstan.api.core.v1.Volume;
import dev.capstan.api.core.v1.VolumeMount;
import dev.capstan.api.core.v1.VolumeProjection;
import dev.capstan.api.meta.v1.ObjectMeta;
import dev.capstan.client.Kinds;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The token volume ServiceAccount admission adds to pods, and when it adds none. */
class ServiceAccountAdmissionTest {
  private static final String PATH = ServiceAccountAdmission.TOKEN_MOUNT_PATH;
  private final Map<String, ServiceAccount> serviceAccounts = new HashMap<>();
  private final ServiceAccountAdmission admission = new ServiceAccountAdmission(
      (ns, name) -> Optional.ofNullable(serviceAccounts.get(ns + "/" + name)), new Random(7));

  private static Pod pod(PodSpec.Builder spec) {
    return Pod.newBuilder().setMetadata(ObjectMeta.newBuilder().setNamespace("team").setName("p")).setSpec(spec)
        .build();
  }

  private static PodSpec.Builder twoContainersAndAnInit() {
    return PodSpec.newBuilder()
        .addInitContainers(Container.newBuilder().setName("init").setImage("busybox"))
        .addContainers(Container.newBuilder().setName("web").setImage("nginx"))
        .addContainers(Container.newBuilder().setName("side").setImage("busybox"));
  }

  private Pod admit(Pod pod) {
    return admission.mutate(Kinds.POD, pod);
  }

  private static List<String> mountedAt(Container c, String path) {
    return c.getVolumeMountsList().stream().filter(m -> m.getMountPath().equals(path)).map(VolumeMount::getName)
        .toList();
  }

  @Test
  void everyContainerGetsTheTokenVolumeReadOnly() {
    Pod pod = admit(pod(twoContainersAndAnInit()));

    assertThat(pod.getSpec().getServiceAccountName()).isEqualTo("default");
    Volume volume = pod.getSpec().getVolumes(0);
    assertThat(volume.getName()).matches("kube-api-access-[bcdfghjklmnpqrstvwxz2456789]{5}");
    List<VolumeProjection> sources = volume.getProjected().getSourcesList();
    assertThat(sources).hasSize(3);
    assertThat(sources.get(0).getServiceAccountToken().getExpirationSeconds()).isEqualTo(3607);
    assertThat(sources.get(0).getServiceAccountToken().getPath()).isEqualTo("token");
    assertThat(sources.get(1).getConfigMap().getName()).isEqualTo("kube-root-ca.crt");
    assertThat(sources.get(1).getConfigMap().getItems(0).getKey()).isEqualTo("ca.crt");
    assertThat(sources.get(2).getDownwardApi().getItems(0).getFieldRef().getFieldPath())
        .isEqualTo("metadata.namespace");
    assertThat(sources.get(2).getDownwardApi().getItems(0).getPath()).isEqualTo("namespace");
    for (Container c : concat(pod)) {
      assertThat(mountedAt(c, PATH)).as(c.getName()).containsExactly(volume.getName());
      assertThat(c.getVolumeMountsList()).allMatch(VolumeMount::getReadOnly);
    }
  }

  @Test
  void automountFalseOnThePodMountsNothing() {
    Pod pod = admit(pod(twoContainersAndAnInit().setAutomountServiceAccountToken(false)));
    assertThat(pod.getSpec().getVolumesList()).isEmpty();
    assertThat(concat(pod)).allMatch(c -> c.getVolumeMountsCount() == 0);
  }

  @Test
  void automountFalseOnTheServiceAccountMountsNothingUnlessThePodAsks() {
    serviceAccounts.put("team/robot", ServiceAccount.newBuilder()
        .setMetadata(ObjectMeta.newBuilder().setNamespace("team").setName("robot"))
        .setAutomountServiceAccountToken(false).build());
    assertThat(admit(pod(twoContainersAndAnInit().setServiceAccountName("robot"))).getSpec().getVolumesList())
        .isEmpty();
    // The pod's own setting wins over its ServiceAccount's.
    assertThat(admit(pod(twoContainersAndAnInit().setServiceAccountName("robot")
        .setAutomountServiceAccountToken(true))).getSpec().getVolumesList()).hasSize(1);
  }

  @Test
  void aContainerThatMountsSomethingAtThePathKeepsItsOwnMount() {
    PodSpec.Builder spec = twoContainersAndAnInit()
        .addVolumes(Volume.newBuilder().setName("mine").setEmptyDir(EmptyDirVolumeSource.getDefaultInstance()));
    spec.getContainersBuilder(0).addVolumeMounts(VolumeMount.newBuilder().setName("mine").setMountPath(PATH));
    Pod pod = admit(pod(spec));

    String token = pod.getSpec().getVolumes(1).getName();
    assertThat(token).startsWith("kube-api-access-");
    assertThat(mountedAt(pod.getSpec().getContainers(0), PATH)).containsExactly("mine");
    assertThat(mountedAt(pod.getSpec().getContainers(1), PATH)).containsExactly(token);
    assertThat(mountedAt(pod.getSpec().getInitContainers(0), PATH)).containsExactly(token);
  }

  @Test
  void aPodThatAlreadyHasATokenVolumeGetsNoSecond() {
    Pod once = admit(pod(twoContainersAndAnInit()));
    Pod twice = admit(once);
    assertThat(twice).isEqualTo(once);
  }

  @Test
  void otherKindsAreLeftAlone() {
    ServiceAccount sa = ServiceAccount.newBuilder().setMetadata(ObjectMeta.newBuilder().setName("x")).build();
    assertThat(admission.mutate(Kinds.SERVICE_ACCOUNT, sa)).isSameAs(sa);
  }

  private static List<Container> concat(Pod pod) {
    return java.util.stream.Stream.concat(pod.getSpec().getInitContainersList().stream(),
        pod.getSpec().getContainersList().stream()).toList();
  }
}
