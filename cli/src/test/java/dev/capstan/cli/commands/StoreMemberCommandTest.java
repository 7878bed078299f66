package dev.capstan.cli.commands;

import dev.capstan.cli.CliRun;

import static org.assertj.core.api.Assertions.assertThat;

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
 * {@code capstan store member} against a one-member store (a real Ratis peer and its etcd
 * endpoint in this JVM): the listing, and the errors that name the flag or the refused change.
 * Growing and replacing members across processes is StoreMembershipE2ETest's.
 */
class StoreMemberCommandTest {
  @TempDir
  Path dir;

  private RaftStorePeer peer;
  private RatisKeyValueStore store;
  private EtcdEndpoint endpoint;

  @BeforeEach
  void start() throws IOException {
    peer = RaftStorePeer.startSingle(dir.resolve("store"), freePort());
    store = new RatisKeyValueStore(peer);
    endpoint = EtcdEndpoint.start(peer, store, new InetSocketAddress("127.0.0.1", 0),
        Map.of("capstan", List.of("http://127.0.0.1:2379")));
  }

  @AfterEach
  void stop() {
    endpoint.close();
    store.close();
    peer.close();
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  private CliRun capstan(String... args) {
    return CliRun.of(args);
  }

  private String endpoints() {
    return "127.0.0.1:" + endpoint.port();
  }

  @Test
  void listShowsTheMembersWithTheirUrls() {
    CliRun list = capstan("store", "member", "list", "--endpoints", "127.0.0.1:1," + endpoints());
    assertThat(list.exitCode()).as(list.err()).isZero();
    // The store's own log lines share this JVM's stdout.
    List<String> table = list.out().lines().filter(l -> !l.matches("\\d\\d:\\d\\d:\\d\\d\\.\\d+ .*")).toList();
    assertThat(table).hasSize(2);
    assertThat(table.get(0)).matches("ID\\s+NAME\\s+PEER URLS\\s+CLIENT URLS");
    assertThat(table.get(1))
        .matches("[0-9a-f]+\\s+capstan\\s+http://127.0.0.1:\\d+\\s+http://127.0.0.1:2379");
  }

  @Test
  void errorsNameTheFlagOrTheRefusedChange() throws IOException {
    CliRun badPeerUrl = capstan("store", "member", "add", "c2", "--peer-urls", "127.0.0.1:2380", "--endpoints", endpoints());
    assertThat(badPeerUrl.exitCode()).isNotZero();
    assertThat(badPeerUrl.err()).contains("--peer-urls: expected one http://HOST:PORT, got '127.0.0.1:2380'");

    CliRun badClientUrl = capstan("store", "member", "add", "c2", "--peer-urls", "http://127.0.0.1:2380",
        "--client-urls", "2379", "--endpoints", endpoints());
    assertThat(badClientUrl.err()).contains("--client-urls: expected http://HOST:PORT, got '2379'");

    CliRun notRunning = capstan("store", "member", "add", "c2", "--peer-urls", "http://127.0.0.1:" + freePort(),
        "--endpoints", endpoints());
    assertThat(notRunning.exitCode()).isNotZero();
    assertThat(notRunning.err()).contains("no store member answers at").contains("start it first");

    CliRun unknown = capstan("store", "member", "remove", "c9", "--endpoints", endpoints());
    assertThat(unknown.err()).contains("no member is named or has the ID 'c9'; members: capstan");

    CliRun last = capstan("store", "member", "remove", "capstan", "--endpoints", endpoints());
    assertThat(last.exitCode()).isNotZero();
    assertThat(last.err()).contains("etcdserver: re-configuration failed due to not enough started members");

    CliRun badEndpoint = capstan("store", "member", "list", "--endpoints", "nowhere");
    assertThat(badEndpoint.err()).startsWith("error: --endpoints: ");

    CliRun nobody = capstan("store", "member", "list", "--endpoints", "127.0.0.1:" + freePort());
    assertThat(nobody.exitCode()).isNotZero();
    assertThat(nobody.err()).contains("no store member answered: 127.0.0.1:");
  }
}
