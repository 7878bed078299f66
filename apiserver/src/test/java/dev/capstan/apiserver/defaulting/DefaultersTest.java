package dev.capstan.apiserver.defaulting;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.capstan.api.apps.v1.Deployment;
import dev.capstan.api.apps.v1.DeploymentSpec;
import dev.capstan.api.apps.v1.DeploymentStrategy;
import dev.capstan.api.apps.v1.ReplicaSet;
import dev.capstan.api.apps.v1.ReplicaSetSpec;
import dev.capstan.api.apps.v1.RollingUpdateDeployment;
import dev.capstan.api.core.v1.ConfigMap;
import dev.capstan.api.core.v1.ConfigMapVolumeSource;
import dev.capstan.api.core.v1.Container;
import dev.capstan.api.core.v1.ContainerPort;
import dev.capstan.api.core.v1.ExecAction;
import dev.capstan.api.core.v1.HTTPGetAction;
import dev.capstan.api.core.v1.Pod;
import dev.capstan.api.core.v1.PodSpec;
import dev.capstan.api.core.v1.PodTemplateSpec;
import dev.capstan.api.core.v1.Probe;
import dev.capstan.api.core.v1.ResourceRequirements;
import dev.capstan.api.core.v1.Secret;
import dev.capstan.api.core.v1.Volume;
import dev.capstan.api.meta.v1.ObjectMeta;
import dev.capstan.client.Kinds;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class DefaultersTest {
  private static PodSpec bareSpec() {
    return PodSpec.newBuilder()
        .addContainers(Container.newBuilder().setName("web").setImage("nginx:1.27")
            .addPorts(ContainerPort.newBuilder().setContainerPort(80))
            .setLivenessProbe(Probe.newBuilder().setHttpGet(HTTPGetAction.newBuilder().setPort("80"))))
        .build();
  }

  private static Pod defaulted(PodSpec spec) {
    return Defaulters.forKind(Kinds.POD).applyDefaults(Pod.newBuilder().setSpec(spec).build());
  }

  @Test
  void podGetsKubernetesDefaults() {
    PodSpec spec = defaulted(bareSpec()).getSpec();
    assertThat(spec.getRestartPolicy()).isEqualTo("Always");
    assertThat(spec.hasTerminationGracePeriodSeconds()).isTrue();
    assertThat(spec.getTerminationGracePeriodSeconds()).isEqualTo(30);
    assertThat(spec.getDnsPolicy()).isEqualTo("ClusterFirst");
    assertThat(spec.getSchedulerName()).isEqualTo("default-scheduler");
    Container c = spec.getContainers(0);
    assertThat(c.getImagePullPolicy()).isEqualTo("IfNotPresent");
    assertThat(c.getTerminationMessagePath()).isEqualTo("/dev/termination-log");
    assertThat(c.getPorts(0).getProtocol()).isEqualTo("TCP");
    Probe probe = c.getLivenessProbe();
    assertThat(probe.getTimeoutSeconds()).isEqualTo(1);
    assertThat(probe.getPeriodSeconds()).isEqualTo(10);
    assertThat(probe.getSuccessThreshold()).isEqualTo(1);
    assertThat(probe.getFailureThreshold()).isEqualTo(3);
    assertThat(probe.getHttpGet().getPath()).isEqualTo("/");
    assertThat(probe.getHttpGet().getScheme()).isEqualTo("HTTP");
    assertThat(c.hasReadinessProbe()).as("unset probes stay unset").isFalse();
    assertThat(c.hasStartupProbe()).isFalse();
  }

  @Test
  void defaultsOnlyFillUnsetFields() {
    PodSpec custom = bareSpec().toBuilder()
        .setRestartPolicy("Never")
        .setTerminationGracePeriodSeconds(0)
        .setDnsPolicy("Default")
        .setSchedulerName("my-scheduler")
        .setContainers(0, bareSpec().getContainers(0).toBuilder()
            .setImagePullPolicy("Never")
            .setTerminationMessagePath("/tmp/msg")
            .setPorts(0, ContainerPort.newBuilder().setContainerPort(53).setProtocol("UDP"))
            .setLivenessProbe(Probe.newBuilder().setExec(ExecAction.newBuilder().addCommand("true"))
                .setTimeoutSeconds(5).setPeriodSeconds(2).setSuccessThreshold(1).setFailureThreshold(9)))
        .build();
    PodSpec spec = defaulted(custom).getSpec();
    assertThat(spec.getRestartPolicy()).isEqualTo("Never");
    assertThat(spec.getTerminationGracePeriodSeconds()).as("an explicit 0 is kept").isZero();
    assertThat(spec.getDnsPolicy()).isEqualTo("Default");
    assertThat(spec.getSchedulerName()).isEqualTo("my-scheduler");
    assertThat(spec.getContainers(0)).isEqualTo(custom.getContainers(0));
  }

  @Test
  void defaultingTwiceChangesNothing() {
    Pod once = defaulted(bareSpec());
    assertThat(Defaulters.forKind(Kinds.POD).applyDefaults(once)).isEqualTo(once);
    Deployment d = Defaulters.forKind(Kinds.DEPLOYMENT).applyDefaults(Deployment.getDefaultInstance());
    assertThat(Defaulters.forKind(Kinds.DEPLOYMENT).applyDefaults(d)).isEqualTo(d);
  }

  @ParameterizedTest
  @CsvSource({
      "nginx,                                  Always",
      "nginx:latest,                           Always",
      "nginx:1.27,                             IfNotPresent",
      "registry.local:5000/team/app,           Always",
      "registry.local:5000/team/app:v2,        IfNotPresent",
      "registry.local:5000/team/app:latest,    Always",
      "nginx@sha256:0123456789abcdef,          IfNotPresent",
  })
  void pullPolicyFollowsTheTag(String image, String policy) {
    PodSpec spec = PodSpec.newBuilder().addContainers(Container.newBuilder().setName("c").setImage(image)).build();
    assertThat(defaulted(spec).getSpec().getContainers(0).getImagePullPolicy()).isEqualTo(policy);
  }

  @Test
  void podRequestsDefaultToLimits() {
    PodSpec spec = PodSpec.newBuilder().addContainers(Container.newBuilder().setName("c").setImage("x")
        .setResources(ResourceRequirements.newBuilder()
            .putLimits("cpu", "500m").putLimits("memory", "128Mi").putRequests("cpu", "100m"))).build();
    ResourceRequirements r = defaulted(spec).getSpec().getContainers(0).getResources();
    assertThat(r.getRequestsMap()).containsEntry("cpu", "100m").containsEntry("memory", "128Mi");
  }

  @Test
  void configMapVolumesGetAMode() {
    PodSpec spec = bareSpec().toBuilder()
        .addVolumes(Volume.newBuilder().setName("cfg").setConfigMap(ConfigMapVolumeSource.newBuilder().setName("cm")))
        .build();
    assertThat(defaulted(spec).getSpec().getVolumes(0).getConfigMap().getDefaultMode()).isEqualTo(0644);
  }

  @Test
  void replicaSetGetsOneReplicaAndPodDefaultsInItsTemplate() {
    ReplicaSet rs = ReplicaSet.newBuilder().setSpec(ReplicaSetSpec.newBuilder()
        .setTemplate(PodTemplateSpec.newBuilder().setSpec(bareSpec()))).build();
    ReplicaSet d = Defaulters.forKind(Kinds.REPLICA_SET).applyDefaults(rs);
    assertThat(d.getSpec().hasReplicas()).isTrue();
    assertThat(d.getSpec().getReplicas()).isEqualTo(1);
    assertThat(d.getSpec().getTemplate().getSpec().getRestartPolicy()).isEqualTo("Always");
    ReplicaSet zero = rs.toBuilder().setSpec(rs.getSpec().toBuilder().setReplicas(0)).build();
    assertThat(Defaulters.forKind(Kinds.REPLICA_SET).applyDefaults(zero).getSpec().getReplicas())
        .as("an explicit 0 is kept").isZero();
  }

  @Test
  void deploymentGetsKubernetesDefaults() {
    Deployment deployment = Deployment.newBuilder().setSpec(DeploymentSpec.newBuilder()
        .setTemplate(PodTemplateSpec.newBuilder().setSpec(bareSpec()))).build();
    DeploymentSpec spec = Defaulters.forKind(Kinds.DEPLOYMENT).applyDefaults(deployment).getSpec();
    assertThat(spec.getReplicas()).isEqualTo(1);
    assertThat(spec.getStrategy().getType()).isEqualTo("RollingUpdate");
    assertThat(spec.getStrategy().getRollingUpdate().getMaxSurge()).isEqualTo("25%");
    assertThat(spec.getStrategy().getRollingUpdate().getMaxUnavailable()).isEqualTo("25%");
    assertThat(spec.getRevisionHistoryLimit()).isEqualTo(10);
    assertThat(spec.getProgressDeadlineSeconds()).isEqualTo(600);
    // A Pod's defaults, except DefaultTolerationSeconds, which applies to Pods only.
    assertThat(spec.getTemplate().getSpec()).isEqualTo(defaulted(bareSpec()).getSpec().toBuilder().clearTolerations().build());
  }

  @Test
  void deploymentKeepsWhatIsSet() {
    Deployment deployment = Deployment.newBuilder().setSpec(DeploymentSpec.newBuilder()
        .setReplicas(0).setRevisionHistoryLimit(0).setProgressDeadlineSeconds(60)
        .setStrategy(DeploymentStrategy.newBuilder().setType("RollingUpdate")
            .setRollingUpdate(RollingUpdateDeployment.newBuilder().setMaxSurge("1")))).build();
    DeploymentSpec spec = Defaulters.forKind(Kinds.DEPLOYMENT).applyDefaults(deployment).getSpec();
    assertThat(spec.getReplicas()).isZero();
    assertThat(spec.getRevisionHistoryLimit()).isZero();
    assertThat(spec.getProgressDeadlineSeconds()).isEqualTo(60);
    assertThat(spec.getStrategy().getRollingUpdate().getMaxSurge()).isEqualTo("1");
    assertThat(spec.getStrategy().getRollingUpdate().getMaxUnavailable()).isEqualTo("25%");
  }

  @Test
  void recreateDeploymentsGetNoRollingUpdateParameters() {
    Deployment deployment = Deployment.newBuilder().setSpec(DeploymentSpec.newBuilder()
        .setStrategy(DeploymentStrategy.newBuilder().setType("Recreate"))).build();
    DeploymentSpec spec = Defaulters.forKind(Kinds.DEPLOYMENT).applyDefaults(deployment).getSpec();
    assertThat(spec.getStrategy().hasRollingUpdate()).isFalse();
  }

  @Test
  void secretStringDataIsMergedIntoDataAndTypeDefaultsToOpaque() {
    Secret secret = Secret.newBuilder().setMetadata(ObjectMeta.newBuilder().setName("db"))
        .putData("user", ByteString.copyFromUtf8("old")).putData("host", ByteString.copyFromUtf8("db.local"))
        .putStringData("user", "admin").putStringData("password", "s3cret").build();
    Secret defaulted = Defaulters.forKind(Kinds.SECRET).applyDefaults(secret);
    assertThat(defaulted.getStringDataMap()).isEmpty();
    assertThat(defaulted.getType()).isEqualTo("Opaque");
    assertThat(defaulted.getDataMap()).containsOnly(
        Map.entry("user", ByteString.copyFromUtf8("admin")),
        Map.entry("host", ByteString.copyFromUtf8("db.local")),
        Map.entry("password", ByteString.copyFromUtf8("s3cret")));
    assertThat(Defaulters.forKind(Kinds.SECRET).applyDefaults(defaulted)).isEqualTo(defaulted);
    Secret tls = Secret.newBuilder().setType("kubernetes.io/tls").build();
    assertThat(Defaulters.forKind(Kinds.SECRET).applyDefaults(tls)).isSameAs(tls);
  }

  @Test
  void kindsWithoutDefaultsAreUnchanged() {
    ConfigMap cm = ConfigMap.newBuilder().setMetadata(ObjectMeta.newBuilder().setName("x")).build();
    assertThat(Defaulters.forKind(Kinds.CONFIG_MAP).applyDefaults(cm)).isSameAs(cm);
  }
}
