package dev.capstan.cli.commands;

import static org.assertj.core.api.Assertions.assertThat;

import dev.capstan.cli.CliRun;
import io.grpc.InsecureChannelCredentials;
import io.grpc.TlsChannelCredentials;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code capstan server --etcd-servers} and its companions (the kube-apiserver's flags for an
 * external etcd): what they turn on, and each inconsistent combination refused naming a flag
 * before anything starts. A server on a real etcd is in the e2e suite (ExternalEtcdE2ETest).
 */
class ExternalEtcdFlagsTest {
  @TempDir
  Path dir;

  private Path pki;

  @BeforeEach
  void issue() {
    pki = dir.resolve("pki");
    assertThat(CliRun.of("certificate", "peer", "apiserver", "--host", "127.0.0.1", "--dir", pki.toString())
        .exitCode()).isZero();
  }

  private String refused(String... flags) {
    List<String> args = new ArrayList<>(List.of("server", "--data-dir", dir.resolve("server").toString()));
    args.addAll(List.of(flags));
    CliRun run = CliRun.of(args.toArray(String[]::new));
    assertThat(run.exitCode()).as(run.err()).isNotZero();
    return run.err();
  }

  private static int closedPort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  @Test
  void eachInconsistentCombinationIsRefusedNamingItsFlag() throws IOException {
    String ca = pki.resolve("ca.crt").toString();
    String cert = pki.resolve("apiserver.crt").toString();
    String key = pki.resolve("apiserver.key").toString();
    assertThat(refused("--etcd-cafile", ca)).contains("--etcd-cafile: only with --etcd-servers (an external etcd)");
    assertThat(refused("--etcd-compaction-interval", "1m"))
        .contains("--etcd-compaction-interval: only with --etcd-servers");
    assertThat(refused("--etcd-servers", "unix:///run/etcd.sock"))
        .contains("--etcd-servers: etcd endpoint 'unix:///run/etcd.sock': the scheme must be http or https");
    assertThat(refused("--etcd-servers", "https://127.0.0.1:2379,http://127.0.0.1:2380", "--etcd-cafile", ca))
        .contains("--etcd-servers: 'http://127.0.0.1:2380' is plaintext but 'https://127.0.0.1:2379' is TLS");
    assertThat(refused("--etcd-servers", "https://127.0.0.1:2379"))
        .contains("--etcd-cafile: required with https:// --etcd-servers");
    assertThat(refused("--etcd-servers", "http://127.0.0.1:2379", "--etcd-cafile", ca))
        .contains("--etcd-cafile: the --etcd-servers are plaintext (http://); give them as https://HOST:PORT");
    assertThat(refused("--etcd-servers", "https://127.0.0.1:2379", "--etcd-cafile", ca, "--etcd-certfile", cert))
        .contains("--etcd-keyfile: required with --etcd-certfile");
    assertThat(refused("--etcd-servers", "https://127.0.0.1:2379", "--etcd-cafile", ca, "--etcd-certfile", key,
        "--etcd-keyfile", key)).contains("--etcd-certfile");
    assertThat(refused("--etcd-servers", "http://127.0.0.1:2379", "--etcd-compaction-interval", "-5s"))
        .contains("--etcd-compaction-interval: must not be negative, got -5s");
    for (String ownStoreFlag : List.of("--raft-port=2380", "--etcd-port=2379", "--initial-cluster=s1=127.0.0.1:2380",
        "--auto-compaction-retention=1h", "--peer-cert-file=" + cert, "--client-cert-auth")) {
      String flag = ownStoreFlag.split("=")[0];
      assertThat(refused("--etcd-servers", "http://127.0.0.1:2379", ownStoreFlag))
          .contains(flag + ": this server keeps no store of its own with --etcd-servers");
    }
    int closed = closedPort();
    assertThat(refused("--etcd-servers", "http://127.0.0.1:" + closed))
        .contains("--etcd-servers: no etcd member answered: http://127.0.0.1:" + closed + ": ");
    assertThat(Files.exists(dir.resolve("server").resolve("pki"))).as("nothing started").isFalse();
  }

  @Test
  void theSchemeOfTheServersDecidesTheCredentials() {
    ExternalEtcdOptions plain = new ExternalEtcdOptions();
    plain.servers = List.of("http://127.0.0.1:2379", "127.0.0.1:2380");
    assertThat(plain.credentials()).isInstanceOf(InsecureChannelCredentials.class);
    assertThat(plain.compactionInterval()).isEqualTo(Duration.ofMinutes(5));

    ExternalEtcdOptions tls = new ExternalEtcdOptions();
    tls.servers = List.of("https://127.0.0.1:2379");
    tls.caFile = pki.resolve("ca.crt");
    tls.certFile = pki.resolve("apiserver.crt");
    tls.keyFile = pki.resolve("apiserver.key");
    tls.compactionInterval = "0";
    assertThat(tls.credentials()).isInstanceOf(TlsChannelCredentials.class);
    assertThat(tls.compactionInterval()).isZero();
  }
}
