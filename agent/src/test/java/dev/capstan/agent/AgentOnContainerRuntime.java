package dev.capstan.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.capstan.agent.pod.RuntimeLabels;
import dev.capstan.agent.testing.RuntimeFixture;
import dev.capstan.agent.testing.NoTokenVolumes;
import dev.capstan.api.agent.v1.AgentGrpc;
import dev.capstan.api.core.v1.Container;
import dev.capstan.api.core.v1.ContainerPort;
import dev.capstan.api.core.v1.ContainerStatus;
import dev.capstan.api.core.v1.ExecAction;
import dev.capstan.api.core.v1.HTTPGetAction;
import dev.capstan.api.core.v1.Pod;
import dev.capstan.api.core.v1.PodLogChunk;
import dev.capstan.api.core.v1.PodLogRequest;
import dev.capstan.api.core.v1.PodSpec;
import dev.capstan.api.core.v1.Probe;
import dev.capstan.api.core.v1.ResourceRequirements;
import dev.capstan.api.meta.v1.DeleteRequest;
import dev.capstan.api.meta.v1.ObjectMeta;
import dev.capstan.apiserver.ApiServer;
import dev.capstan.client.CapstanClient;
import dev.capstan.store.local.LocalKeyValueStore;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The agent as a kubelet on a real container runtime: a real apiserver (in-memory store), a real
 * agent, and the runtime of a {@link RuntimeFixture}; no scheduler, pods name their node. Pods run
 * from the busybox image, get their own IPs, and are reached from the host. A runtime joins with a
 * subclass that says how to start it and what its ids and pod IPs look like.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class AgentOnContainerRuntime {
  private static final String NODE = "runtime-node";

  private RuntimeFixture fixture;

  /** Starts the runtime for the class (skipping it where the runtime cannot run). */
  protected abstract RuntimeFixture startFixture() throws Exception;

  /** The scheme of the runtime's container ids and Node runtime version, e.g. "containerd". */
  protected abstract String scheme();

  /** How the fixture's pod IPs begin, e.g. "10.244.". */
  protected abstract String podIpPrefix();
  private ApiServer apiServer;
  private CapstanClient client;
  private Agent agent;
  private ManagedChannel agentChannel;

  @BeforeAll
  void startCluster() throws Exception {
    fixture = startFixture();
    apiServer = ApiServer.start(new LocalKeyValueStore(), 0);
    client = CapstanClient.connect("127.0.0.1:" + apiServer.port());
    NoTokenVolumes.in(client, "default");
    AgentConfig config = AgentConfig.of(NODE, fixture.dir().resolve("agent"), "127.0.0.1", 0, fixture.runtime())
        .withBackOff(Duration.ofMillis(200), Duration.ofSeconds(2))
        .withResyncInterval(Duration.ofSeconds(1))
        .withNodeStatusInterval(Duration.ofSeconds(1))
        .withLeaseRenewInterval(Duration.ofSeconds(1))
        .withShutdownGracePeriod(Duration.ZERO);
    agent = new Agent(config, client, Clock.systemUTC());
    agent.start();
    agentChannel = Grpc.newChannelBuilder("127.0.0.1:" + agent.port(), InsecureChannelCredentials.create()).build();
  }

  @AfterAll
  void stopCluster() throws Exception {
    if (agentChannel != null) {
      agentChannel.shutdownNow();
    }
    if (agent != null) {
      agent.close();
    }
    if (client != null) {
      client.close();
    }
    if (apiServer != null) {
      apiServer.close();
    }
    if (fixture != null) {
      fixture.close();
    }
  }

  @Test
  void theNodeReportsItsRuntime() {
    assertThat(client.nodes().get("", NODE).getStatus().getNodeInfo().getContainerRuntimeVersion())
        .startsWith(scheme() + "://");
  }

  @Test
  void aPodRunsWithItsOwnIpServesHttpAndItsLogsAreRead() throws Exception {
    Container web = Container.newBuilder().setName("web").setImage(RuntimeFixture.BUSYBOX)
        .addAllCommand(List.of("sh", "-c",
            "echo serving; echo hello from $HOSTNAME > /var/www/index.html; exec httpd -f -p 8080 -h /var/www"))
        .addPorts(ContainerPort.newBuilder().setContainerPort(8080))
        .setResources(ResourceRequirements.newBuilder().putLimits("memory", "64Mi").putLimits("cpu", "500m"))
        .build();
    Pod created = client.pods().create(Pod.newBuilder()
        .setMetadata(ObjectMeta.newBuilder().setName("web").setNamespace("default"))
        .setSpec(PodSpec.newBuilder().setNodeName(NODE).setRestartPolicy("Always")
            .setTerminationGracePeriodSeconds(1).addContainers(web))
        .build());

    await().atMost(Duration.ofSeconds(30)).until(() -> get("web").getStatus().getPhase().equals("Running"));
    Pod pod = get("web");
    String ip = pod.getStatus().getPodIp();
    assertThat(ip).startsWith(podIpPrefix());
    ContainerStatus cs = pod.getStatus().getContainerStatuses(0);
    assertThat(cs.getContainerId()).startsWith(scheme() + "://");
    assertThat(cs.getState().hasRunning()).isTrue();

    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    HttpRequest get = HttpRequest.newBuilder(URI.create("http://" + ip + ":8080/")).timeout(Duration.ofSeconds(2))
        .build();
    HttpResponse<String> response = await().atMost(Duration.ofSeconds(20)).ignoreExceptions()
        .until(() -> http.send(get, HttpResponse.BodyHandlers.ofString()), r -> r.statusCode() == 200);
    assertThat(response.body()).isEqualTo("hello from web\n");
    assertThat(logs("web")).isEqualTo("serving\n");

    client.pods().delete(DeleteRequest.newBuilder().setNamespace("default").setName("web").build());
    String uid = created.getMetadata().getUid();
    await().atMost(Duration.ofSeconds(30)).until(() ->
        fixture.runtime().listPodSandboxes(Map.of(RuntimeLabels.POD_UID, uid)).isEmpty()
            && client.pods().list("default").items().stream().noneMatch(p -> p.getMetadata().getName().equals("web")));
  }

  @Test
  void aFailingContainerWithRestartPolicyNeverFailsThePodWithItsExitCode() {
    client.pods().create(Pod.newBuilder()
        .setMetadata(ObjectMeta.newBuilder().setName("failing").setNamespace("default"))
        .setSpec(PodSpec.newBuilder().setNodeName(NODE).setRestartPolicy("Never")
            .addContainers(Container.newBuilder().setName("main").setImage(RuntimeFixture.BUSYBOX)
                .addAllCommand(List.of("sh", "-c", "echo bye; exit 7"))))
        .build());

    await().atMost(Duration.ofSeconds(30)).until(() -> get("failing").getStatus().getPhase().equals("Failed"));
    ContainerStatus cs = get("failing").getStatus().getContainerStatuses(0);
    assertThat(cs.getState().getTerminated().getExitCode()).isEqualTo(7);
    assertThat(cs.getState().getTerminated().getReason()).isEqualTo("Error");
    assertThat(logs("failing")).isEqualTo("bye\n");
  }

  @Test
  void probesRunInsideTheContainerAndAgainstThePodIp() {
    // Ready only while /tmp/ready exists in the container (an exec probe through the runtime); alive
    // only while httpd answers /healthz on the pod IP, which it stops doing once the file goes.
    Container web = Container.newBuilder().setName("web").setImage(RuntimeFixture.BUSYBOX)
        .addAllCommand(List.of("sh", "-c", "mkdir -p /www; touch /www/healthz /tmp/ready; exec httpd -f -p 8080 -h /www"))
        .addPorts(ContainerPort.newBuilder().setName("http").setContainerPort(8080))
        .setReadinessProbe(Probe.newBuilder().setPeriodSeconds(1).setFailureThreshold(1)
            .setExec(ExecAction.newBuilder().addAllCommand(List.of("test", "-e", "/tmp/ready"))))
        .setLivenessProbe(Probe.newBuilder().setPeriodSeconds(1).setFailureThreshold(2)
            .setHttpGet(HTTPGetAction.newBuilder().setPath("/healthz").setPort("http")))
        .build();
    client.pods().create(Pod.newBuilder()
        .setMetadata(ObjectMeta.newBuilder().setName("probed").setNamespace("default"))
        .setSpec(PodSpec.newBuilder().setNodeName(NODE).setRestartPolicy("Always")
            .setTerminationGracePeriodSeconds(1).addContainers(web))
        .build());
    await().atMost(Duration.ofSeconds(30)).until(() -> get("probed").getStatus().getContainerStatusesCount() == 1
        && get("probed").getStatus().getContainerStatuses(0).getReady());

    String id = get("probed").getStatus().getContainerStatuses(0).getContainerId().replace(scheme() + "://", "");
    fixture.runtime().execSync(id, List.of("rm", "/tmp/ready"), Duration.ofSeconds(5));
    await().atMost(Duration.ofSeconds(20)).until(() -> !get("probed").getStatus().getContainerStatuses(0).getReady());
    assertThat(get("probed").getStatus().getContainerStatuses(0).getRestartCount()).as("readiness never restarts")
        .isZero();

    fixture.runtime().execSync(id, List.of("rm", "/www/healthz"), Duration.ofSeconds(5));
    await().atMost(Duration.ofSeconds(30)).until(() -> get("probed").getStatus().getContainerStatuses(0).getRestartCount() == 1);
    // The new attempt starts with both files again, so it comes back ready.
    await().atMost(Duration.ofSeconds(30)).until(() -> get("probed").getStatus().getContainerStatuses(0).getReady());
    client.pods().delete(DeleteRequest.newBuilder().setNamespace("default").setName("probed").build());
  }

  private Pod get(String name) {
    return client.pods().get("default", name);
  }

  private String logs(String pod) {
    Iterator<PodLogChunk> it = AgentGrpc.newBlockingStub(agentChannel)
        .log(PodLogRequest.newBuilder().setNamespace("default").setName(pod).build());
    StringBuilder sb = new StringBuilder();
    it.forEachRemaining(c -> sb.append(c.getData().toStringUtf8()));
    return sb.toString();
  }
}
