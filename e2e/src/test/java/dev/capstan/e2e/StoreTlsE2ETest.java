package dev.capstan.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import javax.net.ssl.SSLException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * TLS on both of the store's ports, as docs/operations.md shows it: certificates from
 * {@code capstan certificate peer}; three {@code capstan store} processes with mutual TLS between
 * their Raft ports ({@code --peer-*}) and TLS with client certificates required on their etcd
 * ports ({@code --cert-file ... --client-cert-auth}). Real etcdctl writes and reads through them
 * (writes through followers go to the leader over TLS); a Raft connection without a member's
 * certificate is refused, as are etcd clients without a client certificate or without TLS; a
 * member whose certificate comes from another CA cannot be added; a wrong file is reported by its
 * flag before anything starts.
 */
class StoreTlsE2ETest {

  private Path tmp;
  private CapstanBinary capstan;
  private final Map<String, StoreMember> members = new LinkedHashMap<>();

  /** The flags that give member {@code name} its certificate from {@code pki} on its Raft port. */
  private static List<String> peerTls(Path pki, String name) {
    return List.of("--peer-cert-file", pki.resolve(name + ".crt").toString(), "--peer-key-file",
        pki.resolve(name + ".key").toString(), "--peer-trusted-ca-file", pki.resolve("ca.crt").toString());
  }

  /** Both ports with TLS: the peer flags, and the client port serving the same certificate. */
  private static List<String> bothTls(Path pki, String name) {
    List<String> flags = new java.util.ArrayList<>(peerTls(pki, name));
    flags.addAll(List.of("--cert-file", pki.resolve(name + ".crt").toString(), "--key-file",
        pki.resolve(name + ".key").toString(), "--trusted-ca-file", pki.resolve("ca.crt").toString(),
        "--client-cert-auth"));
    return flags;
  }

  /** etcdctl's and capstan's client TLS flags for user {@code user} of {@code pki} (none: CA only). */
  private static List<String> clientTls(Path pki, String user) {
    List<String> flags = new java.util.ArrayList<>(List.of("--cacert", pki.resolve("ca.crt").toString()));
    if (user != null) {
      flags.addAll(List.of("--cert", pki.resolve(user + ".crt").toString(), "--key",
          pki.resolve(user + ".key").toString()));
    }
    return flags;
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

  @Test
  void membersSpeakMutualTlsAndRefuseOthers() throws Exception {
    tmp = Files.createTempDirectory(Files.createDirectories(Path.of("target", "e2e-runs")).toAbsolutePath(),
        "store-tls-");
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

    ok(capstan.run("certificate", "peer", "admin", "--host", "127.0.0.1", "--dir", pki.toString()));
    for (String name : three) {
      members.get(name).start(peers(three), "new", bothTls(pki, name));
    }
    for (String name : three) {
      members.get(name).process.awaitReady();
      assertThat(Files.readString(tmp.resolve(name + ".log"))).contains("(mutual TLS)")
          .contains("(TLS, client certificates required)");
    }
    // Each write replicates over TLS; through c1 and c2 most go to a follower, which forwards them
    // to the leader over TLS too.
    for (String name : three) {
      ok(Etcdctl.run("https://" + members.get(name).endpoint(), clientTls(pki, "admin"), "put", "/tls/" + name, "v"));
    }
    for (String name : three) {
      assertThat(ok(Etcdctl.run("https://" + members.get(name).endpoint(), clientTls(pki, "admin"), "get", "/tls/",
          "--prefix", "--keys-only")).stdout().lines().filter(l -> !l.isBlank()).toList())
          .containsExactly("/tls/c1", "/tls/c2", "/tls/c3");
    }
    // Without a client certificate, or without TLS, the etcd port refuses.
    assertThat(Etcdctl.run("https://" + c1.endpoint(), clientTls(pki, null), "get", "/tls/c1").exitCode()).isNotZero();
    assertThat(Etcdctl.run("http://" + c1.endpoint(), List.of(), "get", "/tls/c1").exitCode()).isNotZero();
    CapstanBinary.Result plain = capstan.run("store", "member", "list", "--endpoints", c1.endpoint());
    assertThat(plain.exitCode()).isNotZero();
    assertThat(plain.stderr()).contains("no store member answered");

    // A TLS client that trusts the members but has no certificate of its own is refused; with a
    // member's certificate the same connection is served (a request frame is answered).
    assertThatThrownBy(() -> TlsProbe.firstByte(pki, null, c1.raftPort))
        .isInstanceOfAny(SSLException.class, java.net.SocketException.class);
    assertThat(TlsProbe.firstByte(pki, "c3", c1.raftPort)).isNotNegative();

    // A member whose certificate another CA issued cannot be added: neither side accepts the other.
    StoreMember c4 = members.get("c4");
    c4.start(peers(List.of("c1", "c2", "c3", "c4")), "existing", peerTls(otherPki, "c4"));
    c4.process.awaitReady();
    String endpoints = three.stream().map(n -> "https://" + members.get(n).endpoint()).collect(Collectors.joining(","));
    List<String> add = new java.util.ArrayList<>(List.of("store", "member", "add", "c4", "--peer-urls",
        "http://127.0.0.1:" + c4.raftPort, "--endpoints", endpoints));
    add.addAll(clientTls(pki, "admin"));
    CapstanBinary.Result added = capstan.run(add.toArray(String[]::new));
    assertThat(added.exitCode()).as(added.toString()).isNotZero();
    assertThat(added.stderr()).contains("no store member answers at 127.0.0.1:" + c4.raftPort);
    List<String> listArgs = new java.util.ArrayList<>(List.of("store", "member", "list", "--endpoints", endpoints));
    listArgs.addAll(clientTls(pki, "admin"));
    String list = ok(capstan.run(listArgs.toArray(String[]::new))).stdout();
    assertThat(list.lines().toList()).hasSize(4);
    assertThat(list).contains("https://" + c1.endpoint());
  }
}
