package dev.capstan.bench.api;

import dev.capstan.api.core.v1.Container;
import dev.capstan.api.core.v1.ContainerPort;
import dev.capstan.api.core.v1.Pod;
import dev.capstan.api.core.v1.PodSpec;
import dev.capstan.api.core.v1.ResourceRequirements;
import dev.capstan.api.meta.v1.ObjectMeta;

/**
 * The pods the benchmark writes: one container with an image, a port, resource requests and
 * limits, and a few labels, about the size of a small real pod. They name a scheduler that does
 * not run ({@link #SCHEDULER}), so the cluster's scheduler leaves them Pending and unbound and
 * spends no work on them; no agent is needed.
 */
final class BenchPods {
  static final String SCHEDULER = "capstan-bench-none";

  private BenchPods() {}

  static Pod pod(String namespace, String name) {
    return Pod.newBuilder()
        .setApiVersion("v1")
        .setKind("Pod")
        .setMetadata(ObjectMeta.newBuilder().setNamespace(namespace).setName(name)
            .putLabels("app", "bench-web")
            .putLabels("tier", "frontend")
            .putLabels("release", "r1")
            .putLabels("pod-template-hash", "7d9c8b6f5"))
        .setSpec(PodSpec.newBuilder()
            .setSchedulerName(SCHEDULER)
            .setRestartPolicy("Always")
            .addContainers(Container.newBuilder()
                .setName("web")
                .setImage("registry.example.com/bench/web:1.25.3")
                .setImagePullPolicy("IfNotPresent")
                .addPorts(ContainerPort.newBuilder().setName("http").setContainerPort(8080).setProtocol("TCP"))
                .setResources(ResourceRequirements.newBuilder()
                    .putRequests("cpu", "100m").putRequests("memory", "128Mi")
                    .putLimits("cpu", "500m").putLimits("memory", "256Mi"))))
        .build();
  }
}
