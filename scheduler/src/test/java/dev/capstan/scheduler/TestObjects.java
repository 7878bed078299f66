package dev.capstan.scheduler;

import dev.capstan.api.core.v1.Container;
import dev.capstan.api.core.v1.Node;
import dev.capstan.api.core.v1.NodeCondition;
import dev.capstan.api.core.v1.NodeSpec;
import dev.capstan.api.core.v1.NodeStatus;
import dev.capstan.api.core.v1.Pod;
import dev.capstan.api.core.v1.PodSpec;
import dev.capstan.api.core.v1.ResourceRequirements;
import dev.capstan.api.meta.v1.ObjectMeta;
import java.util.Map;

/** Builders for the nodes and pods scheduler tests need. */
public final class TestObjects {
  private TestObjects() {}

  /** A Ready node with this allocatable cpu and memory. */
  public static Node readyNode(String name, String cpu, String memory) {
    return Node.newBuilder()
        .setMetadata(ObjectMeta.newBuilder().setName(name))
        .setSpec(NodeSpec.getDefaultInstance())
        .setStatus(NodeStatus.newBuilder()
            .putAllocatable("cpu", cpu)
            .putAllocatable("memory", memory)
            .putCapacity("cpu", cpu)
            .putCapacity("memory", memory)
            .addConditions(NodeCondition.newBuilder().setType("Ready").setStatus("True")))
        .build();
  }

  public static Node withLabels(Node node, Map<String, String> labels) {
    return node.toBuilder().setMetadata(node.getMetadata().toBuilder().putAllLabels(labels)).build();
  }

  /** A pending pod in namespace "default" with one container requesting cpu and memory (null: none). */
  public static Pod pod(String name, String cpu, String memory) {
    ResourceRequirements.Builder resources = ResourceRequirements.newBuilder();
    if (cpu != null) {
      resources.putRequests("cpu", cpu);
    }
    if (memory != null) {
      resources.putRequests("memory", memory);
    }
    return Pod.newBuilder()
        .setMetadata(ObjectMeta.newBuilder().setNamespace("default").setName(name))
        .setSpec(PodSpec.newBuilder()
            .addContainers(Container.newBuilder().setName("main").setImage("busybox").setResources(resources)))
        .build();
  }

  public static Pod boundTo(Pod pod, String nodeName) {
    return pod.toBuilder().setSpec(pod.getSpec().toBuilder().setNodeName(nodeName)).build();
  }
}
