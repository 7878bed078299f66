package dev.capstan.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.capstan.api.core.v1.Pod;
import dev.capstan.client.CapstanClient;
import dev.capstan.client.ClientTls;
import dev.capstan.client.config.ClientConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Three {@code capstan server} processes on one replicated store, plus one agent: every server
 * serves reads, writes and watches; the controllers survive the crash of the server they run on.
 * Each server's etcd endpoint serves the store to real etcdctl, the last one over TLS with
 * client certificates required ({@code --cert-file ... --client-cert-auth}).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class HaClusterE2ETest {
  private static final int SERVERS = 3;
  private static final String SECRET = java.util.UUID.randomUUID().toString();
  private static final String ADMIN_TOKEN = "admin-" + SECRET;
  private static final String NODE_TOKEN = "node-" + SECRET;

  private Path tmp;
  private CapstanBinary capstan;
  private final List<DaemonProcess> servers = new ArrayList<>();
  private final List<Integer> apiPorts = new ArrayList<>();
  private final List<String> etcdEndpoints = new ArrayList<>();
  private final List<CapstanClient> clients = new ArrayList<>();
  private DaemonProcess agent;
  private Path caFile;
  /** The CA and certificates of the last server's etcd port and of etcdctl. */
  private Path etcdPki;
  private ClientTls tls;

  @BeforeAll
  void startServers() throws Exception {
    tmp = Files.createDirectories(Path.of("target", "e2e-runs")).toAbsolutePath();
    tmp = Files.createTempDirectory(tmp, "ha-");
    List<Integer> raftPorts = new ArrayList<>();
    List<Integer> etcdPorts = new ArrayList<>();
    List<String> peers = new ArrayList<>();
    for (int i = 1; i <= SERVERS; i++) {
      apiPorts.add(CapstanBinary.freePort());
      raftPorts.add(CapstanBinary.freePort());
      etcdPorts.add(CapstanBinary.freePort());
      etcdEndpoints.add("127.0.0.1:" + etcdPorts.get(i - 1));
      peers.add("s" + i + "=127.0.0.1:" + raftPorts.get(i - 1));
    }
    // One token file for every member, written before they start, as an operator would.
    Path tokens = tmp.resolve("tokens.csv");
    Files.writeString(tokens, String.join("\n",
        ADMIN_TOKEN + ",admin,admin,\"system:masters\"",
        "scheduler-" + SECRET + ",system:kube-scheduler,kube-scheduler",
        "controllers-" + SECRET + ",system:kube-controller-manager,kube-controller-manager",
        NODE_TOKEN + ",system:node:ha-node,node-ha-node,\"system:nodes\"") + "\n");
    // The last server's etcd port serves TLS and requires client certificates (etcd's flags); the
    // others keep the default, plaintext on loopback.
    etcdPki = tmp.resolve("etcd-pki");
    for (String name : List.of("s" + SERVERS, "etcdctl")) {
      CapstanBinary.Result issued = new CapstanBinary(tmp.resolve("config")).run("certificate", "peer", name,
          "--host", "127.0.0.1", "--dir", etcdPki.toString());
      assertThat(issued.exitCode()).as(issued.toString()).isZero();
    }
    for (int i = 1; i <= SERVERS; i++) {
      List<String> args = new ArrayList<>(List.of("server", "--name", "s" + i, "--data-dir", tmp.resolve("s" + i).toString(),
          "--api-port", Integer.toString(apiPorts.get(i - 1)), "--raft-port", Integer.toString(raftPorts.get(i - 1)),
          "--etcd-port", Integer.toString(etcdPorts.get(i - 1)), "--metrics-port", "0",
          "--initial-cluster", String.join(",", peers), "--token-auth-file", tokens.toString()));
      if (i == SERVERS) {
        args.addAll(List.of("--cert-file", etcdPki.resolve("s" + i + ".crt").toString(),
            "--key-file", etcdPki.resolve("s" + i + ".key").toString(),
            "--trusted-ca-file", etcdPki.resolve("ca.crt").toString(), "--client-cert-auth"));
      }
      servers.add(DaemonProcess.start(new CapstanBinary(tmp.resolve("config")), "s" + i, tmp.resolve("s" + i + ".log"),
          "capstan server", args));
    }
    for (DaemonProcess s : servers) {
      s.awaitReady();
    }
    // One cluster CA for all: whichever server came first made it, the others loaded it.
    caFile = tmp.resolve("s1").resolve("pki").resolve("ca.crt");
    String ca = Files.readString(caFile);
    for (int i = 2; i <= SERVERS; i++) {
      assertThat(Files.readString(tmp.resolve("s" + i).resolve("pki").resolve("ca.crt"))).isEqualTo(ca);
    }
    tls = ClientTls.serverOnly(ca);
    List<String> addresses = new ArrayList<>();
    for (int port : apiPorts) {
      addresses.add("127.0.0.1:" + port);
      clients.add(CapstanClient.connect("127.0.0.1:" + port, ADMIN_TOKEN, tls));
    }
    // The CLI talks to the third server.
    ClientConfig.single("ha", List.of(addresses.get(2)), ADMIN_TOKEN, tls).save(tmp.resolve("config"));
    capstan = new CapstanBinary(tmp.resolve("config"));
  }

  @AfterAll
  void stopAll() throws IOException {
    clients.forEach(CapstanClient::close);
    if (agent != null) {
      agent.close();
    }
    for (DaemonProcess s : servers) {
      s.close();
    }
    for (DaemonProcess s : servers) {
      System.out.println("---- " + s.output().lines().limit(400).reduce("", (a, b) -> a + b + "\n"));
    }
  }

  @Test
  @Order(1)
  void aWriteThroughOneServerIsSeenByTheWatchAndReadsOfTheOthers() throws Exception {
    CrossServerWatch.createAndAwaitAdded(clients.get(0), clients.get(1), "shared", "s1");
    assertThat(clients.get(2).configMaps().get("default", "shared").getDataMap()).containsEntry("from", "s1");

    // The real etcdctl reads the same object from every member's etcd endpoint; the last one's
    // only over TLS with a client certificate.
    List<String> etcdctlTls = List.of("--cacert", etcdPki.resolve("ca.crt").toString(),
        "--cert", etcdPki.resolve("etcdctl.crt").toString(), "--key", etcdPki.resolve("etcdctl.key").toString());
    for (int i = 0; i < SERVERS; i++) {
      boolean tlsPort = i == SERVERS - 1;
      CapstanBinary.Result got = Etcdctl.run((tlsPort ? "https://" : "") + etcdEndpoints.get(i),
          tlsPort ? etcdctlTls : List.of(), "get", "/registry/configmaps/default/shared", "--keys-only");
      assertThat(got.exitCode()).as(got.toString()).isZero();
      assertThat(got.stdout()).contains("/registry/configmaps/default/shared");
    }
    String tlsEndpoint = etcdEndpoints.get(SERVERS - 1);
    assertThat(Etcdctl.run("https://" + tlsEndpoint, etcdctlTls.subList(0, 2), "get", "/registry/namespaces/default")
        .exitCode()).isNotZero();
    assertThat(Etcdctl.run(tlsEndpoint, List.of(), "get", "/registry/namespaces/default").exitCode()).isNotZero();
  }

  @Test
  @Order(2)
  void aDeploymentRunsAndSurvivesTheCrashOfTheServerRunningTheControllers() throws Exception {
    String controllersLeader = leaseHolder("capstan-controller-manager");
    int victim = Integer.parseInt(controllersLeader.substring(1)) - 1;
    int agentServer = (victim + 1) % SERVERS;
    int cliServer = 2 == victim ? (victim + 2) % SERVERS : 2;
    agent = DaemonProcess.start(capstan, "agent", tmp.resolve("agent.log"), "capstan agent: node \"",
        List.of("agent", "--server", "127.0.0.1:" + apiPorts.get(agentServer), "--node-name", "ha-node",
            "--data-dir", tmp.resolve("agent").toString(), "--agent-port", Integer.toString(CapstanBinary.freePort()),
            "--certificate-authority", caFile.toString(), "--metrics-port", Integer.toString(CapstanBinary.freePort()),
            "--token", NODE_TOKEN, "--runtime", "process"));
    agent.awaitReady();

    String manifest = new String(getClass().getResourceAsStream("/web-deployment.yaml").readAllBytes(),
        StandardCharsets.UTF_8).replace("replicas: 3", "replicas: 2");
    CapstanBinary.Result applied = capstan.runWithInput(manifest, "apply", "-f", "-");
    assertThat(applied.exitCode()).as(applied.toString()).isZero();
    CapstanClient survivor = clients.get(cliServer);
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(runningPods(survivor)).hasSize(2));

    servers.get(victim).kill();
    // Two of three store peers remain: a quorum. Another server takes the controllers' lease.
    ClientConfig.single("ha", List.of("127.0.0.1:" + apiPorts.get(cliServer)), ADMIN_TOKEN, tls)
        .save(tmp.resolve("config"));
    CapstanBinary.Result scaled = capstan.run("scale", "deployment", "web", "--replicas", "3");
    assertThat(scaled.exitCode()).as(scaled.toString()).isZero();
    await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(runningPods(survivor)).hasSize(3));
    assertThat(leaseHolder("capstan-controller-manager")).isNotEqualTo(controllersLeader);
  }

  /** The holder of a leader-election lease, read through a live server once someone holds it. */
  private String leaseHolder(String lease) {
    int live = 0;
    while (!servers.get(live).isAlive()) {
      live++;
    }
    CapstanClient client = clients.get(live);
    return await().atMost(Duration.ofSeconds(30)).ignoreExceptions()
        .until(() -> client.leases().get("kube-system", lease).getSpec().getHolderIdentity(), h -> !h.isEmpty());
  }

  private static List<Pod> runningPods(CapstanClient client) {
    return client.pods().list("default").items().stream()
        .filter(p -> !p.getMetadata().hasDeletionTimestamp())
        .filter(p -> p.getStatus().getPhase().equals("Running"))
        .toList();
  }
}
