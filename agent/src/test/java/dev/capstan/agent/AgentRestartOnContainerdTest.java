package dev.capstan.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.capstan.agent.runtime.ContainerState;
import dev.capstan.agent.runtime.RuntimeContainer;
import dev.capstan.agent.runtime.RuntimeFeature;
import dev.capstan.agent.testing.ContainerdFixture;
import dev.capstan.api.core.v1.Container;
import dev.capstan.api.core.v1.ContainerStatus;
import dev.capstan.api.core.v1.Pod;
import dev.capstan.api.core.v1.PodSpec;
import dev.capstan.api.meta.v1.ObjectMeta;
import dev.capstan.apiserver.ApiServer;
import dev.capstan.client.CapstanClient;
import dev.capstan.store.local.LocalKeyValueStore;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * An agent on containerd that stops and a new one that starts on the same node: the running
 * containers are adopted, neither stopped nor started again, as across a kubelet restart.
 */
class AgentRestartOnContainerdTest {
  private static final String NODE = "restart-node";

  private ContainerdFixture containerd;
  private ApiServer apiServer;
  private CapstanClient client;
  private Agent agent;

  @BeforeEach
  void start() throws Exception {
    containerd = ContainerdFixture.start();
    apiServer = ApiServer.start(new LocalKeyValueStore(), 0);
    client = CapstanClient.connect("127.0.0.1:" + apiServer.port());
    agent = newAgent();
  }

  private Agent newAgent() {
    boolean adopt = containerd.runtime().features().contains(RuntimeFeature.SURVIVES_AGENT_RESTART);
    Agent a = new Agent(AgentConfig.of(NODE, containerd.dir().resolve("agent"), "127.0.0.1", 0, containerd.runtime())
        .withBackOff(Duration.ofMillis(200), Duration.ofSeconds(2))
        .withResyncInterval(Duration.ofSeconds(1))
        .withNodeStatusInterval(Duration.ofSeconds(1))
        .withLeaseRenewInterval(Duration.ofSeconds(1))
        .withShutdownGracePeriod(Duration.ZERO)
        .withStopPodsOnClose(!adopt), client, Clock.systemUTC());
    a.start();
    return a;
  }

  @AfterEach
  void stop() throws Exception {
    if (agent != null) {
      agent.close();
    }
    // Nothing is left for the fixture's containerd to keep: the test's pods go with it.
    containerd.runtime().listContainers(Map.of()).forEach(c -> containerd.runtime().removeContainer(c.id()));
    containerd.runtime().listPodSandboxes(Map.of()).forEach(s -> containerd.runtime().removePodSandbox(s.id()));
    client.close();
    apiServer.close();
    containerd.close();
  }

  private Pod get(String name) {
    return client.pods().get("default", name);
  }

  @Test
  void aRestartedAgentAdoptsTheRunningContainersInsteadOfRestartingThem() {
    assertThat(containerd.runtime().features()).contains(RuntimeFeature.SURVIVES_AGENT_RESTART);
    client.pods().create(Pod.newBuilder()
        .setMetadata(ObjectMeta.newBuilder().setName("long-lived").setNamespace("default"))
        .setSpec(PodSpec.newBuilder().setNodeName(NODE).setRestartPolicy("Always").setTerminationGracePeriodSeconds(1)
            .addContainers(Container.newBuilder().setName("app").setImage(ContainerdFixture.BUSYBOX)
                .addAllCommand(List.of("sleep", "3600"))))
        .build());
    await().atMost(Duration.ofSeconds(30)).until(() -> get("long-lived").getStatus().getPhase().equals("Running"));
    ContainerStatus before = get("long-lived").getStatus().getContainerStatuses(0);
    String podIp = get("long-lived").getStatus().getPodIp();

    agent.close();
    agent = null;
    List<RuntimeContainer> afterStop = containerd.runtime().listContainers(Map.of());
    assertThat(afterStop).as("the stopped agent left its container running").singleElement()
        .satisfies(c -> assertThat(c.state()).isEqualTo(ContainerState.RUNNING));

    agent = newAgent();
    // The new agent syncs the pod (its first resync is within a second) and reports it unchanged.
    await().atMost(Duration.ofSeconds(20)).until(() -> get("long-lived").getStatus().getContainerStatuses(0).getReady());
    await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(10)).until(() -> {
      ContainerStatus now = get("long-lived").getStatus().getContainerStatuses(0);
      return now.getContainerId().equals(before.getContainerId()) && now.getRestartCount() == 0
          && now.getState().getRunning().getStartedAt().equals(before.getState().getRunning().getStartedAt());
    });
    assertThat(get("long-lived").getStatus().getPodIp()).isEqualTo(podIp);
    assertThat(containerd.runtime().listContainers(Map.of())).singleElement()
        .satisfies(c -> assertThat(c.id()).isEqualTo(afterStop.get(0).id()));
    assertThat(containerd.runtime().listPodSandboxes(Map.of())).hasSize(1);
  }
}
