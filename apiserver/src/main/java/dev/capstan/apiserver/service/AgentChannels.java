package dev.capstan.apiserver.service;

import dev.capstan.api.core.v1.Node;
import dev.capstan.api.core.v1.NodeAddress;
import dev.capstan.apiserver.registry.ResourceRegistry;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Channels from the apiserver to node agents, found through each Node's status (its InternalIP
 * and the agent port in daemonEndpoints), one per agent address, shared by the subresources that
 * the agents answer (pods/log, pods/exec, nodes/stats).
 */
final class AgentChannels implements AutoCloseable {
  private final ResourceRegistry<Node> nodes;
  private final ConcurrentHashMap<String, ManagedChannel> channels = new ConcurrentHashMap<>();

  AgentChannels(ResourceRegistry<Node> nodes) {
    this.nodes = nodes;
  }

  /** The channel to the node's agent; UNAVAILABLE when the node reports no agent address. */
  ManagedChannel forNode(String nodeName) {
    Node node = nodes.get("", nodeName);
    String address = node.getStatus().getAddressesList().stream()
        .filter(a -> a.getType().equals("InternalIP")).map(NodeAddress::getAddress).findFirst()
        .orElseThrow(() -> Status.UNAVAILABLE.withDescription("node \"" + nodeName
            + "\" reports no InternalIP address").asRuntimeException());
    int port = node.getStatus().getDaemonEndpoints().getKubeletEndpoint().getPort();
    if (port == 0) {
      throw Status.UNAVAILABLE.withDescription("node \"" + nodeName + "\" reports no agent port").asRuntimeException();
    }
    return channels.computeIfAbsent(address + ":" + port,
        t -> Grpc.newChannelBuilder(t, InsecureChannelCredentials.create()).build());
  }

  @Override
  public void close() {
    channels.values().forEach(ManagedChannel::shutdownNow);
  }
}
