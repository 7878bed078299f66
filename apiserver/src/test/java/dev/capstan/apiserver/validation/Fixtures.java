package dev.capstan.apiserver.validation;

import dev.capstan.api.apps.v1.Deployment;
import dev.capstan.api.apps.v1.DeploymentSpec;
import dev.capstan.api.apps.v1.DeploymentStrategy;
import dev.capstan.api.apps.v1.ReplicaSet;
import dev.capstan.api.apps.v1.ReplicaSetSpec;
import dev.capstan.api.apps.v1.RollingUpdateDeployment;
import dev.capstan.api.core.v1.Container;
import dev.capstan.api.core.v1.ContainerPort;
import dev.capstan.api.core.v1.EmptyDirVolumeSource;
import dev.capstan.api.core.v1.EnvVar;
import dev.capstan.api.core.v1.HTTPGetAction;
import dev.capstan.api.core.v1.Pod;
import dev.capstan.api.core.v1.PodSpec;
import dev.capstan.api.core.v1.PodTemplateSpec;
import dev.capstan.api.core.v1.Probe;
import dev.capstan.api.core.v1.ResourceRequirements;
import dev.capstan.api.core.v1.Volume;
import dev.capstan.api.core.v1.VolumeMount;
import dev.capstan.api.meta.v1.LabelSelector;
import dev.capstan.api.meta.v1.ObjectMeta;

/** Valid objects that tests break one field at a time. */
final class Fixtures {
  private Fixtures() {}

  static ObjectMeta meta(String name) {
    return ObjectMeta.newBuilder().setName(name).setNamespace("default").putLabels("app", "web").build();
  }

  static PodSpec podSpec() {
    return PodSpec.newBuilder()
        .addContainers(Container.newBuilder()
            .setName("web")
            .setImage("nginx:1.27")
            .addPorts(ContainerPort.newBuilder().setName("http").setContainerPort(80).setProtocol("TCP"))
            .addEnv(EnvVar.newBuilder().setName("MODE").setValue("prod"))
            .setResources(ResourceRequirements.newBuilder()
                .putRequests("cpu", "100m").putRequests("memory", "64Mi")
                .putLimits("cpu", "500m").putLimits("memory", "128Mi"))
            .addVolumeMounts(VolumeMount.newBuilder().setName("cache").setMountPath("/cache"))
            .setReadinessProbe(Probe.newBuilder().setHttpGet(HTTPGetAction.newBuilder().setPath("/").setPort("http"))))
        .addContainers(Container.newBuilder().setName("sidecar").setImage("busybox"))
        .addVolumes(Volume.newBuilder().setName("cache").setEmptyDir(EmptyDirVolumeSource.getDefaultInstance()))
        .setRestartPolicy("Always")
        .build();
  }

  static Pod pod() {
    return Pod.newBuilder().setMetadata(meta("web-1")).setSpec(podSpec()).build();
  }

  static PodTemplateSpec template() {
    return PodTemplateSpec.newBuilder()
        .setMetadata(ObjectMeta.newBuilder().putLabels("app", "web").putLabels("tier", "frontend"))
        .setSpec(podSpec())
        .build();
  }

  static LabelSelector selector() {
    return LabelSelector.newBuilder().putMatchLabels("app", "web").build();
  }

  static Deployment deployment() {
    return Deployment.newBuilder()
        .setMetadata(meta("web"))
        .setSpec(DeploymentSpec.newBuilder()
            .setReplicas(3)
            .setSelector(selector())
            .setTemplate(template())
            .setStrategy(DeploymentStrategy.newBuilder().setType("RollingUpdate")
                .setRollingUpdate(RollingUpdateDeployment.newBuilder().setMaxSurge("25%").setMaxUnavailable("1")))
            .setRevisionHistoryLimit(10)
            .setProgressDeadlineSeconds(600))
        .build();
  }

  static ReplicaSet replicaSet() {
    return ReplicaSet.newBuilder()
        .setMetadata(meta("web-5d8f"))
        .setSpec(ReplicaSetSpec.newBuilder().setReplicas(2).setSelector(selector()).setTemplate(template()))
        .build();
  }
}
