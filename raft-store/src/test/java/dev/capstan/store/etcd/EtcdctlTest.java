package dev.capstan.store.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.capstan.store.ratis.TestCluster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real etcdctl 3.4 against three Raft store peers in this JVM, each serving its etcd endpoint
 * on a loopback port; etcdctl is given all three. Assertions are on what etcdctl prints.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EtcdctlTest {

  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final Pattern REVISION = Pattern.compile("\"revision\":(\\d+)");

  private EtcdTestCluster cluster;
  private Etcdctl etcdctl;

  @BeforeAll
  void startCluster(@TempDir Path dir) {
    Etcdctl.assumeInstalled();
    cluster = new EtcdTestCluster(dir, 3, TestCluster.FAST, Clock.systemUTC());
    etcdctl = new Etcdctl(cluster.endpoints());
  }

  @AfterAll
  void stopCluster() {
    if (cluster != null) {
      cluster.close();
    }
  }

  private static long revisionOf(Etcdctl.Result jsonResult) {
    Matcher matcher = REVISION.matcher(jsonResult.out());
    assertThat(matcher.find()).as("revision in %s", jsonResult.out()).isTrue();
    return Long.parseLong(matcher.group(1));
  }

  @Test
  void putGetAndDeleteKeysAndPrefixes() {
    assertThat(etcdctl.run("put", "/kv/a", "one").ok().out()).isEqualTo("OK\n");
    assertThat(etcdctl.run("put", "/kv/b", "two").ok().out()).isEqualTo("OK\n");
    assertThat(etcdctl.run("put", "/kvx", "outside").ok().out()).isEqualTo("OK\n");
    assertThat(etcdctl.run("get", "/kv/a").ok().out()).isEqualTo("/kv/a\none\n");
    assertThat(etcdctl.run("get", "--prefix", "/kv/").ok().lines()).containsExactly("/kv/a", "one", "/kv/b", "two");
    assertThat(etcdctl.run("get", "--prefix", "--keys-only", "/kv").ok().out().lines().filter(l -> !l.isEmpty()))
        .containsExactly("/kv/a", "/kv/b", "/kvx");
    assertThat(etcdctl.run("get", "--prefix", "-w", "json", "/kv/").ok().out()).contains("\"count\":2");
    assertThat(etcdctl.run("put", "--prev-kv", "/kv/a", "uno").ok().lines()).containsExactly("OK", "/kv/a", "one");

    assertThat(etcdctl.run("del", "/kv/a").ok().out()).isEqualTo("1\n");
    assertThat(etcdctl.run("get", "/kv/a").ok().out()).isEmpty();
    assertThat(etcdctl.run("del", "--prefix", "/kv").ok().out()).isEqualTo("2\n");
    assertThat(etcdctl.run("get", "--prefix", "/kv").ok().out()).isEmpty();
  }

  @Test
  void readsAtOldRevisionsAndCompaction() {
    long first = revisionOf(etcdctl.run("put", "/rev/k", "v1", "-w", "json").ok());
    long second = revisionOf(etcdctl.run("put", "/rev/k", "v2", "-w", "json").ok());
    assertThat(etcdctl.run("get", "/rev/k", "--rev=" + first).ok().lines()).containsExactly("/rev/k", "v1");
    assertThat(etcdctl.run("get", "/rev/k", "--rev=" + (second + 1000)).err())
        .contains("etcdserver: mvcc: required revision is a future revision");

    assertThat(etcdctl.run("compact", String.valueOf(second)).ok().out()).isEqualTo("compacted revision " + second + "\n");
    Etcdctl.Result old = etcdctl.run("get", "/rev/k", "--rev=" + first);
    assertThat(old.exitCode()).isNotZero();
    assertThat(old.err()).contains("etcdserver: mvcc: required revision has been compacted");

    Etcdctl.Result watch = etcdctl.run("watch", "/rev/k", "--rev=" + first);
    assertThat(watch.out() + watch.err()).contains("required revision has been compacted");
  }

  @Test
  void watchPrintsEventsWhilePutsAndDeletesHappen() throws Exception {
    long start = revisionOf(etcdctl.run("put", "/watched/start", "0", "-w", "json").ok()) + 1;
    Path out = Files.createTempFile("etcdctl-watch", ".out");
    Process watch = etcdctl.command("watch", "--prefix", "/watched/", "--prev-kv", "--rev=" + start)
        .redirectOutput(out.toFile()).redirectErrorStream(true).start();
    try {
      etcdctl.run("put", "/watched/a", "1").ok();
      etcdctl.run("put", "/watched/a", "2").ok();
      etcdctl.run("put", "/elsewhere", "x").ok();
      etcdctl.run("del", "/watched/a").ok();
      await().atMost(WAIT).until(() -> Files.readString(out).lines().count() >= 13);
      assertThat(Files.readString(out).lines().toList()).containsExactly(
          "PUT", "/watched/a", "1",
          "PUT", "/watched/a", "1", "/watched/a", "2",
          // a delete's prev_kv (key, value), then its kv: the key and an empty value
          "DELETE", "/watched/a", "2", "/watched/a", "");
    } finally {
      watch.destroy();
      watch.waitFor();
      Files.deleteIfExists(out);
    }
  }

  @Test
  void txnWithComparesFromStdin() {
    etcdctl.run("put", "/txn/k", "v1").ok();
    String txn = String.join("\n",
        "value(\"/txn/k\") = \"v1\"",
        "version(\"/txn/k\") = \"1\"",
        "",
        "put /txn/k v2",
        "get /txn/k",
        "",
        "put /txn/failed yes",
        "",
        "");
    Etcdctl.Result first = etcdctl.runWithInput(txn, "txn", "--interactive=false").ok();
    assertThat(first.lines()).containsExactly("SUCCESS", "", "OK", "", "/txn/k", "v2");
    Etcdctl.Result second = etcdctl.runWithInput(txn, "txn", "--interactive=false").ok();
    assertThat(second.lines()).containsExactly("FAILURE", "", "OK");
    assertThat(etcdctl.run("get", "/txn/failed").ok().lines()).containsExactly("/txn/failed", "yes");
  }

  @Test
  void leaseGrantKeepAliveTimeToLiveAndRevoke() {
    Etcdctl.Result granted = etcdctl.run("lease", "grant", "60").ok();
    Matcher id = Pattern.compile("^lease ([0-9a-f]+) granted with TTL\\(60s\\)$").matcher(granted.out().trim());
    assertThat(id.matches()).as(granted.out()).isTrue();
    String lease = id.group(1);

    assertThat(etcdctl.run("put", "--lease=" + lease, "/lease/k", "v").ok().out()).isEqualTo("OK\n");
    assertThat(etcdctl.run("lease", "keep-alive", "--once", lease).ok().out().trim())
        .isEqualTo("lease " + lease + " keepalived with TTL(60)");
    assertThat(etcdctl.run("lease", "timetolive", "--keys", lease).ok().out().trim())
        .matches("lease " + lease + " granted with TTL\\(60s\\), remaining\\((59|60)s\\), attached keys\\(\\[/lease/k\\]\\)");
    assertThat(etcdctl.run("lease", "list").ok().out()).contains(lease);

    assertThat(etcdctl.run("lease", "revoke", lease).ok().out().trim()).isEqualTo("lease " + lease + " revoked");
    assertThat(etcdctl.run("get", "/lease/k").ok().out()).isEmpty();
    assertThat(etcdctl.run("lease", "timetolive", lease).ok().out().trim())
        .isEqualTo("lease " + lease + " already expired");
    Etcdctl.Result unknown = etcdctl.run("put", "--lease=" + lease, "/lease/k", "v");
    assertThat(unknown.exitCode()).isNotZero();
    assertThat(unknown.err()).contains("etcdserver: requested lease not found");
  }

  @Test
  void endpointStatusReportsEveryMemberAndOneLeader() {
    List<String> lines = etcdctl.run("endpoint", "status").ok().lines();
    assertThat(lines).hasSize(3);
    long leaders = 0;
    for (int i = 0; i < 3; i++) {
      // endpoint, ID, version, db size, is leader, is learner, raft term, raft index, applied index, errors
      String[] fields = lines.get(i).split(",\\s*");
      assertThat(fields[0]).isEqualTo(cluster.endpoints().get(i));
      assertThat(fields[1]).isEqualTo(Long.toHexString(RaftPeerClusterInfo.memberId("s" + (i + 1))));
      assertThat(fields[2]).isEqualTo(EtcdMaintenanceService.VERSION);
      assertThat(fields[4]).isIn("true", "false");
      assertThat(fields[5]).isEqualTo("false");
      assertThat(Long.parseLong(fields[6])).isPositive();
      assertThat(Long.parseLong(fields[7])).isPositive();
      leaders += fields[4].equals("true") ? 1 : 0;
    }
    assertThat(leaders).isEqualTo(1);
  }

  @Test
  void endpointHealthWithClusterFindsEveryMemberThroughTheMemberList() {
    // --cluster makes etcdctl look the endpoints up in MemberList's client URLs.
    Etcdctl.Result health = etcdctl.run("endpoint", "health", "--cluster");
    assertThat(health.exitCode()).as(health.err()).isZero();
    List<String> lines = (health.out() + health.err()).lines().filter(l -> !l.isBlank()).toList();
    assertThat(lines).hasSize(3).allMatch(l -> l.contains(" is healthy: successfully committed proposal"));
    assertThat(lines).anyMatch(l -> l.startsWith("http://" + cluster.endpoints().get(0) + " "))
        .anyMatch(l -> l.startsWith("http://" + cluster.endpoints().get(2) + " "));
  }

  @Test
  void memberListShowsPeerAndClientUrls() {
    List<String> lines = etcdctl.run("member", "list").ok().lines();
    assertThat(lines).hasSize(3);
    for (int i = 0; i < 3; i++) {
      String peer = "s" + (i + 1);
      String peerUrl = "http://" + cluster.raft().config(peer).address();
      assertThat(lines.get(i)).isEqualTo(String.join(", ",
          Long.toHexString(RaftPeerClusterInfo.memberId(peer)), "started", peer, peerUrl,
          "http://" + cluster.endpoints().get(i), "false"));
    }
  }

}
