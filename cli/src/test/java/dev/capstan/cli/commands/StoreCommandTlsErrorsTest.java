package dev.capstan.cli.commands;

import static org.assertj.core.api.Assertions.assertThat;

import dev.capstan.cli.CliRun;
import dev.capstan.store.etcd.EtcdEndpoint;
import dev.capstan.store.ratis.RaftStorePeer;
import dev.capstan.store.ratis.RatisKeyValueStore;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The store commands against a member whose etcd port requires TLS and client certificates (a
 * real Ratis peer and its etcd endpoint in this JVM): each way of dialing it wrong is reported
 * in the commands' own flags, not as gRPC's "Network closed" or "ssl exception".
 */
class StoreCommandTlsErrorsTest {
  @TempDir
  Path dir;

  private Path pki;
  private Path otherPki;
  private RaftStorePeer peer;
  private RatisKeyValueStore store;
  private EtcdEndpoint tlsPort;
  private EtcdEndpoint plainPort;

  @BeforeEach
  void start() throws IOException {
    pki = dir.resolve("pki");
    otherPki = dir.resolve("other-pki");
    for (List<String> issue : List.of(List.of("s1", pki.toString()), List.of("admin", pki.toString()),
        List.of("stranger", otherPki.toString()))) {
      assertThat(CliRun.of("certificate", "peer", issue.get(0), "--host", "127.0.0.1", "--dir", issue.get(1))
          .exitCode()).isZero();
    }
    ClientPortTlsOptions flags = new ClientPortTlsOptions();
    flags.certFile = pki.resolve("s1.crt");
    flags.keyFile = pki.resolve("s1.key");
    flags.trustedCaFile = pki.resolve("ca.crt");
    flags.clientCertAuth = true;
    peer = RaftStorePeer.startSingle(dir.resolve("store"), freePort());
    store = new RatisKeyValueStore(peer);
    Map<String, List<String>> urls = Map.of("capstan", List.of("https://127.0.0.1:2379"));
    tlsPort = EtcdEndpoint.start(peer, store, new InetSocketAddress("127.0.0.1", 0), urls, flags.credentials());
    plainPort = EtcdEndpoint.start(peer, store, new InetSocketAddress("127.0.0.1", 0), urls);
  }

  @AfterEach
  void stop() {
    tlsPort.close();
    plainPort.close();
    store.close();
    peer.close();
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  private String memberList(int port, boolean https, String... tls) {
    List<String> args = new java.util.ArrayList<>(List.of("store", "member", "list", "--endpoints",
        (https ? "https://" : "") + "127.0.0.1:" + port));
    args.addAll(List.of(tls));
    CliRun run = CliRun.of(args.toArray(String[]::new));
    assertThat(run.exitCode()).as(run.err()).isNotZero();
    return run.err();
  }

  @Test
  void eachWrongWayToDialATlsPortIsNamed() {
    int port = tlsPort.port();
    String ca = pki.resolve("ca.crt").toString();
    assertThat(memberList(port, false)).contains("if the member serves TLS, dial https://HOST:PORT with --cacert");
    assertThat(memberList(port, true, "--cacert", ca))
        .contains("the member requires a client certificate (give --cert and --key)");
    assertThat(memberList(port, true, "--cacert", otherPki.resolve("ca.crt").toString()))
        .contains("the member's certificate is not issued by the CA in --cacert");
    assertThat(memberList(port, true, "--cacert", ca, "--cert", otherPki.resolve("stranger.crt").toString(),
        "--key", otherPki.resolve("stranger.key").toString()))
        .contains("is the certificate of --cert issued by the CA the member trusts");
    assertThat(memberList(plainPort.port(), true, "--cacert", ca)).contains("the member speaks plaintext");

    CliRun right = CliRun.of("store", "member", "list", "--endpoints", "https://127.0.0.1:" + port, "--cacert", ca,
        "--cert", pki.resolve("admin.crt").toString(), "--key", pki.resolve("admin.key").toString());
    assertThat(right.exitCode()).as(right.err()).isZero();
    assertThat(right.out()).contains("https://127.0.0.1:2379");
  }
}
