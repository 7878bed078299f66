package dev.capstan.store.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.capstan.store.StoreErrors;
import dev.capstan.store.ratis.TestCluster;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real etcdctl 3.4's {@code member list|add|remove} against three Raft store peers in this
 * JVM, each serving its etcd endpoint on loopback, plus a fourth that joins. Assertions are on
 * what etcdctl prints.
 */
class EtcdctlMembershipTest {

  private static final Duration WAIT = Duration.ofSeconds(30);

  @TempDir
  Path dir;

  private EtcdTestCluster cluster;
  private Etcdctl etcdctl;
  private List<String> firstThree;

  @BeforeEach
  void startCluster() {
    Etcdctl.assumeInstalled();
    cluster = new EtcdTestCluster(dir, 3, TestCluster.FAST, Clock.systemUTC());
    firstThree = cluster.endpoints();
    etcdctl = new Etcdctl(firstThree);
  }

  @AfterEach
  void stopCluster() {
    if (cluster != null) {
      cluster.close();
    }
  }

  private static String hex(String name) {
    return Long.toHexString(RaftPeerClusterInfo.memberId(name));
  }

  @Test
  void addAJoiningMemberThenRemoveIt() {
    String address = cluster.startJoining("s4");
    String s4Endpoint = "127.0.0.1:" + cluster.port("s4");

    Etcdctl.Result added = etcdctl.run("member", "add", "s4", "--peer-urls=http://" + address).ok();
    assertThat(added.lines().get(0)).matches("Member " + hex("s4") + " added to cluster [0-9a-f]+");
    assertThat(added.out())
        .contains("ETCD_NAME=\"s4\"")
        .contains("ETCD_INITIAL_ADVERTISE_PEER_URLS=\"http://" + address + "\"")
        .contains("ETCD_INITIAL_CLUSTER_STATE=\"existing\"")
        .contains("s4=http://" + address)
        .contains("s1=http://" + cluster.raft().config("s1").address());

    List<String> lines = etcdctl.run("member", "list").ok().lines();
    assertThat(lines).hasSize(4);
    // etcdctl's MemberAdd carries no client URLs: the existing members do not know s4's.
    assertThat(lines.get(3)).isEqualTo(String.join(", ", hex("s4"), "started", "s4", "http://" + address, "", "false"));

    // The new member serves what was written before and after it joined.
    etcdctl.run("put", "/members/after-add", "yes").ok();
    Etcdctl throughS4 = new Etcdctl(List.of(s4Endpoint));
    assertThat(throughS4.run("get", "/members/after-add").ok().lines()).containsExactly("/members/after-add", "yes");

    assertThat(etcdctl.run("member", "remove", hex("s4")).ok().out().trim())
        .matches("Member " + hex("s4") + " removed from cluster [0-9a-f]+");
    assertThat(etcdctl.run("member", "list").ok().lines()).hasSize(3).noneMatch(l -> l.contains("s4"));
    etcdctl.run("put", "/members/after-remove", "yes").ok();
    // The removed member says so instead of answering from its stale copy.
    await().atMost(WAIT).untilAsserted(() -> {
      Etcdctl.Result stale = throughS4.run("get", "/members/after-add", "--consistency=s");
      assertThat(stale.exitCode()).isNotZero();
      assertThat(stale.err()).contains(StoreErrors.MEMBER_REMOVED);
    });
  }

  @Test
  void refusedChangesPrintEtcdsErrors() {
    Etcdctl.Result unknown = etcdctl.run("member", "remove", "123abc");
    assertThat(unknown.exitCode()).isNotZero();
    assertThat(unknown.err()).contains("etcdserver: member not found");

    Etcdctl.Result existing = etcdctl.run("member", "add", "again",
        "--peer-urls=http://" + cluster.raft().config("s2").address());
    assertThat(existing.exitCode()).isNotZero();
    assertThat(existing.err()).contains("etcdserver: Peer URLs already exists");

    Etcdctl.Result nobody = etcdctl.run("member", "add", "s5", "--peer-urls=http://127.0.0.1:" + TestCluster.freePort());
    assertThat(nobody.exitCode()).isNotZero();
    assertThat(nobody.err()).contains("no store member answers at").contains("start it first");

    Etcdctl.Result learner = etcdctl.run("member", "add", "s5", "--learner", "--peer-urls=http://127.0.0.1:1");
    assertThat(learner.exitCode()).isNotZero();
    assertThat(learner.err()).contains("learner members are not supported");

    Etcdctl.Result update = etcdctl.run("member", "update", hex("s1"), "--peer-urls=http://127.0.0.1:1");
    assertThat(update.exitCode()).isNotZero();
    assertThat(update.err()).contains("remove the member and add one at the new address");

    assertThat(etcdctl.run("member", "list").ok().lines()).hasSize(3);
  }
}
