package dev.capstan.controllers;

import dev.capstan.api.apps.v1.Deployment;
import dev.capstan.api.apps.v1.DeploymentSpec;
import dev.capstan.api.apps.v1.DeploymentStrategy;
import dev.capstan.api.apps.v1.ReplicaSet;
import dev.capstan.api.apps.v1.ReplicaSetSpec;
import dev.capstan.api.apps.v1.ReplicaSetStatus;
import dev.capstan.api.apps.v1.RollingUpdateDeployment;
import dev.capstan.api.core.v1.Container;
import dev.capstan.api.core.v1.Pod;
import dev.capstan.api.core.v1.PodCondition;
import dev.capstan.api.core.v1.PodSpec;
import dev.capstan.api.core.v1.PodStatus;
import dev.capstan.api.core.v1.PodTemplateSpec;
import dev.capstan.api.meta.v1.LabelSelector;
import dev.capstan.api.meta.v1.ObjectMeta;
import dev.capstan.controllers.framework.ProtoTime;
import java.time.Instant;
import java.util.Map;

/** Builders for the objects unit tests feed the pure logic. */
public final class TestObjects {
  public static final Instant T0 = Instant.parse("2024-05-01T10:00:00Z");

  private TestObjects() {}

  public static PodTemplateSpec template(String app, String image) {
    return PodTemplateSpec.newBuilder()
        .setMetadata(ObjectMeta.newBuilder().putLabels("app", app))
        .setSpec(PodSpec.newBuilder().addContainers(Container.newBuilder().setName("main").setImage(image)))
        .build();
  }

  public static Pod pod(String name, Instant created) {
    return Pod.newBuilder()
        .setMetadata(ObjectMeta.newBuilder().setName(name).setNamespace("default").setUid("uid-" + name)
            .setResourceVersion("1").setCreationTimestamp(ProtoTime.toTimestamp(created)).putLabels("app", "web"))
        .setSpec(PodSpec.newBuilder().addContainers(Container.newBuilder().setName("main").setImage("nginx")))
        .setStatus(PodStatus.newBuilder().setPhase("Pending"))
        .build();
  }

  public static Pod scheduled(Pod pod, String node) {
    return pod.toBuilder().setSpec(pod.getSpec().toBuilder().setNodeName(node)).build();
  }

  public static Pod running(Pod pod) {
    return pod.toBuilder().setStatus(pod.getStatus().toBuilder().setPhase("Running")).build();
  }

  public static Pod ready(Pod pod, Instant since) {
    return running(pod).toBuilder().setStatus(running(pod).getStatus().toBuilder()
        .addConditions(PodCondition.newBuilder().setType("Ready").setStatus("True")
            .setLastTransitionTime(ProtoTime.toTimestamp(since)))).build();
  }

  public static ReplicaSet replicaSet(String name, int replicas, int available, Instant created, long revision) {
    return ReplicaSet.newBuilder()
        .setMetadata(ObjectMeta.newBuilder().setName(name).setNamespace("default").setUid("uid-" + name)
            .setGeneration(1).setCreationTimestamp(ProtoTime.toTimestamp(created))
            .putAnnotations("deployment.kubernetes.io/revision", Long.toString(revision)))
        .setSpec(ReplicaSetSpec.newBuilder().setReplicas(replicas)
            .setSelector(LabelSelector.newBuilder().putMatchLabels("app", "web").putMatchLabels("pod-template-hash", name))
            .setTemplate(template("web", "nginx:" + name)))
        .setStatus(ReplicaSetStatus.newBuilder().setReplicas(replicas).setReadyReplicas(available)
            .setAvailableReplicas(available).setObservedGeneration(1))
        .build();
  }

  public static ReplicaSet withAnnotations(ReplicaSet rs, Map<String, String> annotations) {
    ReplicaSet.Builder b = rs.toBuilder();
    b.getMetadataBuilder().putAllAnnotations(annotations);
    return b.build();
  }

  public static Deployment rollingDeployment(int replicas, String maxSurge, String maxUnavailable) {
    return deployment(replicas, DeploymentStrategy.newBuilder().setType("RollingUpdate")
        .setRollingUpdate(RollingUpdateDeployment.newBuilder().setMaxSurge(maxSurge).setMaxUnavailable(maxUnavailable))
        .build());
  }

  public static Deployment deployment(int replicas, DeploymentStrategy strategy) {
    return Deployment.newBuilder()
        .setMetadata(ObjectMeta.newBuilder().setName("web").setNamespace("default").setUid("uid-web")
            .setGeneration(1).setCreationTimestamp(ProtoTime.toTimestamp(T0)))
        .setSpec(DeploymentSpec.newBuilder().setReplicas(replicas)
            .setSelector(LabelSelector.newBuilder().putMatchLabels("app", "web"))
            .setTemplate(template("web", "nginx:new"))
            .setStrategy(strategy))
        .build();
  }
}
