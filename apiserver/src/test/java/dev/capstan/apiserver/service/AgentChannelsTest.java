package dev.capstan.apiserver.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.capstan.api.core.v1.DaemonEndpoint;
import dev.capstan.api.core.v1.Node;
import dev.capstan.api.core.v1.NodeAddress;
import dev.capstan.api.core.v1.NodeDaemonEndpoints;
import dev.capstan.api.core.v1.NodeStatus;
import dev.capstan.api.meta.v1.ObjectMeta;
import dev.capstan.apiserver.registry.ResourceRegistry;
import dev.capstan.client.Kinds;
import dev.capstan.store.local.LocalKeyValueStore;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import java.time.Clock;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** One channel per node, to the agent address its status reports now. */
class AgentChannelsTest {
  private final LocalKeyValueStore store = new LocalKeyValueStore();
  private final ResourceRegistry<Node> nodes =
      new ResourceRegistry<>(Kinds.NODE, store, Clock.systemUTC(), new Random(7), ns -> {});
  private final AgentChannels channels = new AgentChannels(nodes, null, null);

  @AfterEach
  void close() {
    channels.close();
    store.close();
  }

  private void report(String node, String address, int port) {
    NodeStatus status = NodeStatus.newBuilder()
        .addAddresses(NodeAddress.newBuilder().setType("InternalIP").setAddress(address))
        .setDaemonEndpoints(NodeDaemonEndpoints.newBuilder().setKubeletEndpoint(DaemonEndpoint.newBuilder().setPort(port)))
        .build();
    if (nodes.find("", node).isEmpty()) {
      nodes.create(Node.newBuilder().setMetadata(ObjectMeta.newBuilder().setName(node)).setStatus(status).build());
    } else {
      nodes.modify("", node, n -> n.toBuilder().setStatus(status).build());
    }
  }

  @Test
  void aNodeKeepsItsChannelUntilItReportsAnotherAddressThenTheOldOneIsShutDown() {
    report("n1", "127.0.0.1", 10250);
    report("n2", "127.0.0.1", 10251);
    ManagedChannel first = channels.forNode("n1");
    assertThat(channels.forNode("n1")).isSameAs(first);
    assertThat(channels.forNode("n2")).isNotSameAs(first);

    report("n1", "127.0.0.2", 10250);
    ManagedChannel moved = channels.forNode("n1");
    assertThat(moved).isNotSameAs(first);
    assertThat(moved.authority()).isEqualTo("127.0.0.2:10250");
    assertThat(first.isShutdown()).isTrue();
    assertThat(channels.forNode("n1")).isSameAs(moved);

    report("n1", "::1", 10252);
    assertThat(channels.forNode("n1").authority()).isEqualTo("[::1]:10252");
    assertThat(moved.isShutdown()).isTrue();
  }

  @Test
  void aNodeWithoutAnAgentAddressIsUnavailable() {
    report("n1", "127.0.0.1", 0);
    assertThatThrownBy(() -> channels.forNode("n1")).isInstanceOf(StatusRuntimeException.class)
        .hasMessageContaining("node \"n1\" reports no agent port");
  }
}
