package dev.capstan.apiserver.service;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;

/**
 * What a caller is told when the apiserver's call to an agent fails on the way there: a node's
 * agent that cannot be reached, or whose TLS handshake fails (a certificate the cluster CA did
 * not issue, one for another node or another address), is UNAVAILABLE naming the node and the
 * underlying reason, which gRPC would otherwise keep to itself ("io exception"). Statuses the
 * agent itself answered pass unchanged.
 */
final class AgentCallErrors {
  private AgentCallErrors() {}

  static StatusRuntimeException describe(String nodeName, StatusRuntimeException e) {
    Status.Code code = e.getStatus().getCode();
    if (code != Status.Code.UNAVAILABLE && code != Status.Code.DEADLINE_EXCEEDED) {
      return e;
    }
    Throwable root = e.getCause();
    while (root != null && root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String reason = root == null || root.getMessage() == null ? "" : " (" + root.getMessage() + ")";
    // Netty appends its channel pipeline on further lines: not for users.
    String description = String.valueOf(e.getStatus().getDescription()).lines().findFirst().orElse("");
    return Status.UNAVAILABLE.withDescription("the agent of node \"" + nodeName + "\" does not answer: "
        + description + reason).asRuntimeException();
  }
}
