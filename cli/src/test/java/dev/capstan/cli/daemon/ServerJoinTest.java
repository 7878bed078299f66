package dev.capstan.cli.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.capstan.api.core.v1.ConfigMap;
import dev.capstan.api.meta.v1.ObjectMeta;
import dev.capstan.apiserver.ServingOptions;
import dev.capstan.apiserver.allocation.ServiceRanges;
import dev.capstan.apiserver.pki.CertificateAuthority;
import dev.capstan.apiserver.pki.PeerCertificates;
import dev.capstan.cli.Capstan;
import dev.capstan.client.CapstanClient;
import dev.capstan.client.ClientTls;
import dev.capstan.controllers.ControllerOptions;
import dev.capstan.store.ratis.AutoCompaction;
import dev.capstan.store.ratis.PeerTls;
import io.grpc.InsecureServerCredentials;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A control-plane member started with {@code --initial-cluster-state existing} (two real members in
 * this JVM, each a Ratis peer, etcd endpoint and apiserver): it waits, unserved, until
 * {@code capstan store member add} adds it, then serves the cluster's objects through its own API.
 */
class ServerJoinTest {
  @TempDir
  Path dir;

  private final List<AutoCloseable> opened = new java.util.concurrent.CopyOnWriteArrayList<>();

  @AfterEach
  void close() throws Exception {
    for (int i = opened.size() - 1; i >= 0; i--) {
      opened.get(i).close();
    }
  }

  @Test
  void aServerJoiningARunningClusterOverPeerTlsServesItsObjectsOnceAdded() throws IOException {
    ClusterTokens tokens = ClusterTokens.ensure(dir.resolve("tokens.csv"), null, new SecureRandom());
    int[] ports = freePorts(4);
    int raft1 = ports[0];
    int raft2 = ports[1];
    int etcd1 = ports[2];
    int etcd2 = ports[3];
    // The members speak Raft under mutual TLS, so the join (the leader probing the new member,
    // appending to it, the new member's writes) goes through it too.
    ControlPlane first = start(new ControlPlane.MemberConfig("s1", dir.resolve("s1"), "127.0.0.1", 0,
        "127.0.0.1:" + raft1, List.of("s1=127.0.0.1:" + raft1), etcd1, tokens, AutoCompaction.off(),
        ServingOptions.NONE, ServiceRanges.defaults(), List.of(), false, ControllerOptions.defaults(),
        Optional.of(peerTls("s1")), InsecureServerCredentials.create()));
    CapstanClient viaFirst = client(first, tokens);
    viaFirst.configMaps().create(configMap("before-join"));

    // Its start returns only once it is a member that has caught up, as an operator sees it.
    CompletableFuture<ControlPlane> joining = CompletableFuture.supplyAsync(() -> start(new ControlPlane.MemberConfig(
        "s2", dir.resolve("s2"), "127.0.0.1", 0, "127.0.0.1:" + raft2, List.of("s2=127.0.0.1:" + raft2), etcd2,
        tokens, AutoCompaction.off(), ServingOptions.NONE, ServiceRanges.defaults(), List.of(), true,
        ControllerOptions.defaults(), Optional.of(peerTls("s2")), InsecureServerCredentials.create())));

    String[] add = {"store", "member", "add", "s2", "--peer-urls", "http://127.0.0.1:" + raft2,
        "--client-urls", "http://127.0.0.1:" + etcd2, "--endpoints", "127.0.0.1:" + etcd1};
    assertThat(capstan(add)).isZero();
    CapstanClient viaSecond = client(joining.orTimeout(60, TimeUnit.SECONDS).join(), tokens);

    await().atMost(Duration.ofSeconds(30)).ignoreExceptions()
        .until(() -> viaSecond.configMaps().get("default", "before-join") != null);
    viaSecond.configMaps().create(configMap("after-join"));
    assertThat(viaFirst.configMaps().get("default", "after-join").getMetadata().getName()).isEqualTo("after-join");
  }

  /** Member {@code name}'s peer TLS, from a peer CA in the test's directory. */
  private PeerTls peerTls(String name) {
    Path pki = dir.resolve("peer-pki");
    SecureRandom random = new SecureRandom();
    CertificateAuthority ca = PeerCertificates.loadOrCreateCa(pki, Clock.systemUTC(), random);
    return ControlPlane.peerTls(PeerCertificates.issue(pki, ca, name, List.of("127.0.0.1"), random), ca);
  }

  private ControlPlane start(ControlPlane.MemberConfig config) {
    ControlPlane cp = ControlPlane.startMember(config, Clock.systemUTC());
    opened.add(cp);
    return cp;
  }

  private CapstanClient client(ControlPlane cp, ClusterTokens tokens) {
    // The members serve TLS with the cluster's one CA, which both got from the store.
    CapstanClient client = CapstanClient.connect("127.0.0.1:" + cp.apiPort(), tokens.tokenOf(ClusterTokens.ADMIN),
        ClientTls.serverOnly(cp.certificateAuthority().certificatePem()));
    opened.add(client);
    return client;
  }

  private static ConfigMap configMap(String name) {
    return ConfigMap.newBuilder().setMetadata(ObjectMeta.newBuilder().setNamespace("default").setName(name))
        .putData("k", "v").build();
  }

  private static int capstan(String... args) {
    PrintStream out = System.out;
    try {
      System.setOut(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
      return Capstan.run(args);
    } finally {
      System.setOut(out);
    }
  }

  /**
   * {@code n} distinct loopback ports, free now: held open together while they are read, since
   * the kernel may hand a port just closed out again at once.
   */
  private static int[] freePorts(int n) throws IOException {
    ServerSocket[] sockets = new ServerSocket[n];
    try {
      int[] ports = new int[n];
      for (int i = 0; i < n; i++) {
        sockets[i] = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        ports[i] = sockets[i].getLocalPort();
      }
      return ports;
    } finally {
      for (ServerSocket socket : sockets) {
        if (socket != null) {
          socket.close();
        }
      }
    }
  }
}
