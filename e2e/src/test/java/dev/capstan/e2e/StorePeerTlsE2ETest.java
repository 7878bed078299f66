package dev.capstan.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.capstan.etcd.etcdserverpb.PutRequest;
import dev.capstan.etcd.etcdserverpb.RangeRequest;
import dev.capstan.store.remote.EtcdKeyValueStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import javax.net.ssl.SSLException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Mutual TLS on the store's Raft port, as docs/operations.md shows it: certificates from
 * {@code capstan certificate peer}, three {@code capstan store} processes started with the
 * {@code --peer-*} flags replicate and forward writes; a connection to a Raft port without a
 * member's certificate is refused, and a member whose certificate comes from another CA cannot be
 * added; a wrong file is reported by its flag before anything starts.
 */
class StorePeerTlsE2ETest {

  private Path tmp;
  private CapstanBinary capstan;
  private final Map<String, StoreMember> members = new LinkedHashMap<>();

  /** The flags that give member {@code name} its certificate from {@code pki}. */
  private static List<String> peerTls(Path pki, String name) {
    return List.of("--peer-cert-file", pki.resolve(name + ".crt").toString(), "--peer-key-file",
        pki.resolve(name + ".key").toString(), "--peer-trusted-ca-file", pki.resolve("ca.crt").toString());
  }

  @AfterEach
  void stop() {
    members.values().forEach(StoreMember::close);
    System.out.println("---- store output under " + tmp);
  }

  private CapstanBinary.Result ok(CapstanBinary.Result result) {
    assertThat(result.exitCode()).as(result.toString()).isZero();
    return result;
  }

  private String peers(List<String> names) {
    return names.stream().map(n -> members.get(n).peer()).collect(Collectors.joining(","));
  }

  private static ByteString bytes(String text) {
    return ByteString.copyFrom(text, StandardCharsets.UTF_8);
  }

  @Test
  void membersSpeakMutualTlsAndRefuseOthers() throws Exception {
    tmp = Files.createTempDirectory(Files.createDirectories(Path.of("target", "e2e-runs")).toAbsolutePath(),
        "store-peer-tls-");
    capstan = new CapstanBinary(tmp.resolve("config"));
    Path pki = tmp.resolve("pki");
    Path otherPki = tmp.resolve("other-pki");
    List<String> three = List.of("c1", "c2", "c3");
    for (String name : three) {
      CapstanBinary.Result issued = ok(capstan.run("certificate", "peer", name, "--host", "127.0.0.1", "--dir",
          pki.toString()));
      assertThat(issued.stdout()).contains("--peer-cert-file " + pki.resolve(name + ".crt"));
    }
    ok(capstan.run("certificate", "peer", "c4", "--host", "127.0.0.1", "--dir", otherPki.toString()));
    for (String name : List.of("c1", "c2", "c3", "c4")) {
      members.put(name, new StoreMember(capstan, tmp, name));
    }

    // A certificate that does not name the host the others reach this member at.
    StoreMember c1 = members.get("c1");
    List<String> wrongHost = c1.args("c1=localhost:" + c1.raftPort, "new", peerTls(pki, "c1"));
    CapstanBinary.Result refused = capstan.run(wrongHost.toArray(String[]::new));
    assertThat(refused.exitCode()).isNotZero();
    assertThat(refused.stderr()).contains("--peer-cert-file: " + pki.resolve("c1.crt") + " does not name localhost");

    for (String name : three) {
      members.get(name).start(peers(three), "new", peerTls(pki, name));
    }
    for (String name : three) {
      members.get(name).process.awaitReady();
      assertThat(Files.readString(tmp.resolve(name + ".log"))).contains("(mutual TLS)");
    }
    // Each write replicates over TLS; through c1 and c2 most go to a follower, which forwards them
    // to the leader over TLS too.
    for (String name : three) {
      try (EtcdKeyValueStore client = new EtcdKeyValueStore(List.of(members.get(name).endpoint()))) {
        client.put(PutRequest.newBuilder().setKey(bytes("/tls/" + name)).setValue(bytes("v")).build())
            .get(30, TimeUnit.SECONDS);
      }
    }
    for (String name : three) {
      try (EtcdKeyValueStore client = new EtcdKeyValueStore(List.of(members.get(name).endpoint()))) {
        assertThat(client.range(RangeRequest.newBuilder().setKey(bytes("/tls/")).setRangeEnd(bytes("/tls0")).build())
            .get(30, TimeUnit.SECONDS).getCount()).isEqualTo(3);
      }
    }

    // A TLS client that trusts the members but has no certificate of its own is refused; with a
    // member's certificate the same connection is served (the server speaks first in HTTP/2).
    assertThatThrownBy(() -> TlsProbe.firstByte(pki, null, c1.raftPort))
        .isInstanceOf(SSLException.class).hasMessageContaining("certificate_required");
    assertThat(TlsProbe.firstByte(pki, "c3", c1.raftPort)).isNotNegative();

    // A member whose certificate another CA issued cannot be added: neither side accepts the other.
    StoreMember c4 = members.get("c4");
    c4.start(peers(List.of("c1", "c2", "c3", "c4")), "existing", peerTls(otherPki, "c4"));
    c4.process.awaitReady();
    String endpoints = three.stream().map(n -> members.get(n).endpoint()).collect(Collectors.joining(","));
    CapstanBinary.Result add = capstan.run("store", "member", "add", "c4", "--peer-urls",
        "http://127.0.0.1:" + c4.raftPort, "--endpoints", endpoints);
    assertThat(add.exitCode()).as(add.toString()).isNotZero();
    assertThat(add.stderr()).contains("no store member answers at 127.0.0.1:" + c4.raftPort);
    String list = ok(capstan.run("store", "member", "list", "--endpoints", endpoints)).stdout();
    assertThat(list.lines().toList()).hasSize(4);
  }
}
