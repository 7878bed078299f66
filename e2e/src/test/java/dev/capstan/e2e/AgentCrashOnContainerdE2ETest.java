package dev.capstan.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.capstan.api.core.v1.ContainerStatus;
import dev.capstan.api.core.v1.Pod;
import dev.capstan.client.CapstanClient;
import dev.capstan.client.ClientTls;
import dev.capstan.client.config.ClientConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.condition.EnabledIf;

/**
 * A {@code capstan agent} process with its own containerd is killed with SIGKILL while it runs a
 * pod, as a crash or the OOM killer would, and started again on the same data dir: the pod's
 * container keeps running all the while (it still serves HTTP at the pod's IP while no agent runs),
 * and the new agent adopts it: same container ID and start time, restart count 0, still Running and
 * Ready. The containerd the dead agent left behind is replaced by the new agent's own.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@EnabledIf("containerdUsable")
class AgentCrashOnContainerdE2ETest {
  private static final String ADMIN_TOKEN = "admin-crash-e2e";
  private static final String NODE_TOKEN = "node-crash-e2e";
  private static final String NODE = "crash-node";

  private Path tmp;
  private CapstanBinary capstan;
  private DaemonProcess server;
  private DaemonProcess agent;
  private CapstanClient client;
  private int apiPort;
  private int agentPort;

  static boolean containerdUsable() {
    return dev.capstan.agent.NodeRuntime.containerdUnusableBecause().isEmpty();
  }

  private Path caFile() {
    return tmp.resolve("server").resolve("pki").resolve("ca.crt");
  }

  @BeforeAll
  void startServer() throws Exception {
    tmp = Files.createTempDirectory(Files.createDirectories(Path.of("target", "e2e-runs")).toAbsolutePath(), "crash-");
    Path tokens = tmp.resolve("tokens.csv");
    Files.writeString(tokens, String.join("\n",
        ADMIN_TOKEN + ",admin,admin,\"system:masters\"",
        NODE_TOKEN + ",system:node:" + NODE + ",node-" + NODE + ",\"system:nodes\"") + "\n");
    apiPort = CapstanBinary.freePort();
    agentPort = CapstanBinary.freePort();
    capstan = new CapstanBinary(tmp.resolve("config"));
    server = DaemonProcess.start(capstan, "server", tmp.resolve("server.log"), "capstan server",
        List.of("server", "--name", "s1", "--data-dir", tmp.resolve("server").toString(),
            "--api-port", Integer.toString(apiPort), "--raft-port", Integer.toString(CapstanBinary.freePort()),
            "--etcd-port", "0", "--metrics-port", "0", "--token-auth-file", tokens.toString()));
    server.awaitReady();
    ClientTls tls = ClientTls.serverOnly(Files.readString(caFile()));
    ClientConfig.single("crash", List.of("127.0.0.1:" + apiPort), ADMIN_TOKEN, tls).save(tmp.resolve("config"));
    client = CapstanClient.connect("127.0.0.1:" + apiPort, ADMIN_TOKEN, tls);
  }

  @AfterAll
  void stopAll() throws Exception {
    try {
      if (client != null && agent != null && agent.isAlive()) {
        // The agent leaves its pods running when it stops: delete them first, so nothing is left.
        for (Pod p : client.pods().list("default").items()) {
          client.pods().delete("default", p.getMetadata().getName());
        }
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
            .until(() -> client.pods().list("default").items().isEmpty());
        agent.stop();
      }
    } finally {
      if (agent != null) {
        agent.close();
      }
      if (client != null) {
        client.close();
      }
      if (server != null) {
        server.close();
      }
      // Whatever went wrong above, no containerd or shim of this test outlives it.
      ProcessHandle.allProcesses()
          .filter(h -> h.info().commandLine().orElse("").contains(tmp.toString()))
          .forEach(ProcessHandle::destroyForcibly);
      if (agent != null) {
        System.out.println("---- agent output ----\n" + agent.output());
      }
    }
  }

  @Test
  void aKilledAgentsPodKeepsRunningAndIsAdoptedByTheNextAgent() throws Exception {
    agent = startAgent("agent-1.log");
    String manifest = """
        apiVersion: v1
        kind: Pod
        metadata:
          name: web
        spec:
          terminationGracePeriodSeconds: 1
          containers:
          - name: httpd
            image: busybox:1.36
            command: ["sh", "-c", "echo crash-test > /tmp/index.html; exec httpd -f -p 8080 -h /tmp"]
            readinessProbe:
              httpGet: {path: /index.html, port: 8080}
              periodSeconds: 1
        """;
    CapstanBinary.Result applied = capstan.runWithInput(manifest, "apply", "-f", "-");
    assertThat(applied.exitCode()).as(applied.toString()).isZero();
    Pod before = await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
        .until(() -> client.pods().get("default", "web"), AgentCrashOnContainerdE2ETest::runningAndReady);
    ContainerStatus c1 = before.getStatus().getContainerStatuses(0);
    String ip = before.getStatus().getPodIp();
    assertThat(get(ip)).isEqualTo("crash-test\n");
    long oldContainerd = containerdPid().orElseThrow(() -> new AssertionError("the agent's containerd is not running"));

    agent.kill();
    // No agent runs now; the container and the containerd the agent started do.
    assertThat(get(ip)).isEqualTo("crash-test\n");
    assertThat(ProcessHandle.of(oldContainerd).map(ProcessHandle::isAlive)).contains(true);

    agent = startAgent("agent-2.log");
    // The new agent replaces the orphaned containerd (two cannot share one root) ...
    await().atMost(Duration.ofSeconds(30)).until(() -> ProcessHandle.of(oldContainerd).isEmpty()
        || !ProcessHandle.of(oldContainerd).get().isAlive());
    assertThat(containerdPid()).isPresent().get().isNotEqualTo(oldContainerd);
    // ... and, having synced the pod, reports the same container still running, never restarted.
    // The adoption line comes after the agent's first sync of the pod, status written.
    await().atMost(Duration.ofSeconds(30)).until(() -> agent.output().contains("adopted pod default/web"));
    Pod after = await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
        .until(() -> client.pods().get("default", "web"), AgentCrashOnContainerdE2ETest::runningAndReady);
    ContainerStatus c2 = after.getStatus().getContainerStatuses(0);
    assertThat(c2.getContainerId()).isEqualTo(c1.getContainerId());
    assertThat(c2.getRestartCount()).isZero();
    assertThat(c2.getState().getRunning().getStartedAt()).isEqualTo(c1.getState().getRunning().getStartedAt());
    assertThat(after.getStatus().getPodIp()).isEqualTo(ip);
    assertThat(get(ip)).isEqualTo("crash-test\n");

    // The new agent acts on the adopted pod: deleting it stops and removes its container.
    client.pods().delete("default", "web");
    await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
        .until(() -> client.pods().list("default").items().isEmpty());
    assertThat(ProcessHandle.allProcesses().map(h -> h.info().commandLine().orElse(""))
        .filter(cmd -> cmd.contains("httpd -f -p 8080 -h /tmp")).toList()).isEmpty();
  }

  private DaemonProcess startAgent(String logName) throws Exception {
    DaemonProcess a = DaemonProcess.start(capstan, "agent", tmp.resolve(logName), "capstan agent: node \"",
        List.of("agent", "--server", "127.0.0.1:" + apiPort, "--node-name", NODE,
            "--data-dir", tmp.resolve("agent").toString(), "--agent-port", Integer.toString(agentPort),
            "--certificate-authority", caFile().toString(), "--metrics-port", "0", "--token", NODE_TOKEN,
            "--runtime", "containerd"));
    a.awaitReady();
    return a;
  }

  /** The agent's own containerd: the one whose config lies under this test's agent data dir. */
  private Optional<Long> containerdPid() {
    Pattern config = Pattern.compile("containerd --config " + Pattern.quote(tmp.resolve("agent").toString()));
    return ProcessHandle.allProcesses()
        .filter(h -> {
          Matcher m = config.matcher(h.info().commandLine().orElse(""));
          return m.find();
        })
        .map(ProcessHandle::pid)
        .findFirst();
  }

  private static boolean runningAndReady(Pod p) {
    return p.getStatus().getPhase().equals("Running") && p.getStatus().getConditionsList().stream()
        .anyMatch(c -> c.getType().equals("Ready") && c.getStatus().equals("True"));
  }

  private static String get(String ip) throws Exception {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://" + ip + ":8080/index.html"))
        .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    return r.body();
  }
}
