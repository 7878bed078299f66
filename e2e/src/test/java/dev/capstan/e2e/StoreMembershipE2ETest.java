package dev.capstan.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.capstan.etcd.etcdserverpb.PutRequest;
import dev.capstan.etcd.etcdserverpb.RangeRequest;
import dev.capstan.etcd.etcdserverpb.RangeResponse;
import dev.capstan.store.remote.EtcdKeyValueStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * docs/operations.md's membership commands on real {@code capstan store} processes: three members
 * grow to five (each new one started with {@code --initial-cluster-state existing}, then added with
 * {@code capstan store member add}), then a member killed with SIGKILL is removed and replaced by a
 * new one that catches up; writes and reads go on throughout.
 */
class StoreMembershipE2ETest {

  private Path tmp;
  private CapstanBinary capstan;
  private final Map<String, StoreMember> members = new LinkedHashMap<>();

  @AfterEach
  void stop() {
    members.values().forEach(StoreMember::close);
    System.out.println("---- store output under " + tmp);
  }

  private String peers(List<String> names) {
    return names.stream().map(n -> members.get(n).peer()).collect(Collectors.joining(","));
  }

  private String endpoints(List<String> names) {
    return names.stream().map(n -> members.get(n).endpoint()).collect(Collectors.joining(","));
  }

  private void put(List<String> names, String key) throws Exception {
    try (EtcdKeyValueStore client = new EtcdKeyValueStore(names.stream().map(n -> members.get(n).endpoint()).toList())) {
      client.put(PutRequest.newBuilder().setKey(bytes(key)).setValue(bytes("v")).build()).get(30, TimeUnit.SECONDS);
    }
  }

  private List<String> keysThrough(String name) throws Exception {
    try (EtcdKeyValueStore client = new EtcdKeyValueStore(List.of(members.get(name).endpoint()))) {
      RangeResponse range = client.range(RangeRequest.newBuilder().setKey(bytes("/m/")).setRangeEnd(bytes("/m0"))
          .build()).get(30, TimeUnit.SECONDS);
      return range.getKvsList().stream().map(kv -> kv.getKey().toStringUtf8()).toList();
    }
  }

  private static ByteString bytes(String text) {
    return ByteString.copyFrom(text, StandardCharsets.UTF_8);
  }

  private CapstanBinary.Result ok(CapstanBinary.Result result) {
    assertThat(result.exitCode()).as(result.toString()).isZero();
    return result;
  }

  @Test
  void threeMembersGrowToFiveThenADeadOneIsReplaced() throws Exception {
    tmp = Files.createTempDirectory(Files.createDirectories(Path.of("target", "e2e-runs")).toAbsolutePath(),
        "store-members-");
    capstan = new CapstanBinary(tmp.resolve("config"));
    for (String name : List.of("c1", "c2", "c3", "c4", "c5", "c6")) {
      members.put(name, new StoreMember(capstan, tmp, name));
    }
    List<String> first = List.of("c1", "c2", "c3");
    String clientUrls = first.stream().map(n -> n + "=http://" + members.get(n).endpoint())
        .collect(Collectors.joining(","));
    for (String name : first) {
      members.get(name).start(peers(first), "new", List.of("--cluster-client-urls", clientUrls));
    }
    for (String name : first) {
      members.get(name).process.awaitReady();
    }
    put(first, "/m/before-growing");

    // Grow to five: start each new member waiting, then add it.
    List<String> five = List.of("c1", "c2", "c3", "c4", "c5");
    for (String name : List.of("c4", "c5")) {
      StoreMember m = members.get(name);
      m.start(peers(five), "existing", List.of());
      m.process.awaitReady();
      CapstanBinary.Result added = ok(capstan.run("store", "member", "add", name, "--peer-urls",
          "http://127.0.0.1:" + m.raftPort, "--client-urls", "http://" + m.endpoint(), "--endpoints", endpoints(first)));
      assertThat(added.stdout()).startsWith("Member " + name + " (");
    }
    String list = ok(capstan.run("store", "member", "list", "--endpoints", endpoints(first))).stdout();
    assertThat(list.lines().toList()).hasSize(6).element(0).asString().startsWith("ID");
    for (String name : five) {
      assertThat(list).containsPattern(name + "\\s+http://127.0.0.1:" + members.get(name).raftPort
          + "\\s+http://" + members.get(name).endpoint());
    }
    put(List.of("c5"), "/m/through-c5");
    assertThat(keysThrough("c4")).containsExactly("/m/before-growing", "/m/through-c5");

    // Replace c1, dead: remove it, then start and add c6.
    members.get("c1").process.kill();
    List<String> rest = List.of("c2", "c3", "c4", "c5");
    assertThat(ok(capstan.run("store", "member", "remove", "c1", "--endpoints", endpoints(rest))).stdout())
        .startsWith("Member c1 (");
    put(rest, "/m/after-remove");
    List<String> replaced = List.of("c2", "c3", "c4", "c5", "c6");
    StoreMember c6 = members.get("c6");
    c6.start(peers(replaced), "existing", List.of());
    c6.process.awaitReady();
    ok(capstan.run("store", "member", "add", "c6", "--peer-urls", "http://127.0.0.1:" + c6.raftPort,
        "--client-urls", "http://" + c6.endpoint(), "--endpoints", endpoints(rest)));
    String after = ok(capstan.run("store", "member", "list", "--endpoints", endpoints(List.of("c6")))).stdout();
    assertThat(after.lines().skip(1).map(l -> l.split("\\s+")[1]).toList())
        .containsExactlyInAnyOrder("c2", "c3", "c4", "c5", "c6");
    assertThat(keysThrough("c6")).containsExactly("/m/after-remove", "/m/before-growing", "/m/through-c5");
    put(List.of("c6"), "/m/through-c6");
    assertThat(keysThrough("c2")).hasSize(4);

    // Refusals name the problem.
    CapstanBinary.Result unknown = capstan.run("store", "member", "remove", "c1", "--endpoints", endpoints(rest));
    assertThat(unknown.exitCode()).isNotZero();
    assertThat(unknown.stderr()).contains("no member is named or has the ID 'c1'");
    CapstanBinary.Result badState = capstan.run("store", "--name", "x", "--data-dir", tmp.resolve("x").toString(),
        "--initial-cluster-state", "later");
    assertThat(badState.exitCode()).isNotZero();
    assertThat(badState.stderr()).contains("--initial-cluster-state: expected new or existing, got 'later'");
  }
}
