package dev.capstan.apiserver.service;

import dev.capstan.api.core.v1.Node;
import dev.capstan.api.core.v1.NodeAddress;
import dev.capstan.apiserver.authn.UserInfo;
import dev.capstan.apiserver.pki.Pem;
import dev.capstan.apiserver.registry.ResourceRegistry;
import dev.capstan.client.tls.SwappableKeyManager;
import io.grpc.ChannelCredentials;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.TlsChannelCredentials;
import java.security.cert.X509Certificate;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Channels from the apiserver to node agents, found through each Node's status (its InternalIP
 * and the agent port in daemonEndpoints), one per node at its current agent address, shared by the
 * subresources that the agents answer (pods/log, pods/exec, nodes/stats). With a client
 * identity and the cluster CA they are mutual TLS: the apiserver presents its
 * {@link dev.capstan.apiserver.pki.AgentClientCertificate} and accepts only an agent whose
 * serving certificate the CA issued for the address dialed and for that node
 * ({@link NodeServingTrust}). Without (an apiserver embedded in plaintext by tests) they are
 * plaintext. When a node reports another address, its channel to the old one is shut down once
 * the calls on it (a log stream, an exec) end. A deleted node's channel stays until the
 * apiserver stops; gRPC closes its idle connection after 30 minutes.
 */
final class AgentChannels implements AutoCloseable {
  private final ResourceRegistry<Node> nodes;
  private final SwappableKeyManager client;
  private final X509Certificate ca;
  /** By node name: the agent address dialed and the channel to it. */
  private final ConcurrentHashMap<String, NodeChannel> channels = new ConcurrentHashMap<>();

  private record NodeChannel(String target, ManagedChannel channel) {}

  /**
   * @param client the apiserver's client certificate towards agents (each handshake presents its
   *     current one, so channels already open to agents survive its renewal), or null for plaintext
   * @param caPem the cluster CA's certificate (PEM), with {@code client}
   */
  AgentChannels(ResourceRegistry<Node> nodes, SwappableKeyManager client, String caPem) {
    if ((client == null) != (caPem == null)) {
      throw new IllegalArgumentException("agent TLS needs both the apiserver's client certificate and the CA");
    }
    this.nodes = nodes;
    this.client = client;
    this.ca = caPem == null ? null : Pem.certificateOf(caPem);
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
    String target = (address.contains(":") ? "[" + address + "]" : address) + ":" + port;
    // Keyed by node: the trust check expects that node's name in the agent's certificate.
    NodeChannel[] replaced = new NodeChannel[1];
    NodeChannel current = channels.compute(nodeName, (name, existing) -> {
      if (existing != null && existing.target().equals(target)) {
        return existing;
      }
      replaced[0] = existing;
      return new NodeChannel(target, Grpc.newChannelBuilder(target, credentials(nodeName)).build());
    });
    if (replaced[0] != null) {
      replaced[0].channel().shutdown();
    }
    return current.channel();
  }

  private ChannelCredentials credentials(String nodeName) {
    if (client == null) {
      return InsecureChannelCredentials.create();
    }
    return TlsChannelCredentials.newBuilder()
        .keyManager(client)
        .trustManager(new NodeServingTrust(ca, UserInfo.NODE_USER_PREFIX + nodeName))
        .build();
  }

  @Override
  public void close() {
    channels.values().forEach(c -> c.channel().shutdownNow());
  }
}
