package dev.capstan.apiserver.service;

import com.google.protobuf.Timestamp;
import dev.capstan.api.agent.v1.AgentGrpc;
import dev.capstan.api.core.v1.Binding;
import dev.capstan.api.core.v1.Node;
import dev.capstan.api.core.v1.Pod;
import dev.capstan.api.core.v1.PodCondition;
import dev.capstan.api.core.v1.PodExecRequest;
import dev.capstan.api.core.v1.PodExecResponse;
import dev.capstan.api.core.v1.PodLogChunk;
import dev.capstan.api.core.v1.PodLogRequest;
import dev.capstan.apiserver.authn.AuthenticationInterceptor;
import dev.capstan.apiserver.registry.ApiErrors;
import dev.capstan.apiserver.registry.ResourceRegistry;
import dev.capstan.client.BearerToken;
import dev.capstan.client.Kinds;
import io.grpc.Context;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.time.Clock;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The pods/binding, pods/log and pods/exec subresources. Binding sets spec.nodeName once and
 * marks the pod PodScheduled; log is proxied as a stream, and exec as one call, to the agent of
 * the pod's node.
 */
public final class PodSubresources implements AutoCloseable {
  private final ResourceRegistry<Pod> pods;
  private final AgentChannels agents;
  private final Clock clock;
  private static final long DEFAULT_EXEC_TIMEOUT_SECONDS = 60;
  /** Time beyond the command's own timeout for the agent to kill it and answer. */
  private static final long EXEC_DEADLINE_MARGIN_SECONDS = 10;

  public PodSubresources(ResourceRegistry<Pod> pods, ResourceRegistry<Node> nodes, Clock clock) {
    this.pods = pods;
    this.agents = new AgentChannels(nodes);
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
      ManagedChannel channel = agentOf(request.getNamespace(), request.getName(), "no logs");
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

  /**
   * pods/exec: runs the command through the agent of the pod's node, forwarding the caller's
   * bearer token, which the agent checks back with the apiserver before it runs anything.
   */
  public PodExecResponse exec(PodExecRequest request) {
    if (request.getCommandCount() == 0) {
      throw ApiErrors.badRequest("command: Required value: the command to run");
    }
    if (request.getTimeoutSeconds() < 0) {
      throw ApiErrors.badRequest("timeoutSeconds: Invalid value: " + request.getTimeoutSeconds() + ": must be >= 0");
    }
    ManagedChannel channel = agentOf(request.getNamespace(), request.getName(), "cannot exec");
    long timeout = request.getTimeoutSeconds() > 0 ? request.getTimeoutSeconds() : DEFAULT_EXEC_TIMEOUT_SECONDS;
    AgentGrpc.AgentBlockingStub agent = AgentGrpc.newBlockingStub(channel)
        .withDeadlineAfter(timeout + EXEC_DEADLINE_MARGIN_SECONDS, TimeUnit.SECONDS);
    Optional<String> token = AuthenticationInterceptor.currentToken();
    if (token.isPresent()) {
      agent = agent.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(BearerToken.headers(token.get())));
    }
    return agent.exec(request);
  }

  /** The channel to the agent running the pod; fails when the pod has no node or the node no agent address. */
  private ManagedChannel agentOf(String namespace, String name, String what) {
    Pod pod = pods.get(namespace, name);
    String nodeName = pod.getSpec().getNodeName();
    if (nodeName.isEmpty()) {
      throw Status.FAILED_PRECONDITION.withDescription("pod \"" + name
          + "\" is not scheduled to a node yet: " + what).asRuntimeException();
    }
    return agents.forNode(nodeName);
  }

  /** nodes/stats, answered by the same agents. */
  public NodeStatsProxy nodeStats() {
    return new NodeStatsProxy(agents);
  }

  @Override
  public void close() {
    agents.close();
  }
}
