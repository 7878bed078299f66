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
import dev.capstan.apiserver.registry.ApiErrors;
import dev.capstan.apiserver.registry.ResourceRegistry;
import dev.capstan.client.tls.SwappableKeyManager;
import dev.capstan.client.Kinds;
import io.grpc.Context;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.time.Clock;
import java.util.concurrent.TimeUnit;

/**
 * The pods/binding, pods/log and pods/exec subresources. Binding sets spec.nodeName once and
 * marks the pod PodScheduled; log is proxied as a stream, and exec as one call, to the agent of
 * the pod's node. The caller has been authorized by then (RBAC on pods/log, pods/exec); the
 * agent trusts the apiserver's own client certificate, not the caller's credentials, so nothing
 * of the caller's is forwarded.
 */
public final class PodSubresources implements AutoCloseable {
  private final ResourceRegistry<Pod> pods;
  private final AgentChannels agents;
  private final Clock clock;
  private static final long DEFAULT_EXEC_TIMEOUT_SECONDS = 60;
  /** Time beyond the command's own timeout for the agent to kill it and answer. */
  private static final long EXEC_DEADLINE_MARGIN_SECONDS = 10;

  /** Plaintext to the agents (an apiserver embedded without TLS). */
  public PodSubresources(ResourceRegistry<Pod> pods, ResourceRegistry<Node> nodes, Clock clock) {
    this(pods, nodes, clock, null, null);
  }

  /**
   * Mutual TLS to the agents: presenting the current certificate of {@code agentClient} (see
   * {@link dev.capstan.apiserver.pki.AgentClientCertificate}; renewed while the server runs), trusting agents the CA
   * ({@code caPem}) issued serving certificates; both null: plaintext.
   */
  public PodSubresources(ResourceRegistry<Pod> pods, ResourceRegistry<Node> nodes, Clock clock,
      SwappableKeyManager agentClient, String caPem) {
    this.pods = pods;
    this.agents = new AgentChannels(nodes, agentClient, caPem);
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
      String node = nodeOf(request.getNamespace(), request.getName(), "no logs");
      ManagedChannel channel = agents.forNode(node);
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
          out.onError(t instanceof StatusRuntimeException e ? unreachable(node, e) : t);
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

  /** pods/exec: runs the command through the agent of the pod's node. */
  public PodExecResponse exec(PodExecRequest request) {
    if (request.getCommandCount() == 0) {
      throw ApiErrors.badRequest("command: Required value: the command to run");
    }
    if (request.getTimeoutSeconds() < 0) {
      throw ApiErrors.badRequest("timeoutSeconds: Invalid value: " + request.getTimeoutSeconds() + ": must be >= 0");
    }
    String node = nodeOf(request.getNamespace(), request.getName(), "cannot exec");
    ManagedChannel channel = agents.forNode(node);
    long timeout = request.getTimeoutSeconds() > 0 ? request.getTimeoutSeconds() : DEFAULT_EXEC_TIMEOUT_SECONDS;
    try {
      return AgentGrpc.newBlockingStub(channel)
          .withDeadlineAfter(timeout + EXEC_DEADLINE_MARGIN_SECONDS, TimeUnit.SECONDS).exec(request);
    } catch (StatusRuntimeException e) {
      throw unreachable(node, e);
    }
  }

  /** An agent that cannot be reached names its node and why; a deadline or the agent's own answers pass as they are. */
  private static StatusRuntimeException unreachable(String node, StatusRuntimeException e) {
    return e.getStatus().getCode() == Status.Code.UNAVAILABLE ? AgentCallErrors.describe(node, e) : e;
  }

  /** The node running the pod; fails when the pod has no node yet. */
  private String nodeOf(String namespace, String name, String what) {
    Pod pod = pods.get(namespace, name);
    String nodeName = pod.getSpec().getNodeName();
    if (nodeName.isEmpty()) {
      throw Status.FAILED_PRECONDITION.withDescription("pod \"" + name
          + "\" is not scheduled to a node yet: " + what).asRuntimeException();
    }
    return nodeName;
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
