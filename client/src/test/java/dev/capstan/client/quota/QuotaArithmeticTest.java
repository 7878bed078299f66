package dev.capstan.client.quota;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.capstan.api.apps.v1.Deployment;
import dev.capstan.api.core.v1.ConfigMap;
import dev.capstan.api.core.v1.Container;
import dev.capstan.api.core.v1.Pod;
import dev.capstan.api.core.v1.PodSpec;
import dev.capstan.api.core.v1.PodStatus;
import dev.capstan.api.core.v1.ResourceRequirements;
import dev.capstan.client.Kinds;
import java.util.Map;
import org.junit.jupiter.api.Test;

class QuotaArithmeticTest {
  private static Container container(String name, Map<String, String> requests, Map<String, String> limits) {
    return Container.newBuilder().setName(name).setImage("busybox")
        .setResources(ResourceRequirements.newBuilder().putAllRequests(requests).putAllLimits(limits)).build();
  }

  @Test
  void aPodCountsItselfAndItsRequestsAndLimits() {
    Pod pod = Pod.newBuilder().setSpec(PodSpec.newBuilder()
        .addContainers(container("a", Map.of("cpu", "250m", "memory", "64Mi"), Map.of("cpu", "500m")))
        .addContainers(container("b", Map.of(), Map.of("cpu", "1", "memory", "128Mi")))  // requests default to limits
        .addInitContainers(container("init", Map.of("cpu", "2"), Map.of()))).build();
    ResourceList used = QuotaUsage.of(Kinds.POD, pod);
    assertThat(used.toStrings()).containsEntry("pods", "1").containsEntry("count/pods", "1")
        .containsEntry("requests.cpu", "2")  // the init container's 2 is more than 250m + 1
        .containsEntry("cpu", "2")
        .containsEntry("requests.memory", "192Mi")
        .containsEntry("limits.cpu", "1500m")
        .containsEntry("limits.memory", "128Mi");
    assertThat(QuotaUsage.containersMissing(pod, "limits.memory")).containsExactly("init", "a");
    assertThat(QuotaUsage.containersMissing(pod, "pods")).isEmpty();
  }

  @Test
  void aFinishedPodCountsNothing() {
    Pod done = Pod.newBuilder().setStatus(PodStatus.newBuilder().setPhase("Succeeded")).build();
    assertThat(QuotaUsage.of(Kinds.POD, done).amounts()).isEmpty();
  }

  @Test
  void otherKindsCountByTheirCountNameAndLegacyName() {
    assertThat(QuotaUsage.of(Kinds.CONFIG_MAP, ConfigMap.getDefaultInstance()).toString())
        .isEqualTo("configmaps=1,count/configmaps=1");
    assertThat(QuotaUsage.of(Kinds.DEPLOYMENT, Deployment.getDefaultInstance()).toString())
        .isEqualTo("count/deployments.apps=1");
  }

  @Test
  void exceedingAQuotaNamesOnlyTheResourcesThatGoOver() {
    ResourceList hard = ResourceList.parse(Map.of("pods", "2", "requests.cpu", "1", "limits.memory", "1Gi"), "spec.hard");
    ResourceList used = ResourceList.parse(Map.of("pods", "2", "requests.cpu", "500m"), "status.used");
    ResourceList requested = ResourceList.parse(Map.of("pods", "1", "count/pods", "1", "requests.cpu", "250m"), "x");
    assertThat(QuotaCheck.charged(hard, requested).toString()).isEqualTo("pods=1,requests.cpu=250m");
    assertThat(QuotaCheck.exceeded("q1", hard, used, requested))
        .contains("exceeded quota: q1, requested: pods=1, used: pods=2, limited: pods=2");
    ResourceList fits = ResourceList.parse(Map.of("pods", "1"), "status.used");
    assertThat(QuotaCheck.exceeded("q1", hard, fits, requested)).isEmpty();
    ResourceList tooMuchCpu = ResourceList.parse(Map.of("requests.cpu", "600m"), "x");
    assertThat(QuotaCheck.exceeded("q1", hard, used, tooMuchCpu))
        .contains("exceeded quota: q1, requested: requests.cpu=600m, used: requests.cpu=500m,"
            + " limited: requests.cpu=1");
    assertThat(used.plus(requested).get("requests.cpu").toString()).isEqualTo("750m");
  }

  @Test
  void anInvalidAmountIsNamedWithItsField() {
    assertThatThrownBy(() -> ResourceList.parse(Map.of("pods", "two"), "spec.hard"))
        .hasMessageStartingWith("spec.hard[pods]: ");
  }
}
