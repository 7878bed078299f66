package dev.capstan.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.capstan.agent.runtime.ContainerState;
import dev.capstan.agent.runtime.RuntimeContainer;
import dev.capstan.agent.runtime.RuntimeFeature;
import dev.capstan.agent.runtime.ContainerRuntime;
import dev.capstan.agent.testing.RuntimeFixture;
import dev.capstan.agent.testing.NoTokenVolumes;
import dev.capstan.api.agent.v1.AgentGrpc;
import dev.capstan.api.core.v1.Container;
import dev.capstan.api.core.v1.ContainerStatus;
import dev.capstan.api.core.v1.Pod;
import dev.capstan.api.core.v1.PodExecRequest;
import dev.capstan.api.core.v1.PodExecResponse;
import dev.capstan.api.core.v1.PodSpec;
import dev.capstan.api.meta.v1.DeleteRequest;
import dev.capstan.api.meta.v1.ObjectMeta;
import dev.capstan.apiserver.ApiServer;
import dev.capstan.client.CapstanClient;
import dev.capstan.store.local.LocalKeyValueStore;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * An agent that stops, with its runtime instance closed, and a new agent with a new runtime
 * instance on the same node and backend: the running containers are found again by their labels
 * and adopted, neither stopped nor started again, as across a kubelet restart. A runtime joins
 * with a subclass that starts its {@link RuntimeFixture}.
 */
abstract class AgentRestartOnContainerRuntime {
  private static final String NODE = "restart-node";

  private RuntimeFixture backend;
  private ContainerRuntime runtime;

  /** Starts the runtime for the test (skipping it where the runtime cannot run). */
  protected abstract RuntimeFixture startFixture() throws Exception;
  private ApiServer apiServer;
  private CapstanClient client;
  private Agent agent;

  @BeforeEach
  void start() throws Exception {
    backend = startFixture();
    apiServer = ApiServer.start(new LocalKeyValueStore(), 0);
    client = CapstanClient.connect("127.0.0.1:" + apiServer.port());
    NoTokenVolumes.in(client, "default");
    agent = newAgent();
  }

  /** A new agent on a new runtime instance, as a restarted agent process opens. */
  private Agent newAgent() {
    runtime = backend.newRuntime();
    Agent a = new Agent(AgentConfig.of(NODE, backend.dir().resolve("agent"), "127.0.0.1", 0, runtime)
        .withBackOff(Duration.ofMillis(200), Duration.ofSeconds(2))
        .withResyncInterval(Duration.ofSeconds(1))
        .withNodeStatusInterval(Duration.ofSeconds(1))
        .withLeaseRenewInterval(Duration.ofSeconds(1))
        .withShutdownGracePeriod(Duration.ZERO)
        .withStopPodsOnClose(false), client, Clock.systemUTC());
    a.start();
    return a;
  }

  @AfterEach
  void stop() throws Exception {
    // Null checks: a skipped @BeforeEach (no runtime here) still runs this.
    if (agent != null) {
      agent.close();
    }
    if (runtime != null) {
      runtime.close();
    }
    if (client != null) {
      client.close();
    }
    if (apiServer != null) {
      apiServer.close();
    }
    if (backend != null) {
      backend.close();
    }
  }

  private Pod get(String name) {
    return client.pods().get("default", name);
  }

  @Test
  void aRestartedAgentAdoptsTheRunningContainersInsteadOfRestartingThem() {
    assertThat(runtime.features()).contains(RuntimeFeature.SURVIVES_AGENT_RESTART);
    client.pods().create(Pod.newBuilder()
        .setMetadata(ObjectMeta.newBuilder().setName("long-lived").setNamespace("default"))
        .setSpec(PodSpec.newBuilder().setNodeName(NODE).setRestartPolicy("Always").setTerminationGracePeriodSeconds(1)
            .addContainers(Container.newBuilder().setName("app").setImage(RuntimeFixture.BUSYBOX)
                .addAllCommand(List.of("sleep", "3600"))))
        .build());
    await().atMost(Duration.ofSeconds(30)).until(() -> get("long-lived").getStatus().getPhase().equals("Running"));
    ContainerStatus before = get("long-lived").getStatus().getContainerStatuses(0);
    String podIp = get("long-lived").getStatus().getPodIp();

    agent.close();
    agent = null;
    runtime.close();
    runtime = null;
    List<RuntimeContainer> afterStop = backend.runtime().listContainers(Map.of());
    assertThat(afterStop).as("the stopped agent left its container running").singleElement()
        .satisfies(c -> assertThat(c.state()).isEqualTo(ContainerState.RUNNING));

    agent = newAgent();
    // Only the new agent can answer an exec: it must know the pod and find its running container,
    // the one the old agent started.
    ManagedChannel channel = Grpc.newChannelBuilder("127.0.0.1:" + agent.port(), InsecureChannelCredentials.create())
        .build();
    try {
      PodExecResponse exec = await().atMost(Duration.ofSeconds(20)).ignoreExceptions()
          .until(() -> AgentGrpc.newBlockingStub(channel).exec(PodExecRequest.newBuilder().setNamespace("default")
              .setName("long-lived").addAllCommand(List.of("echo", "adopted")).build()), r -> r.getExitCode() == 0);
      assertThat(exec.getStdout().toStringUtf8()).isEqualTo("adopted\n");
    } finally {
      channel.shutdownNow();
    }
    ContainerStatus after = get("long-lived").getStatus().getContainerStatuses(0);
    assertThat(after.getContainerId()).isEqualTo(before.getContainerId());
    assertThat(after.getRestartCount()).isZero();
    assertThat(after.getState().getRunning().getStartedAt()).isEqualTo(before.getState().getRunning().getStartedAt());
    assertThat(get("long-lived").getStatus().getPodIp()).isEqualTo(podIp);
    assertThat(backend.runtime().listContainers(Map.of())).singleElement()
        .satisfies(c -> assertThat(c.id()).isEqualTo(afterStop.get(0).id()));

    // And it runs the pod from now on: deleting it takes its container and sandbox away.
    client.pods().delete(DeleteRequest.newBuilder().setNamespace("default").setName("long-lived").build());
    await().atMost(Duration.ofSeconds(30)).until(() -> backend.runtime().listPodSandboxes(Map.of()).isEmpty()
        && client.pods().list("default").items().isEmpty());
  }
}
