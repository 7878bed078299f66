package dev.capstan.apiserver.service;

import dev.capstan.api.agent.v1.AgentGrpc;
import dev.capstan.api.core.v1.NodeStats;
import dev.capstan.api.core.v1.NodeStatsRequest;
import dev.capstan.apiserver.registry.ApiErrors;
import io.grpc.StatusRuntimeException;
import java.util.concurrent.TimeUnit;

/** The nodes/stats subresource: the node's agent measures, the apiserver passes the answer on. */
public final class NodeStatsProxy {
  private static final long DEADLINE_SECONDS = 10;
  private final AgentChannels agents;

  NodeStatsProxy(AgentChannels agents) {
    this.agents = agents;
  }

  public NodeStats stats(NodeStatsRequest request) {
    if (request.getName().isEmpty()) {
      throw ApiErrors.badRequest("name: Required value: the node whose stats to get");
    }
    try {
      return AgentGrpc.newBlockingStub(agents.forNode(request.getName()))
          .withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS).stats(request);
    } catch (StatusRuntimeException e) {
      throw AgentCallErrors.describe(request.getName(), e);
    }
  }
}
