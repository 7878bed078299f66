package dev.capstan.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.capstan.api.apps.v1.Deployment;
import dev.capstan.api.apps.v1.ReplicaSet;
import dev.capstan.api.core.v1.Pod;
import dev.capstan.api.meta.v1.WatchRequest;
import dev.capstan.client.CapstanClient;
import dev.capstan.client.WatchEvent;
import dev.capstan.client.WatchHandler;
import dev.capstan.client.ClientTls;
import dev.capstan.client.config.ClientConfig;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The walking skeleton end to end: the built {@code capstan} binary runs {@code up} as its own
 * process, and the CLI, run as further processes, drives a Kubernetes Deployment through its life.
 * Steps share one cluster and run in order.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SingleNodeClusterE2ETest {
  /** Under target/, kept after the run: the cluster's data and its output for post-mortems. */
  private Path tmp;
  private CapstanBinary capstan;
  private ClusterProcess cluster;
  private CapstanClient client;
  private String manifest;
  private String adminToken;

  @BeforeAll
  void startCluster() throws Exception {
    tmp = Files.createDirectories(Path.of("target", "e2e-runs")).toAbsolutePath();
    tmp = Files.createTempDirectory(tmp, "single-node-");
    capstan = new CapstanBinary(tmp.resolve("config"));
    // This test finds containers as host processes descending from `up`: the process runtime.
    cluster = new ClusterProcess(capstan, tmp.resolve("data"), "--runtime", "process");
    cluster.start();
    client = adminClient();
    manifest = new String(getClass().getResourceAsStream("/web-deployment.yaml").readAllBytes(), StandardCharsets.UTF_8);
  }

  @AfterAll
  void stopCluster() throws IOException {
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
  void upWritesAClientConfigAndRegistersOneReadyNode() {
    assertThat(tmp.resolve("config")).exists();
    await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
      CapstanBinary.Result r = capstan.run("get", "nodes");
      assertThat(r.exitCode()).as(r.toString()).isZero();
      assertThat(r.stdout()).containsPattern("NAME\\s+STATUS\\s+ROLES\\s+AGE\\s+VERSION");
      assertThat(r.stdout()).containsPattern("e2e-node\\s+Ready\\s");
    });
  }

  @Test
  @Order(14)
  void upsRaftPortLetsInOnlyItsOwnPeerCertificate() throws Exception {
    Path pki = tmp.resolve("data").resolve("pki").resolve("peer");
    assertThatThrownBy(() -> TlsProbe.firstByte(pki, null, cluster.raftPort))
        .isInstanceOfAny(javax.net.ssl.SSLException.class, java.net.SocketException.class);
    assertThat(TlsProbe.firstByte(pki, "capstan", cluster.raftPort)).isNotNegative();
  }

  @Test
  @Order(15)
  void upsEtcdPortServesOnlyTheEtcdctlCertificateItPrints() throws Exception {
    // The banner's etcdctl line, run as printed, reads the cluster's objects from its store.
    String line = cluster.output().lines().filter(l -> l.startsWith("  etcdctl:")).findFirst().orElseThrow();
    List<String> printed = List.of(line.substring(line.indexOf("etcdctl --") + "etcdctl ".length()).split(" "));
    String endpoint = "https://127.0.0.1:" + cluster.etcdPort;
    assertThat(printed.subList(0, 2)).containsExactly("--endpoints", endpoint);
    List<String> tls = printed.subList(2, printed.size());
    CapstanBinary.Result keys = Etcdctl.run(endpoint, tls, "get", "/registry/namespaces/", "--prefix", "--keys-only");
    assertThat(keys.exitCode()).as(keys.toString()).isZero();
    assertThat(keys.stdout()).contains("/registry/namespaces/default");
    // Without the client certificate, or without TLS, the port refuses.
    assertThat(Etcdctl.run(endpoint, tls.subList(0, 2), "get", "/registry/namespaces/default").exitCode())
        .isNotZero();
    assertThat(Etcdctl.run("http://127.0.0.1:" + cluster.etcdPort, List.of(), "get", "/registry/namespaces/default")
        .exitCode()).isNotZero();
  }

  @Test
  @Order(13)
  void upPrintsItsMetricsUrlAndServesPrometheusMetricsThere() throws Exception {
    String url = "http://127.0.0.1:" + cluster.metricsPort + "/metrics";
    await().atMost(Duration.ofSeconds(10)).until(cluster::output, out -> out.contains("  metrics:        " + url));
    // the node agent registered its node and reports its status through the API
    await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
      HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url)).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.body()).containsPattern("capstan_apiserver_requests_total\\{code=\"OK\",kind=\"nodes\","
          + "verb=\"updatestatus\"} [1-9]")
          .containsPattern("capstan_apiserver_watchers\\{kind=\"pods\"} [1-9]")
          .contains("capstan_apiserver_request_duration_seconds_bucket{").contains("jvm_threads_current");
    });
  }

  @Test
  @Order(11)
  void theApiRequiresATokenAndUpKeepsTheTokensPrivate() throws IOException {
    Path tokens = tmp.resolve("data").resolve("tokens.csv");
    assertThat(Files.getPosixFilePermissions(tokens)).containsExactlyInAnyOrder(PosixFilePermission.OWNER_READ,
        PosixFilePermission.OWNER_WRITE);
    assertThat(Files.getPosixFilePermissions(tmp.resolve("config"))).containsExactlyInAnyOrder(
        PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
    assertThat(Files.readString(tokens)).contains(",admin,", "system:masters", ",system:kube-scheduler,",
        ",system:kube-controller-manager,", ",system:node:e2e-node,", "system:nodes");

    ClientTls tls = ClientConfig.load(tmp.resolve("config")).tls();
    assertThat(tls).as("capstan up writes the cluster CA and an admin certificate").isNotNull();
    assertThat(tls.hasClientCertificate()).isTrue();
    try (CapstanClient anonymous = CapstanClient.connect("127.0.0.1:" + cluster.apiPort, null,
        ClientTls.serverOnly(tls.certificateAuthorityPem()))) {
      assertThatThrownBy(() -> anonymous.pods().list("default")).isInstanceOf(StatusRuntimeException.class)
          .hasMessageContaining("UNAUTHENTICATED");
    }
    CapstanBinary.Result wrong = capstan.run("get", "pods", "--token", "not-the-token");
    assertThat(wrong.exitCode()).as(wrong.toString()).isEqualTo(1);
    assertThat(wrong.stderr()).contains("invalid bearer token");
    CapstanBinary.Result roles = capstan.run("get", "clusterroles");
    assertThat(roles.exitCode()).as(roles.toString()).isZero();
    assertThat(roles.stdout()).contains("cluster-admin", "system:node");

    String rbac = """
        apiVersion: rbac.authorization.k8s.io/v1
        kind: Role
        metadata:
          name: pod-reader
          namespace: default
        rules:
        - apiGroups: [""]
          resources: ["pods", "pods/log"]
          verbs: ["get", "list", "watch"]
        ---
        apiVersion: rbac.authorization.k8s.io/v1
        kind: RoleBinding
        metadata:
          name: read-pods
          namespace: default
        subjects:
        - kind: User
          name: jane
          apiGroup: rbac.authorization.k8s.io
        roleRef:
          kind: Role
          name: pod-reader
          apiGroup: rbac.authorization.k8s.io
        """;
    CapstanBinary.Result applied = capstan.runWithInput(rbac, "apply", "-f", "-");
    assertThat(applied.exitCode()).as(applied.toString()).isZero();
    assertThat(applied.stdout()).contains("role.rbac.authorization.k8s.io/pod-reader created",
        "rolebinding.rbac.authorization.k8s.io/read-pods created");
    CapstanBinary.Result yaml = capstan.run("get", "rolebindings", "read-pods", "-o", "yaml");
    assertThat(yaml.stdout()).contains("roleRef:", "name: pod-reader", "kind: User");
  }

  @Test
  @Order(2)
  void appliedDeploymentRunsThreePodsWithinTenSeconds() {
    CapstanBinary.Result r = capstan.runWithInput(manifest, "apply", "-f", "-");
    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(r.stdout()).contains("deployment.apps/web created");
    await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100))
        .untilAsserted(() -> assertThat(runningPods()).hasSize(3));

    CapstanBinary.Result table = capstan.run("get", "pods");
    assertThat(table.stdout()).containsPattern("NAME\\s+READY\\s+STATUS\\s+RESTARTS\\s+AGE");
    assertThat(table.stdout()).containsPattern("web-[a-z0-9]+-[a-z0-9]{5}\\s+1/1\\s+Running\\s+0\\s");

    CapstanBinary.Result yaml = capstan.run("get", "pods", "-o", "yaml");
    assertThat(yaml.exitCode()).as(yaml.toString()).isZero();
    assertThat(yaml.stdout()).contains("nodeName: e2e-node", "podIP: ", "phase: Running", "kind: ReplicaSet");

    // The owner chain Deployment -> ReplicaSet -> Pod.
    Deployment d = client.deployments().get("default", "web");
    List<ReplicaSet> sets = client.replicaSets().list("default").items();
    assertThat(sets).hasSize(1);
    ReplicaSet rs = sets.get(0);
    assertThat(rs.getMetadata().getOwnerReferences(0).getUid()).isEqualTo(d.getMetadata().getUid());
    assertThat(rs.getMetadata().getOwnerReferences(0).getKind()).isEqualTo("Deployment");
    for (Pod p : runningPods()) {
      assertThat(p.getMetadata().getOwnerReferences(0).getUid()).isEqualTo(rs.getMetadata().getUid());
      assertThat(p.getStatus().getPodIp()).isNotEmpty();
    }
    CapstanBinary.Result rsYaml = capstan.run("get", "replicasets", "-o", "yaml");
    assertThat(rsYaml.stdout()).contains("kind: Deployment", "name: web");
  }

  @Test
  @Order(3)
  void aKilledContainerProcessIsRestarted() {
    ProcessHandle victim = containerProcesses("3600").get(0);
    victim.destroyForcibly();
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
      List<Pod> pods = runningPods();
      assertThat(pods).hasSize(3);
      assertThat(pods).anySatisfy(p -> assertThat(p.getStatus().getContainerStatuses(0).getRestartCount()).isEqualTo(1));
    });
    CapstanBinary.Result table = capstan.run("get", "pods");
    assertThat(table.stdout()).containsPattern("1/1\\s+Running\\s+1\\s");
  }

  @Test
  @Order(4)
  void aDeletedPodIsReplaced() {
    String victim = runningPods().get(0).getMetadata().getName();
    CapstanBinary.Result r = capstan.run("delete", "pod", victim);
    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(r.stdout()).contains("pod \"" + victim + "\" deleted");
    await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
      List<Pod> pods = runningPods();
      assertThat(pods).hasSize(3);
      assertThat(pods).noneMatch(p -> p.getMetadata().getName().equals(victim));
    });
  }

  @Test
  @Order(5)
  void scalingUpAndDownConverges() {
    CapstanBinary.Result up = capstan.run("scale", "deployment", "web", "--replicas", "5");
    assertThat(up.exitCode()).as(up.toString()).isZero();
    assertThat(up.stdout()).contains("deployment.apps/web scaled");
    await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(runningPods()).hasSize(5));

    CapstanBinary.Result down = capstan.run("scale", "deployment/web", "--replicas", "2");
    assertThat(down.exitCode()).as(down.toString()).isZero();
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
      assertThat(client.pods().list("default").items()).hasSize(2);
      assertThat(runningPods()).hasSize(2);
      assertThat(containerProcesses("3600")).hasSize(2);
    });
  }

  @Test
  @Order(6)
  void changingTheCommandRollsOutWithinMaxSurge() throws Exception {
    AtomicInteger maxActive = new AtomicInteger();
    Map<String, Pod> active = new ConcurrentHashMap<>();
    String rv = client.pods().list("default").resourceVersion();
    try (AutoCloseable watch = client.pods().watch(WatchRequest.newBuilder().setNamespace("default")
        .setResourceVersion(rv).build(), new WatchHandler<>() {
          @Override
          public void onEvent(WatchEvent<Pod> e) {
            String name = e.object().getMetadata().getName();
            if (e.type().equals(WatchEvent.DELETED) || e.object().getMetadata().hasDeletionTimestamp()) {
              active.remove(name);
            } else {
              active.put(name, e.object());
            }
            maxActive.accumulateAndGet(active.size(), Math::max);
          }

          @Override
          public void onClose(Throwable error) {}
        })) {
      // Seed with the current pods so the watch's view is complete.
      client.pods().list("default").items().forEach(p -> active.put(p.getMetadata().getName(), p));
      String changed = manifest.replace("\"sleep\", \"3600\"", "\"sleep\", \"3601\"");
      CapstanBinary.Result r = capstan.runWithInput(changed, "apply", "-f", "-");
      assertThat(r.exitCode()).as(r.toString()).isZero();
      assertThat(r.stdout()).contains("deployment.apps/web configured");
      await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
        List<Pod> pods = runningPods();
        assertThat(pods).hasSize(3);
        assertThat(pods).allSatisfy(p -> assertThat(p.getSpec().getContainers(0).getCommandList())
            .containsExactly("sleep", "3601"));
        assertThat(client.pods().list("default").items()).hasSize(3);
      });
    }
    // replicas 3 + maxSurge 1: never more than 4 live pods at once.
    assertThat(maxActive.get()).isBetween(3, 4);
    assertThat(client.replicaSets().list("default").items()).hasSize(2);
    Deployment d = client.deployments().get("default", "web");
    assertThat(d.getStatus().getUpdatedReplicas()).isEqualTo(3);
  }

  @Test
  @Order(7)
  void badManifestsAreRejectedNamingTheFieldAndWriteNothing() throws IOException {
    String before = capstan.run("get", "deployments", "-o", "name").stdout();

    CapstanBinary.Result unknown = capstan.runWithInput(manifest.replace("name: web\n  labels", "name: bad1\n  labels")
        .replace("image: busybox:1.36", "image: busybox:1.36\n        imagee: typo"), "apply", "-f", "-");
    assertThat(unknown.exitCode()).isEqualTo(1);
    assertThat(unknown.stderr()).contains("spec.template.spec.containers[0].imagee");

    CapstanBinary.Result noImage = capstan.runWithInput(manifest.replace("name: web\n  labels", "name: bad2\n  labels")
        .replace("        image: busybox:1.36\n", ""), "apply", "-f", "-");
    assertThat(noImage.exitCode()).isEqualTo(1);
    assertThat(noImage.stderr()).contains("spec.template.spec.containers[0].image");

    Path negative = tmp.resolve("negative.yaml");
    Files.writeString(negative, manifest.replace("name: web\n  labels", "name: bad3\n  labels")
        .replace("replicas: 3", "replicas: -1"));
    CapstanBinary.Result neg = capstan.run("apply", "-f", negative.toString());
    assertThat(neg.exitCode()).isEqualTo(1);
    assertThat(neg.stderr()).contains("spec.replicas");

    assertThat(capstan.run("get", "deployments", "-o", "name").stdout()).isEqualTo(before);
  }

  @Test
  @Order(8)
  void restartingOnTheSameDataDirKeepsEveryObject() throws Exception {
    String uid = client.deployments().get("default", "web").getMetadata().getUid();
    int replicaSets = client.replicaSets().list("default").items().size();
    client.close();
    cluster.stop();
    assertThat(containerProcesses("3601")).as("stopping capstan up stops its pods").isEmpty();

    cluster.start();
    assertThat(ClientConfig.load(tmp.resolve("config")).current().token()).as("the admin token is kept")
        .isEqualTo(adminToken);
    client = adminClient();
    assertThat(client.deployments().get("default", "web").getMetadata().getUid()).isEqualTo(uid);
    assertThat(client.replicaSets().list("default").items()).hasSize(replicaSets);
    // The agent starts the pods bound to it again.
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
      assertThat(runningPods()).hasSize(3);
      assertThat(containerProcesses("3601")).hasSize(3);
    });
  }

  @Test
  @Order(9)
  void logsShowWhatTheContainerPrinted() {
    String chatty = """
        apiVersion: v1
        kind: Pod
        metadata:
          name: chatty
        spec:
          restartPolicy: Never
          containers:
          - name: main
            image: busybox:1.36
            command: ["sh", "-c", "echo hello from capstan; echo second line"]
        """;
    assertThat(capstan.runWithInput(chatty, "apply", "-f", "-").exitCode()).isZero();
    await().atMost(Duration.ofSeconds(20)).until(() ->
        client.pods().get("default", "chatty").getStatus().getPhase().equals("Succeeded"));
    CapstanBinary.Result logs = capstan.run("logs", "chatty");
    assertThat(logs.exitCode()).as(logs.toString()).isZero();
    assertThat(logs.stdout()).isEqualTo("hello from capstan\nsecond line\n");
    assertThat(capstan.run("delete", "pod", "chatty").exitCode()).isZero();
  }

  @Test
  @Order(10)
  void deletingTheDeploymentLeavesNoPodsAndNoProcesses() {
    CapstanBinary.Result r = capstan.run("delete", "deployment", "web");
    assertThat(r.exitCode()).as(r.toString()).isZero();
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
      assertThat(client.replicaSets().list("default").items()).isEmpty();
      assertThat(client.pods().list("default").items()).isEmpty();
      assertThat(containerProcesses("360")).isEmpty();
    });
    assertThat(capstan.run("get", "pods").stderr()).contains("No resources found in default namespace.");
  }

  @Test
  @Order(12)
  void aSeparateAgentJoinsWithTheBootstrapTokenAndCannotTouchAnotherNode() throws Exception {
    // The token file is read at start: add a second node's user, then restart the cluster.
    byte[] raw = new byte[24];
    new SecureRandom().nextBytes(raw);
    String node2Token = HexFormat.of().formatHex(raw);
    Files.writeString(tmp.resolve("data").resolve("tokens.csv"),
        node2Token + ",system:node:e2e-node-2,node-e2e-node-2,\"system:nodes\"\n", StandardOpenOption.APPEND);
    client.close();
    cluster.stop();
    cluster.start();
    client = adminClient();
    // The agent joins with the cluster's bootstrap token: it gets a certificate for its node and
    // authenticates with that from then on.
    String bootstrap = Files.readAllLines(tmp.resolve("data").resolve("tokens.csv")).stream()
        .filter(l -> l.contains(",system:bootstrap:")).map(l -> l.substring(0, l.indexOf(','))).findFirst().orElseThrow();
    Path tokenFile = tmp.resolve("e2e-node-2.token");
    Files.writeString(tokenFile, bootstrap + "\n");

    Process agent = capstan.command(List.of("agent", "--server", "127.0.0.1:" + cluster.apiPort,
            "--certificate-authority", tmp.resolve("data").resolve("pki").resolve("ca.crt").toString(),
            "--node-name", "e2e-node-2", "--token-file", tokenFile.toString(),
            "--data-dir", tmp.resolve("agent-2").toString(), "--agent-port", Integer.toString(CapstanBinary.freePort()),
            "--metrics-port", Integer.toString(CapstanBinary.freePort()), "--runtime", "process"))
        .redirectErrorStream(true).redirectOutput(tmp.resolve("agent-2.log").toFile()).start();
    try {
      await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
        CapstanBinary.Result nodes = capstan.run("get", "nodes");
        assertThat(nodes.stdout()).containsPattern("e2e-node-2\\s+Ready\\s");
        assertThat(client.leases().get("kube-node-lease", "e2e-node-2").getSpec().getHolderIdentity())
            .isEqualTo("e2e-node-2");
      });
      assertThat(Files.readString(tmp.resolve("agent-2").resolve("pki").resolve("node.crt")))
          .contains("BEGIN CERTIFICATE");
      assertThat(Files.getPosixFilePermissions(tmp.resolve("agent-2").resolve("pki").resolve("node.key")))
          .containsExactlyInAnyOrder(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
      // Its port serves TLS under a serving certificate it asked for with its node certificate;
      // the apiserver reaches it with mutual TLS for nodes/stats.
      assertThat(Files.getPosixFilePermissions(tmp.resolve("agent-2").resolve("pki").resolve("serving.key")))
          .containsExactlyInAnyOrder(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
      await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
        CapstanBinary.Result top = capstan.run("top", "node", "e2e-node-2");
        assertThat(top.stdout()).as(top.toString()).contains("e2e-node-2");
        assertThat(top.stderr()).as(top.toString()).doesNotContain("warning");
      });

      String node1 = """
          apiVersion: v1
          kind: Node
          metadata:
            name: e2e-node
            labels: {taken-over: "true"}
          """;
      CapstanBinary.Result takeOver = capstan.runWithInput(node1, "apply", "-f", "-", "--token", node2Token);
      assertThat(takeOver.exitCode()).as(takeOver.toString()).isEqualTo(1);
      assertThat(takeOver.stderr()).contains("Forbidden", "node \"e2e-node-2\"", "node \"e2e-node\"");

      String pinned = """
          apiVersion: v1
          kind: Pod
          metadata:
            name: pinned
          spec:
            nodeName: e2e-node
            containers:
            - name: main
              image: busybox:1.36
              command: ["sleep", "300"]
          """;
      assertThat(capstan.runWithInput(pinned, "apply", "-f", "-").exitCode()).isZero();
      CapstanBinary.Result kill = capstan.run("delete", "pod", "pinned", "--token", node2Token);
      assertThat(kill.exitCode()).as(kill.toString()).isEqualTo(1);
      assertThat(kill.stderr()).contains("Forbidden", "bound to node \"e2e-node\"");
      assertThat(client.pods().get("default", "pinned").getMetadata().hasDeletionTimestamp()).isFalse();
      assertThat(capstan.run("delete", "pod", "pinned").exitCode()).isZero();
    } finally {
      agent.destroy();
      if (!agent.waitFor(30, TimeUnit.SECONDS)) {
        agent.destroyForcibly();
      }
    }
  }

  /** A client with the admin token that capstan up wrote into the client config. */
  private CapstanClient adminClient() {
    ClientConfig config = ClientConfig.load(tmp.resolve("config"));
    adminToken = config.current().token();
    assertThat(adminToken).as("capstan up writes the admin token into the client config").isNotBlank();
    return CapstanClient.connect("127.0.0.1:" + cluster.apiPort, adminToken, config.tls());
  }

  private List<Pod> runningPods() {
    return client.pods().list("default").items().stream()
        .filter(p -> !p.getMetadata().hasDeletionTimestamp())
        .filter(p -> p.getStatus().getPhase().equals("Running"))
        .filter(p -> p.getMetadata().getLabelsMap().getOrDefault("app", "").equals("web"))
        .toList();
  }

  /** The container processes the cluster runs: `sleep <arg...>` descendants of the up process. */
  private List<ProcessHandle> containerProcesses(String sleepArgPrefix) {
    return cluster.handle().descendants()
        .filter(p -> p.info().commandLine().map(c -> c.matches(".*sleep " + sleepArgPrefix + ".*")).orElse(false))
        .toList();
  }
}
