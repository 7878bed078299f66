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
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Two {@code capstan server} processes keeping the cluster in an external etcd (real etcd 3.4,
 * Debian's etcd-server) over mutual TLS, as kube-apiservers do with {@code --etcd-servers
 * --etcd-cafile --etcd-certfile --etcd-keyfile}: both serve reads, writes and watches; the objects
 * are in etcd (etcdctl reads them); the servers compact etcd's history; the controllers move to
 * the other server when theirs is killed; a restarted server finds everything again.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ExternalEtcdE2ETest {
  private static final String ADMIN_TOKEN = "admin-" + java.util.UUID.randomUUID();

  private Path tmp;
  private Path pki;
  private Process etcd;
  private String etcdUrl;
  private Path tokens;
  private final List<Integer> apiPorts = new ArrayList<>();
  private final List<DaemonProcess> servers = new ArrayList<>();
  private final List<CapstanClient> clients = new ArrayList<>();
  private ClientTls tls;

  @BeforeAll
  void startEtcd() throws Exception {
    tmp = Files.createTempDirectory(Files.createDirectories(Path.of("target", "e2e-runs")).toAbsolutePath(), "etcd-");
    pki = tmp.resolve("etcd-pki");
    // One etcd CA (as kubeadm's): etcd's serving certificate, the apiservers' and etcdctl's client ones.
    for (String name : List.of("etcd", "apiserver", "etcdctl")) {
      CapstanBinary.Result issued = new CapstanBinary(tmp.resolve("config")).run("certificate", "peer", name,
          "--host", "127.0.0.1", "--dir", pki.toString());
      assertThat(issued.exitCode()).as(issued.toString()).isZero();
    }
    int clientPort = CapstanBinary.freePort();
    int peerPort = CapstanBinary.freePort();
    etcdUrl = "https://127.0.0.1:" + clientPort;
    String peerUrl = "http://127.0.0.1:" + peerPort;
    etcd = new ProcessBuilder("etcd", "--name", "e1", "--data-dir", tmp.resolve("etcd-data").toString(),
        "--listen-client-urls", etcdUrl, "--advertise-client-urls", etcdUrl,
        "--listen-peer-urls", peerUrl, "--initial-advertise-peer-urls", peerUrl, "--initial-cluster", "e1=" + peerUrl,
        "--cert-file", pki.resolve("etcd.crt").toString(), "--key-file", pki.resolve("etcd.key").toString(),
        "--trusted-ca-file", pki.resolve("ca.crt").toString(), "--client-cert-auth",
        "--logger", "zap", "--log-level", "warn")
        .redirectErrorStream(true).redirectOutput(tmp.resolve("etcd.log").toFile()).start();
    await("etcd to answer").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
        .until(() -> {
          assertThat(etcd.isAlive()).as("etcd exited: " + Files.readString(tmp.resolve("etcd.log"))).isTrue();
          return etcdctl("endpoint", "health").exitCode() == 0;
        });
    tokens = tmp.resolve("tokens.csv");
    Files.writeString(tokens, ADMIN_TOKEN + ",admin,admin,\"system:masters\"\n");
    apiPorts.add(CapstanBinary.freePort());
    apiPorts.add(CapstanBinary.freePort());
  }

  @AfterAll
  void stopAll() throws Exception {
    clients.forEach(CapstanClient::close);
    for (DaemonProcess s : servers) {
      s.close();
    }
    if (etcd != null) {
      etcd.destroyForcibly();
      etcd.waitFor(10, TimeUnit.SECONDS);
    }
    for (DaemonProcess s : servers) {
      System.out.println("---- " + s.output().lines().limit(300).reduce("", (a, b) -> a + b + "\n"));
    }
  }

  private CapstanBinary.Result etcdctl(String... args) throws Exception {
    return Etcdctl.run(etcdUrl, List.of("--cacert", pki.resolve("ca.crt").toString(),
        "--cert", pki.resolve("etcdctl.crt").toString(), "--key", pki.resolve("etcdctl.key").toString()), args);
  }

  private List<String> serverArgs(int i, String... etcdFlags) {
    List<String> args = new ArrayList<>(List.of("server", "--name", "s" + i, "--data-dir", tmp.resolve("s" + i).toString(),
        "--api-port", Integer.toString(apiPorts.get(i - 1)), "--metrics-port", "0",
        "--token-auth-file", tokens.toString(), "--etcd-servers", etcdUrl));
    args.addAll(List.of(etcdFlags));
    return args;
  }

  private String[] clientCertFlags() {
    return new String[] {"--etcd-cafile", pki.resolve("ca.crt").toString(),
        "--etcd-certfile", pki.resolve("apiserver.crt").toString(),
        "--etcd-keyfile", pki.resolve("apiserver.key").toString(), "--etcd-compaction-interval", "2s"};
  }

  private DaemonProcess startServer(int i) throws Exception {
    DaemonProcess server = DaemonProcess.start(new CapstanBinary(tmp.resolve("config")), "s" + i,
        tmp.resolve("s" + i + "-" + System.nanoTime() + ".log"), "capstan server", serverArgs(i, clientCertFlags()));
    server.awaitReady();
    return server;
  }

  @Test
  @Order(1)
  void aServerThatCannotUseTheEtcdSaysWhichFlagIsWrong() {
    CapstanBinary capstan = new CapstanBinary(tmp.resolve("config"));
    CapstanBinary.Result noClientCertificate = capstan.run(serverArgs(1, "--etcd-cafile",
        pki.resolve("ca.crt").toString()).toArray(String[]::new));
    assertThat(noClientCertificate.exitCode()).as(noClientCertificate.toString()).isNotZero();
    assertThat(noClientCertificate.stderr()).contains("--etcd-servers: no etcd member answered: " + etcdUrl
        + ": TLS handshake refused: the member requires a client certificate (give --etcd-certfile and --etcd-keyfile)");

    CapstanBinary.Result noCa = capstan.run(serverArgs(1).toArray(String[]::new));
    assertThat(noCa.stderr()).contains("--etcd-cafile: required with https:// --etcd-servers");

    List<String> withOwnStoreFlag = serverArgs(1, clientCertFlags());
    withOwnStoreFlag.addAll(List.of("--raft-port", "2380"));
    CapstanBinary.Result ownStore = capstan.run(withOwnStoreFlag.toArray(String[]::new));
    assertThat(ownStore.stderr()).contains("--raft-port: this server keeps no store of its own with --etcd-servers");
    assertThat(Files.exists(tmp.resolve("s1").resolve("pki").resolve("ca.crt"))).as("nothing started").isFalse();
  }

  @Test
  @Order(2)
  void twoServersOnOneEtcdServeTheSameClusterAndCompactItsHistory() throws Exception {
    servers.add(startServer(1));
    servers.add(startServer(2));
    String ca = Files.readString(tmp.resolve("s1").resolve("pki").resolve("ca.crt"));
    assertThat(Files.readString(tmp.resolve("s2").resolve("pki").resolve("ca.crt")))
        .as("one cluster CA, made in etcd by the first server").isEqualTo(ca);
    tls = ClientTls.serverOnly(ca);
    for (int port : apiPorts) {
      clients.add(CapstanClient.connect("127.0.0.1:" + port, ADMIN_TOKEN, tls));
    }

    CrossServerWatch.createAndAwaitAdded(clients.get(0), clients.get(1), "shared", "s1");
    assertThat(clients.get(1).configMaps().get("default", "shared").getDataMap()).containsEntry("from", "s1");
    CapstanBinary.Result inEtcd = etcdctl("get", "/registry/configmaps/default/shared", "--keys-only");
    assertThat(inEtcd.stdout()).as(inEtcd.toString()).contains("/registry/configmaps/default/shared");

    // Every 2 s one of the servers compacts etcd to the revision of 2 s before: the first
    // revisions become unreadable.
    await("etcd's history compacted").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500))
        .untilAsserted(() -> assertThat(etcdctl("get", "/registry/namespaces/default", "--rev", "1").stderr())
            .contains("required revision has been compacted"));
  }

  @Test
  @Order(3)
  void theControllersMoveToTheOtherServerAndARestartedServerFindsTheCluster() throws Exception {
    Path config = tmp.resolve("config");
    String manifest = new String(getClass().getResourceAsStream("/web-deployment.yaml").readAllBytes(),
        StandardCharsets.UTF_8).replace("replicas: 3", "replicas: 2");
    ClientConfig.single("etcd", List.of("127.0.0.1:" + apiPorts.get(0)), ADMIN_TOKEN, tls).save(config);
    CapstanBinary capstan = new CapstanBinary(config);
    CapstanBinary.Result applied = capstan.runWithInput(manifest, "apply", "-f", "-");
    assertThat(applied.exitCode()).as(applied.toString()).isZero();
    // No node joins: the pods stay Pending, but the ReplicaSet controller must have made them.
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(pods(clients.get(0))).hasSize(2));

    String holder = leaseHolder(clients.get(0));
    int victim = Integer.parseInt(holder.substring(1)) - 1;
    int survivor = 1 - victim;
    servers.get(victim).kill();
    ClientConfig.single("etcd", List.of("127.0.0.1:" + apiPorts.get(survivor)), ADMIN_TOKEN, tls).save(config);
    CapstanBinary.Result scaled = capstan.run("scale", "deployment", "web", "--replicas", "3");
    assertThat(scaled.exitCode()).as(scaled.toString()).isZero();
    await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(pods(clients.get(survivor))).hasSize(3));
    assertThat(leaseHolder(clients.get(survivor))).isEqualTo("s" + (survivor + 1));

    servers.set(victim, startServer(victim + 1));
    clients.get(victim).close();
    clients.set(victim, CapstanClient.connect("127.0.0.1:" + apiPorts.get(victim), ADMIN_TOKEN, tls));
    CapstanClient restarted = clients.get(victim);
    await().atMost(Duration.ofSeconds(30)).ignoreExceptions()
        .untilAsserted(() -> assertThat(pods(restarted)).hasSize(3));
    assertThat(restarted.configMaps().get("default", "shared").getDataMap()).containsEntry("from", "s1");
  }

  /** The controller manager's leader, once someone holds its lease. */
  private static String leaseHolder(CapstanClient client) {
    return await().atMost(Duration.ofSeconds(30)).ignoreExceptions()
        .until(() -> client.leases().get("kube-system", "capstan-controller-manager").getSpec().getHolderIdentity(),
            h -> !h.isEmpty());
  }

  private static List<Pod> pods(CapstanClient client) {
    return client.pods().list("default").items().stream()
        .filter(p -> !p.getMetadata().hasDeletionTimestamp())
        .toList();
  }
}
