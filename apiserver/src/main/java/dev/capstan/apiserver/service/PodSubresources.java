package dev.capstan.apiserver.service;

import dev.capstan.api.agent.v1.AgentGrpc;
import dev.capstan.api.core.v1.Binding;
import dev.capstan.api.core.v1.Node;
import dev.capstan.api.core.v1.NodeAddress;
import dev.capstan.api.core.v1.Pod;
import dev.capstan.api.core.v1.PodCondition;
import dev.capstan.api.core.v1.PodLogChunk;
import dev.capstan.api.core.v1.PodLogRequest;
import dev.capstan.apiserver.registry.ApiErrors;
import dev.capstan.apiserver.registry.ResourceRegistry;
import dev.capstan.client.Kinds;
import com.google.protobuf.Timestamp;
import io.grpc.Context;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.time.Clock;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The pods/binding and pods/log subresources. Binding sets spec.nodeName once and marks the pod
 * PodScheduled; log is proxied as a stream to the agent of the pod's node.
 */
public final class PodSubresources implements AutoCloseable {
  private final ResourceRegistry<Pod> pods;
  private final ResourceRegistry<Node> nodes;
  private final Clock clock;
  private final ConcurrentHashMap<String, ManagedChannel> agentChannels = new ConcurrentHashMap<>();

  public PodSubresources(ResourceRegistry<Pod> pods, ResourceRegistry<Node> nodes, Clock clock) {
    this.pods = pods;
    this.nodes = nodes;
    this.clock = clock;
  }

  public Pod bind(Binding binding) {
    String podName = binding.getMetadata().getName();
    String nodeName = binding.getTarget().getName();
    if (podName.isEmpty()) {
      throw ApiErrors.badRequest("metadata.name: Required value: the pod to bind");
    }
    if (nodeName.isEmpty()) {
      throw ApiErrors.badRequest("target.name: Required value: the node to bind to");
    }
    if (!binding.getTarget().getKind().isEmpty() && !binding.getTarget().getKind().equals("Node")) {
      throw ApiErrors.badRequest("target.kind: Unsupported value: \"" + binding.getTarget().getKind()
          + "\": supported values: \"Node\"");
    }
    return pods.modify(binding.getMetadata().getNamespace(), podName, pod -> {
      if (pod.getMetadata().hasDeletionTimestamp()) {
        throw ApiErrors.conflict(Kinds.POD, podName, "pod is being deleted, cannot be assigned to a host");
      }
      if (!pod.getSpec().getNodeName().isEmpty()) {
        throw ApiErrors.conflict(Kinds.POD, podName, "pod " + podName + " is already assigned to node \""
            + pod.getSpec().getNodeName() + "\"");
      }
      var now = clock.instant();
      PodCondition scheduled = PodCondition.newBuilder().setType("PodScheduled").setStatus("True")
          .setLastTransitionTime(Timestamp.newBuilder().setSeconds(now.getEpochSecond()).setNanos(now.getNano()))
          .build();
      Pod.Builder b = pod.toBuilder();
      b.getSpecBuilder().setNodeName(nodeName);
      var status = b.getStatusBuilder();
      status.clearConditions();
      pod.getStatus().getConditionsList().stream().filter(c -> !c.getType().equals("PodScheduled"))
          .forEach(status::addConditions);
      status.addConditions(scheduled);
      return b.build();
    });
  }

  public void log(PodLogRequest request, StreamObserver<PodLogChunk> out) {
    try {
      Pod pod = pods.get(request.getNamespace(), request.getName());
      String nodeName = pod.getSpec().getNodeName();
      if (nodeName.isEmpty()) {
        throw Status.FAILED_PRECONDITION.withDescription("pod \"" + request.getName()
            + "\" is not scheduled to a node yet: no logs").asRuntimeException();
      }
      Node node = nodes.get("", nodeName);
      String address = node.getStatus().getAddressesList().stream()
          .filter(a -> a.getType().equals("InternalIP")).map(NodeAddress::getAddress).findFirst()
          .orElseThrow(() -> Status.UNAVAILABLE.withDescription("node \"" + nodeName
              + "\" reports no InternalIP address").asRuntimeException());
      int port = node.getStatus().getDaemonEndpoints().getKubeletEndpoint().getPort();
      if (port == 0) {
        throw Status.UNAVAILABLE.withDescription("node \"" + nodeName + "\" reports no agent port").asRuntimeException();
      }
      ManagedChannel channel = agentChannels.computeIfAbsent(address + ":" + port,
          t -> Grpc.newChannelBuilder(t, InsecureChannelCredentials.create()).build());
      ServerCallStreamObserver<PodLogChunk> server = (ServerCallStreamObserver<PodLogChunk>) out;
      Context.CancellableContext ctx = Context.current().withCancellation();
      server.setOnCancelHandler(() -> ctx.cancel(null));
      ctx.run(() -> AgentGrpc.newStub(channel).log(request, new StreamObserver<>() {
        @Override
        public void onNext(PodLogChunk value) {
          out.onNext(value);
        }

        @Override
        public void onError(Throwable t) {
          out.onError(t);
        }

        @Override
        public void onCompleted() {
          out.onCompleted();
        }
      }));
    } catch (StatusRuntimeException e) {
      out.onError(e);
    }
  }

  @Override
  public void close() {
    agentChannels.values().forEach(ManagedChannel::shutdownNow);
  }
}
