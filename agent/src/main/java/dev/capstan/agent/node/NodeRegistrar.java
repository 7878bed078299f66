package dev.capstan.agent.node;

import dev.capstan.api.core.v1.Node;
import dev.capstan.api.meta.v1.ObjectMeta;
import dev.capstan.client.ResourceClient;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Clock;
import java.util.Map;

/**
 * Registers this node with the API: creates its Node, or, when one of that name exists (the agent
 * restarted), adds the agent's labels to it and replaces its status. Labels others set are kept.
 */
public final class NodeRegistrar {
  private static final int MAX_ATTEMPTS = 5;

  private final ResourceClient<Node> nodes;
  private final String nodeName;
  private final NodeStatusGenerator statusGenerator;
  private final Clock clock;

  public NodeRegistrar(ResourceClient<Node> nodes, String nodeName, NodeStatusGenerator statusGenerator, Clock clock) {
    this.nodes = nodes;
    this.nodeName = nodeName;
    this.statusGenerator = statusGenerator;
    this.clock = clock;
  }

  /** Creates or updates the Node; returns it as stored, status included. */
  public Node register() {
    Node desired = Node.newBuilder()
        .setMetadata(ObjectMeta.newBuilder().setName(nodeName).putAllLabels(statusGenerator.labels()))
        .setStatus(statusGenerator.generate(dev.capstan.api.core.v1.NodeStatus.getDefaultInstance(), clock.instant()))
        .build();
    Node node;
    try {
      node = nodes.create(desired);
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() != Status.Code.ALREADY_EXISTS) {
        throw e;
      }
      node = updateLabels();
    }
    return writeStatus(node);
  }

  private Node updateLabels() {
    for (int attempt = 1; ; attempt++) {
      Node existing = nodes.get("", nodeName);
      Map<String, String> labels = existing.getMetadata().getLabelsMap();
      if (labels.entrySet().containsAll(statusGenerator.labels().entrySet())) {
        return existing;
      }
      Node.Builder b = existing.toBuilder();
      b.getMetadataBuilder().putAllLabels(statusGenerator.labels());
      try {
        return nodes.update(b.build());
      } catch (StatusRuntimeException e) {
        if (e.getStatus().getCode() != Status.Code.ABORTED || attempt == MAX_ATTEMPTS) {
          throw e;
        }
      }
    }
  }

  private Node writeStatus(Node node) {
    for (int attempt = 1; ; attempt++) {
      Node withStatus = node.toBuilder().setStatus(statusGenerator.generate(node.getStatus(), clock.instant())).build();
      try {
        return nodes.updateStatus(withStatus);
      } catch (StatusRuntimeException e) {
        if (e.getStatus().getCode() != Status.Code.ABORTED || attempt == MAX_ATTEMPTS) {
          throw e;
        }
        node = nodes.get("", nodeName);
      }
    }
  }
}
