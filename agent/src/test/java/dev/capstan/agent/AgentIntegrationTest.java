package dev.capstan.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.capstan.agent.pod.RuntimeLabels;
import dev.capstan.agent.runtime.ContainerState;
import dev.capstan.agent.runtime.RuntimeContainer;
import dev.capstan.agent.runtime.process.ProcessRuntime;
import dev.capstan.api.agent.v1.AgentGrpc;
import dev.capstan.api.coordination.v1.Lease;
import dev.capstan.api.core.v1.Container;
import dev.capstan.api.core.v1.ContainerStatus;
import dev.capstan.api.core.v1.ExecAction;
import dev.capstan.api.core.v1.HTTPGetAction;
import dev.capstan.api.core.v1.Node;
import dev.capstan.api.core.v1.NodeCondition;
import dev.capstan.api.core.v1.Pod;
import dev.capstan.api.core.v1.PodCondition;
import dev.capstan.api.core.v1.PodExecRequest;
import dev.capstan.api.core.v1.PodExecResponse;
import dev.capstan.api.core.v1.PodLogChunk;
import dev.capstan.api.core.v1.PodLogRequest;
import dev.capstan.api.core.v1.PodSpec;
import dev.capstan.api.core.v1.Probe;
import dev.capstan.api.core.v1.PodsGrpc;
import dev.capstan.api.meta.v1.DeleteRequest;
import dev.capstan.api.meta.v1.ObjectMeta;
import dev.capstan.apiserver.ApiServer;
import dev.capstan.client.CapstanClient;
import dev.capstan.store.local.LocalKeyValueStore;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import dev.capstan.agent.metrics.AgentMetrics;
import dev.capstan.client.metrics.MetricSamples;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** A real apiserver (in-memory store), a real agent and the process runtime; no scheduler: pods name their node. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AgentIntegrationTest {
  private static final String NODE = "node-1";

  @TempDir static Path dataDir;
  private ApiServer apiServer;
  private CapstanClient client;
  private ProcessRuntime runtime;
  private Agent agent;
  private ManagedChannel agentChannel;
  private final PrometheusRegistry registry = new PrometheusRegistry();

  @BeforeAll
  void startCluster() {
    apiServer = ApiServer.start(new LocalKeyValueStore(), 0);
    client = CapstanClient.connect("127.0.0.1:" + apiServer.port());
    runtime = new ProcessRuntime(dataDir.resolve("runtime"), "127.0.0.1", Clock.systemUTC());
    AgentConfig config = AgentConfig.of(NODE, dataDir, "127.0.0.1", 0, runtime)
        .withBackOff(Duration.ofMillis(200), Duration.ofSeconds(2))
        .withResyncInterval(Duration.ofSeconds(1))
        .withNodeStatusInterval(Duration.ofMillis(300))
        .withLeaseRenewInterval(Duration.ofMillis(300));
    agent = new Agent(config, client, Clock.systemUTC(), new AgentMetrics(registry));
    agent.start();
    agentChannel = Grpc.newChannelBuilder("127.0.0.1:" + agent.port(), InsecureChannelCredentials.create()).build();
  }

  @AfterAll
  void stopCluster() {
    if (agentChannel != null) {
      agentChannel.shutdownNow();
    }
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
  }

  private Pod createPod(String name, String restartPolicy, String... command) {
    return createPodOn(NODE, name, restartPolicy, command);
  }

  private Pod createPodOn(String node, String name, String restartPolicy, String... command) {
    return client.pods().create(Pod.newBuilder()
        .setMetadata(ObjectMeta.newBuilder().setName(name).setNamespace("default"))
        .setSpec(PodSpec.newBuilder().setNodeName(node).setRestartPolicy(restartPolicy)
            .addContainers(Container.newBuilder().setName("app").setImage("busybox").addAllCommand(List.of(command))))
        .build());
  }

  private Pod get(String name) {
    return client.pods().get("default", name);
  }

  private Pod awaitPhase(String name, String phase) {
    await().atMost(Duration.ofSeconds(15)).until(() -> get(name).getStatus().getPhase().equals(phase));
    return get(name);
  }

  private List<RuntimeContainer> containersOf(Pod pod) {
    return runtime.listContainers(Map.of(RuntimeLabels.POD_UID, pod.getMetadata().getUid()));
  }

  private ProcessHandle processOf(Pod pod) {
    RuntimeContainer running = containersOf(pod).stream().filter(c -> c.state() == ContainerState.RUNNING)
        .findFirst().orElseThrow();
    return runtime.processHandle(running.id()).orElseThrow();
  }

  private String logs(PodLogRequest.Builder request, boolean throughApiServer) {
    PodLogRequest r = request.setNamespace("default").build();
    Iterator<PodLogChunk> it = throughApiServer
        ? PodsGrpc.newBlockingStub(client.channel()).log(r)
        : AgentGrpc.newBlockingStub(agentChannel).log(r);
    StringBuilder sb = new StringBuilder();
    it.forEachRemaining(c -> sb.append(c.getData().toStringUtf8()));
    return sb.toString();
  }

  private Pod createProbedPod(String name, Container container) {
    return client.pods().create(Pod.newBuilder()
        .setMetadata(ObjectMeta.newBuilder().setName(name).setNamespace("default"))
        .setSpec(PodSpec.newBuilder().setNodeName(NODE).setRestartPolicy("Always").addContainers(container))
        .build());
  }

  private static Probe.Builder every(int failureThreshold) {
    return Probe.newBuilder().setPeriodSeconds(1).setTimeoutSeconds(1).setFailureThreshold(failureThreshold);
  }

  private static String condition(Pod pod, String type) {
    return pod.getStatus().getConditionsList().stream().filter(c -> c.getType().equals(type))
        .map(PodCondition::getStatus).findFirst().orElse("");
  }

  @Test
  void aReadinessProbeDecidesReadyWithoutEverRestartingTheContainer() throws Exception {
    Path marker = dataDir.resolve("ready-marker");
    createProbedPod("probed-ready", Container.newBuilder().setName("app").setImage("busybox")
        .addAllCommand(List.of("sleep", "3600"))
        .setReadinessProbe(every(1).setExec(ExecAction.newBuilder().addAllCommand(List.of("test", "-e", marker.toString()))))
        .build());
    awaitPhase("probed-ready", "Running");
    assertThat(condition(get("probed-ready"), "Ready")).isEqualTo("False");

    Files.writeString(marker, "ok");
    await().atMost(Duration.ofSeconds(15)).until(() -> condition(get("probed-ready"), "Ready").equals("True"));
    assertThat(get("probed-ready").getStatus().getContainerStatuses(0).getReady()).isTrue();

    Files.delete(marker);
    await().atMost(Duration.ofSeconds(15)).until(() -> condition(get("probed-ready"), "Ready").equals("False"));
    ContainerStatus app = get("probed-ready").getStatus().getContainerStatuses(0);
    assertThat(app.getReady()).isFalse();
    assertThat(app.getRestartCount()).isZero();
    assertThat(app.getState().hasRunning()).isTrue();
  }

  @Test
  void httpProbesReachARealServerAndAFailingLivenessProbeRestartsIt() throws Exception {
    Path docroot = Files.createDirectories(dataDir.resolve("www"));
    Files.writeString(docroot.resolve("index.html"), "hello");
    int port;
    try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
      port = s.getLocalPort();
    }
    createProbedPod("probed-http", Container.newBuilder().setName("app").setImage("busybox")
        .addAllCommand(List.of("busybox", "httpd", "-f", "-p", "127.0.0.1:" + port, "-h", docroot.toString()))
        .setReadinessProbe(every(1).setHttpGet(HTTPGetAction.newBuilder().setPath("/index.html").setPort(Integer.toString(port))))
        .setLivenessProbe(every(2).setInitialDelaySeconds(1)
            .setHttpGet(HTTPGetAction.newBuilder().setPath("/healthz").setPort(Integer.toString(port))))
        .build());
    await().atMost(Duration.ofSeconds(15)).until(() -> condition(get("probed-http"), "Ready").equals("True"));

    // /healthz does not exist: 404 twice in a row, and the container is killed and started again.
    await().atMost(Duration.ofSeconds(30)).until(() -> get("probed-http").getStatus().getContainerStatuses(0).getRestartCount() >= 1);
    ContainerStatus app = get("probed-http").getStatus().getContainerStatuses(0);
    assertThat(app.getLastState().hasTerminated()).isTrue();

    // What happened is on record as the kubelet's Events about the pod.
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(client.events().list("default").items().stream()
        .filter(e -> e.getInvolvedObject().getName().equals("probed-http"))
        .peek(e -> assertThat(e.getSource().getComponent()).isEqualTo("kubelet"))
        .map(e -> e.getReason() + ": " + e.getMessage()).toList())
        .contains("Created: Created container app", "Started: Started container app",
            "Unhealthy: Liveness probe failed: HTTP probe failed with statuscode: 404")
        .anyMatch(m -> m.startsWith("Killing: Container app Liveness probe failed")));
  }

  @Test
  void initContainersRunToCompletionInOrderBeforeTheAppStarts() {
    Path shared = dataDir.resolve("init-shared");
    client.pods().create(Pod.newBuilder()
        .setMetadata(ObjectMeta.newBuilder().setName("with-init").setNamespace("default"))
        .setSpec(PodSpec.newBuilder().setNodeName(NODE).setRestartPolicy("Always")
            .addInitContainers(Container.newBuilder().setName("first").setImage("busybox")
                .addAllCommand(List.of("sh", "-c", "mkdir -p " + shared + " && echo one > " + shared + "/log")))
            .addInitContainers(Container.newBuilder().setName("second").setImage("busybox")
                .addAllCommand(List.of("sh", "-c", "echo two >> " + shared + "/log")))
            .addContainers(Container.newBuilder().setName("app").setImage("busybox")
                .addAllCommand(List.of("sh", "-c", "cat " + shared + "/log; exec sleep 3600"))))
        .build());
    Pod pod = awaitPhase("with-init", "Running");
    assertThat(condition(pod, "Initialized")).isEqualTo("True");
    assertThat(pod.getStatus().getInitContainerStatusesList()).extracting(ContainerStatus::getName)
        .containsExactly("first", "second");
    assertThat(pod.getStatus().getInitContainerStatusesList())
        .allMatch(cs -> cs.getState().getTerminated().getExitCode() == 0 && cs.getReady());
    await().atMost(Duration.ofSeconds(10))
        .until(() -> logs(PodLogRequest.newBuilder().setName("with-init").setContainer("app"), false).equals("one\ntwo\n"));
  }

  @Test
  void execRunsACommandInTheRunningContainerAndReturnsItsOutputAndExitCode() {
    createPod("exec-target", "Always", "sleep", "3600");
    awaitPhase("exec-target", "Running");
    PodExecResponse r = PodsGrpc.newBlockingStub(client.channel()).exec(PodExecRequest.newBuilder()
        .setNamespace("default").setName("exec-target")
        .addAllCommand(List.of("sh", "-c", "echo out; echo err >&2; exit 3")).build());
    assertThat(r.getExitCode()).isEqualTo(3);
    assertThat(r.getStdout().toStringUtf8()).isEqualTo("out\n");
    assertThat(r.getStderr().toStringUtf8()).isEqualTo("err\n");

    PodExecResponse slow = PodsGrpc.newBlockingStub(client.channel()).exec(PodExecRequest.newBuilder()
        .setNamespace("default").setName("exec-target").setTimeoutSeconds(1).addAllCommand(List.of("sleep", "30")).build());
    assertThat(slow.getExitCode()).as("killed at its timeout").isEqualTo(124);

    StatusRuntimeException missing = org.junit.jupiter.api.Assertions.assertThrows(StatusRuntimeException.class,
        () -> PodsGrpc.newBlockingStub(client.channel()).exec(PodExecRequest.newBuilder()
            .setNamespace("default").setName("exec-target").setContainer("nope").addCommand("true").build()));
    assertThat(missing.getStatus().getDescription()).contains("container \"nope\" is not valid");
  }

  @Test
  void theNodeIsRegisteredReadyAndKeepsItsHeartbeat() {
    Node node = client.nodes().get("", NODE);
    assertThat(node.getMetadata().getLabelsMap()).containsEntry("kubernetes.io/hostname", NODE)
        .containsEntry("kubernetes.io/os", "linux").containsKey("kubernetes.io/arch");
    assertThat(node.getStatus().getCapacityMap()).containsEntry("pods", "110")
        .containsEntry("cpu", Integer.toString(Runtime.getRuntime().availableProcessors()))
        .hasEntrySatisfying("memory", m -> assertThat(m).endsWith("Ki"));
    assertThat(node.getStatus().getAddressesList()).anySatisfy(a -> {
      assertThat(a.getType()).isEqualTo("InternalIP");
      assertThat(a.getAddress()).isEqualTo("127.0.0.1");
    });
    assertThat(node.getStatus().getDaemonEndpoints().getKubeletEndpoint().getPort()).isEqualTo(agent.port());
    assertThat(node.getStatus().getNodeInfo().getContainerRuntimeVersion()).isEqualTo("process://1.0");
    assertThat(node.getStatus().getNodeInfo().getKubeletVersion()).isEqualTo("capstan/0.1.0");
    NodeCondition ready = ready(node);
    assertThat(ready.getStatus()).isEqualTo("True");
    assertThat(ready.getReason()).isEqualTo("KubeletReady");

    long heartbeat = ready.getLastHeartbeatTime().getSeconds() * 1_000_000_000L + ready.getLastHeartbeatTime().getNanos();
    await().until(() -> {
      NodeCondition c = ready(client.nodes().get("", NODE));
      return c.getLastHeartbeatTime().getSeconds() * 1_000_000_000L + c.getLastHeartbeatTime().getNanos() > heartbeat;
    });
  }

  private static NodeCondition ready(Node node) {
    return node.getStatus().getConditionsList().stream().filter(c -> c.getType().equals("Ready")).findFirst().orElseThrow();
  }

  @Test
  void theNodeLeaseIsRenewed() {
    await().until(() -> {
      try {
        client.leases().get("kube-node-lease", NODE);
        return true;
      } catch (StatusRuntimeException e) {
        return false;
      }
    });
    Lease lease = client.leases().get("kube-node-lease", NODE);
    assertThat(lease.getSpec().getHolderIdentity()).isEqualTo(NODE);
    assertThat(lease.getSpec().getLeaseDurationSeconds()).isEqualTo(40);
    assertThat(lease.getMetadata().getOwnerReferencesList()).anySatisfy(o -> {
      assertThat(o.getKind()).isEqualTo("Node");
      assertThat(o.getUid()).isEqualTo(agent.node().getMetadata().getUid());
    });
    var first = lease.getSpec().getRenewTime();
    await().until(() -> {
      var now = client.leases().get("kube-node-lease", NODE).getSpec().getRenewTime();
      return now.getSeconds() > first.getSeconds()
          || (now.getSeconds() == first.getSeconds() && now.getNanos() > first.getNanos());
    });
  }

  @Test
  void aPodBoundToTheNodeRunsAndIsReportedRunning() {
    createPod("runner", "Always", "sleep", "3600");
    Pod pod = awaitPhase("runner", "Running");

    assertThat(pod.getStatus().getPodIp()).isEqualTo("127.0.0.1");
    assertThat(pod.getStatus().getPodIpsList()).extracting(p -> p.getIp()).containsExactly("127.0.0.1");
    assertThat(pod.getStatus().getHostIp()).isEqualTo("127.0.0.1");
    assertThat(pod.getStatus().hasStartTime()).isTrue();
    ContainerStatus cs = pod.getStatus().getContainerStatuses(0);
    assertThat(cs.getState().hasRunning()).isTrue();
    assertThat(cs.getReady()).isTrue();
    assertThat(cs.getImage()).isEqualTo("busybox");
    assertThat(cs.getContainerId()).startsWith("process://");
    assertThat(pod.getStatus().getConditionsList()).filteredOn(c -> c.getType().equals("Ready"))
        .extracting(PodCondition::getStatus).containsExactly("True");
    assertThat(processOf(pod).isAlive()).isTrue();
  }

  @Test
  void aKilledContainerIsRestartedAndItsPreviousLogKept() {
    // Other tests share the agent: its metrics are compared before and after.
    double restarts = metric("capstan_agent_container_restarts_total");
    long podStarts = MetricSamples.scrape(registry).count("kubelet_pod_start_duration_seconds");
    double starts = metric("kubelet_runtime_operations_total", "operation_type", "start_container");
    createPod("crasher", "Always", "sh", "-c", "echo started; exec sleep 3600");
    Pod pod = awaitPhase("crasher", "Running");
    await().atMost(Duration.ofSeconds(5)).until(() -> MetricSamples.scrape(registry)
        .count("kubelet_pod_start_duration_seconds") > podStarts);
    assertThatThrownBy(() -> logs(PodLogRequest.newBuilder().setName("crasher").setPrevious(true), false))
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND));

    processOf(pod).destroyForcibly();

    await().atMost(Duration.ofSeconds(15)).until(() -> {
      ContainerStatus cs = get("crasher").getStatus().getContainerStatuses(0);
      return cs.getRestartCount() == 1 && cs.getState().hasRunning();
    });
    ContainerStatus cs = get("crasher").getStatus().getContainerStatuses(0);
    assertThat(cs.getLastState().getTerminated().getExitCode()).isEqualTo(137);
    assertThat(cs.getLastState().getTerminated().getReason()).isEqualTo("Error");
    assertThat(get("crasher").getStatus().getPhase()).isEqualTo("Running");
    assertThat(logs(PodLogRequest.newBuilder().setName("crasher").setPrevious(true), false)).isEqualTo("started\n");
    // At least this one: pods of other tests may restart meanwhile.
    assertThat(metric("capstan_agent_container_restarts_total")).isGreaterThanOrEqualTo(restarts + 1);
    assertThat(metric("kubelet_runtime_operations_total", "operation_type", "start_container"))
        .isGreaterThanOrEqualTo(starts + 2);
    assertThat(metric("kubelet_running_containers", "container_state", "running")).isPositive();
    assertThat(metric("kubelet_running_pods")).isPositive();
  }

  private double metric(String name, String... labels) {
    return MetricSamples.scrape(registry).value(name, labels).orElse(0);
  }

  @Test
  void aFailingContainerWithRestartPolicyNeverFailsThePod() {
    createPod("exit3", "Never", "sh", "-c", "exit 3");
    Pod pod = awaitPhase("exit3", "Failed");
    ContainerStatus cs = pod.getStatus().getContainerStatuses(0);
    assertThat(cs.getState().getTerminated().getExitCode()).isEqualTo(3);
    assertThat(cs.getState().getTerminated().getReason()).isEqualTo("Error");
    assertThat(cs.getRestartCount()).isZero();
  }

  @Test
  void aSucceedingContainerSucceedsThePodAndItsLogIsServed() {
    createPod("hello", "Never", "echo", "hi");
    Pod pod = awaitPhase("hello", "Succeeded");
    assertThat(pod.getStatus().getContainerStatuses(0).getState().getTerminated().getReason()).isEqualTo("Completed");
    assertThat(logs(PodLogRequest.newBuilder().setName("hello"), false)).isEqualTo("hi\n");
    // The apiserver's pods/log proxies to this agent through the Node's address and port.
    assertThat(logs(PodLogRequest.newBuilder().setName("hello").setTimestamps(true), true)).matches("\\d{4}-\\d\\d-\\d\\dT\\S+Z hi\n");
  }

  @Test
  void logsFollowNewLinesAndNameWhatIsMissing() {
    createPod("ticker", "Always", "sh", "-c", "i=0; while true; do echo tick $i; i=$((i+1)); sleep 0.2; done");
    awaitPhase("ticker", "Running");
    StringBuffer received = new StringBuffer();
    AtomicReference<ClientCallStreamObserver<PodLogRequest>> call = new AtomicReference<>();
    AgentGrpc.newStub(agentChannel).log(PodLogRequest.newBuilder().setNamespace("default").setName("ticker")
        .setFollow(true).setTailLines(1).build(), new ClientResponseObserver<PodLogRequest, PodLogChunk>() {
          @Override
          public void beforeStart(ClientCallStreamObserver<PodLogRequest> requestStream) {
            call.set(requestStream);
          }

          @Override
          public void onNext(PodLogChunk value) {
            received.append(value.getData().toStringUtf8());
          }

          @Override
          public void onError(Throwable t) {}

          @Override
          public void onCompleted() {}
        });
    await().until(() -> received.toString().split("\n").length >= 3);
    String[] lines = received.toString().split("\n");
    int first = Integer.parseInt(lines[0].substring("tick ".length()));
    assertThat(lines[1]).isEqualTo("tick " + (first + 1));
    assertThat(lines[2]).isEqualTo("tick " + (first + 2));
    call.get().cancel("enough", null);

    assertThatThrownBy(() -> logs(PodLogRequest.newBuilder().setName("ticker").setContainer("nope"), false))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
          assertThat(e.getStatus().getDescription()).contains("\"nope\"").contains("\"ticker\"");
        });
    assertThatThrownBy(() -> logs(PodLogRequest.newBuilder().setName("ghost"), false))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
          assertThat(e.getStatus().getDescription()).contains("\"ghost\"");
        });
  }

  @Test
  void deletingAPodStopsItsProcessesAndRemovesIt() {
    createPod("doomed", "Always", "sh", "-c", "sleep 3600 & wait");
    Pod pod = awaitPhase("doomed", "Running");
    ProcessHandle shell = processOf(pod);
    await().until(() -> shell.children().findAny().isPresent());
    ProcessHandle child = shell.children().findFirst().orElseThrow();

    client.pods().delete("default", "doomed");

    await().atMost(Duration.ofSeconds(15)).until(() -> {
      try {
        get("doomed");
        return false;
      } catch (StatusRuntimeException e) {
        return e.getStatus().getCode() == Status.Code.NOT_FOUND;
      }
    });
    assertThat(shell.isAlive()).isFalse();
    // The child was signalled before the pod was removed; once re-parented, init reaps it.
    await().until(() -> !child.isAlive());
    assertThat(containersOf(pod)).isEmpty();
    assertThat(dataDir.resolve("pods").resolve(pod.getMetadata().getUid())).doesNotExist();
  }

  @Test
  void aPodForceDeletedFromTheApiIsKilled() {
    createPod("forced", "Always", "sleep", "3600");
    Pod pod = awaitPhase("forced", "Running");
    ProcessHandle process = processOf(pod);

    client.pods().delete(DeleteRequest.newBuilder().setNamespace("default").setName("forced").setGracePeriodSeconds(0).build());

    await().atMost(Duration.ofSeconds(15)).until(() -> !process.isAlive() && containersOf(pod).isEmpty());
  }

  @Test
  void closingAnAgentKillsItsContainers() {
    ProcessRuntime otherRuntime = new ProcessRuntime(dataDir.resolve("runtime-2"), "127.0.0.1", Clock.systemUTC());
    Agent other = new Agent(AgentConfig.of("node-2", dataDir.resolve("node-2"), "127.0.0.1", 0, otherRuntime),
        client, Clock.systemUTC());
    try {
      other.start();
      createPodOn("node-2", "elsewhere", "Always", "sleep", "3600");
      awaitPhase("elsewhere", "Running");
      assertThat(containersOf(get("elsewhere"))).as("not on node-1").isEmpty();
      RuntimeContainer c = otherRuntime.listContainers(Map.of()).get(0);
      ProcessHandle process = otherRuntime.processHandle(c.id()).orElseThrow();

      other.close();

      assertThat(process.isAlive()).isFalse();
      assertThat(otherRuntime.listPodSandboxes(Map.of())).isEmpty();
    } finally {
      other.close();
      otherRuntime.close();
    }
  }
}
