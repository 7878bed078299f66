package dev.capstan.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.capstan.api.core.v1.Pod;
import dev.capstan.api.core.v1.PodCondition;
import dev.capstan.client.CapstanClient;
import dev.capstan.client.config.ClientConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.condition.EnabledIf;

/**
 * {@code capstan up --runtime podman}: the built binary with its own {@code podman system service},
 * the CLI as processes. The Deployment of the containerd e2e test runs the same way on Podman (two
 * Ready pods at their own IPs serving a ConfigMap), {@code capstan image import} loads an image
 * into the agent's Podman, and stopping {@code up} leaves nothing of it running.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@EnabledIf("podmanUsable")
class PodmanClusterE2ETest {
  private Path tmp;
  private CapstanBinary capstan;
  private ClusterProcess cluster;
  private CapstanClient client;

  static boolean podmanUsable() {
    return dev.capstan.agent.NodeRuntime.podmanUnusableBecause().isEmpty();
  }

  @BeforeAll
  void startCluster() throws Exception {
    tmp = Files.createTempDirectory(Files.createDirectories(Path.of("target", "e2e-runs")).toAbsolutePath(), "podman-");
    capstan = new CapstanBinary(tmp.resolve("config"));
    cluster = new ClusterProcess(capstan, tmp.resolve("data"), "--runtime", "podman");
    cluster.start();
    String token = ClientConfig.load(tmp.resolve("config")).current().token();
    client = CapstanClient.connect("127.0.0.1:" + cluster.apiPort, token,
        ClientConfig.load(tmp.resolve("config")).tls());
  }

  @AfterAll
  void stopCluster() throws Exception {
    if (client != null) {
      client.close();
    }
    if (cluster != null) {
      String out = cluster.output();
      cluster.close();
      System.out.println("---- capstan up output ----\n" + out);
    }
  }

  @Test
  @Order(1)
  void aDeploymentServesItsConfigMapFromTwoReadyPodsAtTheirOwnIps() throws Exception {
    String output = await().atMost(Duration.ofSeconds(10)).ignoreExceptions()
        .until(cluster::output, out -> out.contains("runtime:        "));
    assertThat(output).contains("runtime:        podman (own,");
    Path manifest = tmp.resolve("web.yaml");
    try (var in = getClass().getResourceAsStream("/containerd-web.yaml")) {
      Files.write(manifest, in.readAllBytes());
    }
    CapstanBinary.Result applied = capstan.run("apply", "-f", manifest.toString());
    assertThat(applied.exitCode()).as(applied.toString()).isZero();

    List<Pod> pods = await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(200))
        .until(() -> client.pods().list("default").items().stream()
            .filter(p -> "web".equals(p.getMetadata().getLabelsMap().get("app")))
            .filter(p -> !p.getMetadata().hasDeletionTimestamp()).toList(),
            ps -> ps.size() == 2 && ps.stream().allMatch(PodmanClusterE2ETest::ready));
    List<String> ips = pods.stream().map(p -> p.getStatus().getPodIp()).toList();
    assertThat(ips).doesNotHaveDuplicates().allMatch(ip -> !ip.equals("127.0.0.1"), "pods have their own IPs");
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    for (String ip : ips) {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://" + ip + ":8080/"))
          .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.body()).isEqualTo("<h1>served from a ConfigMap by busybox httpd on containerd</h1>\n");
    }
    CapstanBinary.Result exec = capstan.run("exec", pods.get(0).getMetadata().getName(), "--", "sh", "-c",
        "cat /www/index.html >/dev/null; echo inside; exit 4");
    assertThat(exec.exitCode()).as(exec.toString()).isEqualTo(4);
    assertThat(exec.stdout()).isEqualTo("inside\n");
  }

  @Test
  @Order(2)
  void anImportedImageRunsFromTheAgentsPodman() throws Exception {
    Path archive = tmp.resolve("hello.tar");
    new dev.capstan.agent.runtime.containerd.ImageArchive("example.local/hello:1", List.of(),
        List.of("/bin/busybox", "echo", "hello from podman"), List.of("PATH=/bin"))
        .directory("bin", 0755)
        .file("bin/busybox", 0755, Files.readAllBytes(Path.of("/bin/busybox")))
        .writeTo(archive);
    CapstanBinary.Result imported = capstan.run("image", "import", "--data-dir", tmp.resolve("data/agent").toString(),
        archive.toString());
    assertThat(imported.exitCode()).as(imported.toString()).isZero();
    String pod = """
        apiVersion: v1
        kind: Pod
        metadata:
          name: imported
        spec:
          restartPolicy: Never
          containers:
          - name: main
            image: example.local/hello:1
            imagePullPolicy: Never
        """;
    CapstanBinary.Result applied = capstan.runWithInput(pod, "apply", "-f", "-");
    assertThat(applied.exitCode()).as(applied.toString()).isZero();
    await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
        .until(() -> client.pods().get("default", "imported").getStatus().getPhase(), "Succeeded"::equals);
    assertThat(capstan.run("logs", "imported").stdout()).isEqualTo("hello from podman\n");
  }

  @Test
  @Order(3)
  void stoppingUpStopsItsPodmanAndEveryContainer() throws Exception {
    String dataDir = tmp.resolve("data").toAbsolutePath().toString();
    assertThat(processesMentioning(dataDir)).as("up's podman service and conmons run").isNotEmpty();
    cluster.stop();
    await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
        .untilAsserted(() -> assertThat(processesMentioning(dataDir)).isEmpty());
    assertThat(ProcessHandle.allProcesses().map(h -> h.info().commandLine().orElse(""))
        .filter(c -> c.contains("httpd -f -p 8080 -h /www")).toList()).isEmpty();
  }

  private static boolean ready(Pod p) {
    return p.getStatus().getConditionsList().stream()
        .anyMatch((PodCondition c) -> c.getType().equals("Ready") && c.getStatus().equals("True"));
  }

  private static List<String> processesMentioning(String text) {
    return ProcessHandle.allProcesses().map(h -> h.info().commandLine().orElse(""))
        .filter(c -> c.contains(text) && !c.contains("surefire")).toList();
  }
}
