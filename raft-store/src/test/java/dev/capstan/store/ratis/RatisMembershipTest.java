package dev.capstan.store.ratis;

import static dev.capstan.store.EtcdRequests.get;
import static dev.capstan.store.EtcdRequests.prefix;
import static dev.capstan.store.EtcdRequests.put;
import static dev.capstan.store.ratis.SinglePeerRatisStoreTest.failure;
import static dev.capstan.store.ratis.SinglePeerRatisStoreTest.join;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import dev.capstan.etcd.etcdserverpb.RangeRequest;
import dev.capstan.etcd.etcdserverpb.RangeResponse;
import dev.capstan.store.StoreErrors;
import dev.capstan.store.StoreException;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Groups of 1, 3 and 5 store peers in this JVM on loopback ports whose membership changes while
 * they run: losing two of five, adding a member that catches up, removing members (the leader
 * too), and the changes that are refused.
 */
class RatisMembershipTest {

  private static final Duration WAIT = Duration.ofSeconds(30);

  @TempDir
  Path dir;

  private TestCluster cluster;

  @AfterEach
  void tearDown() {
    if (cluster != null) {
      cluster.close();
    }
  }

  private List<String> keys(RangeResponse range) {
    return range.getKvsList().stream().map(kv -> kv.getKey().toStringUtf8()).toList();
  }

  @Test
  void fivePeersKeepWritingAndReadingLinearizablyWithTwoDownIncludingTheLeaderAndTheyCatchUp() {
    cluster = new TestCluster(dir, 5, TestCluster.FAST).startAll();
    String leader = cluster.awaitLeader();
    String follower = cluster.aFollower();
    List<String> survivors = cluster.ids().stream().filter(id -> !id.equals(leader) && !id.equals(follower)).toList();
    RatisKeyValueStore writer = cluster.store(survivors.get(0));
    for (int i = 0; i < 20; i++) {
      join(writer.put(put("/five/" + i, "v" + i)));
    }

    cluster.stop(leader);
    cluster.stop(follower);
    assertThat(cluster.awaitLeader()).isIn(survivors);
    for (int i = 20; i < 40; i++) {
      join(writer.put(put("/five/" + i, "v" + i)));
      // Each acknowledged write is visible at once to a linearizable read through another survivor.
      RatisKeyValueStore reader = cluster.store(survivors.get(1 + i % 2));
      assertThat(join(reader.range(get("/five/" + i))).getKvs(0).getValue().toStringUtf8()).isEqualTo("v" + i);
    }

    cluster.start(leader);
    cluster.start(follower);
    String newLeader = cluster.awaitLeader();
    long revision = cluster.peer(newLeader).appliedRevision();
    await().atMost(WAIT).until(() -> cluster.peer(leader).appliedRevision() >= revision
        && cluster.peer(follower).appliedRevision() >= revision);
    for (String id : List.of(leader, follower)) {
      assertThat(join(cluster.store(id).range(prefix("/five/"))).getCount()).isEqualTo(40);
    }
    // And the group still needs only three of five: the returned ones can carry writes.
    join(cluster.store(leader).put(put("/five/after", "x")));
  }

  @Test
  void aFourthMemberJoinsByLogOrSnapshotServesReadsAndAMemberIsThenRemoved() {
    cluster = new TestCluster(dir, 3, TestCluster.FAST.withSnapshotThreshold(20)).startAll();
    String leader = cluster.awaitLeader();
    RatisKeyValueStore writer = cluster.store(leader);
    for (int i = 0; i < 60; i++) {
      join(writer.put(put("/grow/" + i, "v" + i)));
    }

    String follower = cluster.aFollower();
    String address = cluster.reserve("s4");
    RaftStorePeer joining = cluster.startJoining("s4");
    assertThat(new StoreMembership(joining).members()).isEmpty();
    assertThat(joining.isRemoved()).isFalse();
    // Added through a follower: the change goes to the leader.
    StoreMembership membership = new StoreMembership(cluster.peer(follower));
    StoreMembership.Member added = membership.add(List.of("http://" + address), List.of("http://127.0.0.1:23790"));
    assertThat(added).isEqualTo(new StoreMembership.Member("s4", address, List.of("http://127.0.0.1:23790")));

    long revision = cluster.peer(leader).appliedRevision();
    await().atMost(WAIT).until(() -> joining.appliedRevision() >= revision);
    RatisKeyValueStore onNew = cluster.store("s4");
    assertThat(join(onNew.range(prefix("/grow/"))).getCount()).isEqualTo(60);
    join(onNew.put(put("/grow/through-s4", "yes")));
    // Every member, the new one too, lists the four.
    await().atMost(WAIT).until(() -> cluster.runningPeers().stream()
        .allMatch(p -> new StoreMembership(p).members().size() == 4));
    assertThat(new StoreMembership(joining).members()).extracting(StoreMembership.Member::id)
        .containsExactly("s1", "s2", "s3", "s4");
    assertThat(new StoreMembership(joining).members().get(3).clientUrls()).containsExactly("http://127.0.0.1:23790");

    // Remove the leader itself, through the new member: it steps down, the rest carry on.
    List<StoreMembership.Member> left = new StoreMembership(joining).remove(leader);
    assertThat(left).extracting(StoreMembership.Member::id).hasSize(3).doesNotContain(leader);
    String newLeader = cluster.awaitLeaderAmong(left.stream().map(StoreMembership.Member::id).toList());
    assertThat(newLeader).isNotEqualTo(leader);
    join(onNew.put(put("/grow/after-remove", "yes")));
    RangeResponse all = join(cluster.store(newLeader).range(prefix("/grow/")));
    assertThat(all.getCount()).isEqualTo(62);
    assertThat(keys(all)).contains("/grow/0", "/grow/59", "/grow/through-s4", "/grow/after-remove");

    // The removed member stops serving rather than answer from a copy that no longer changes.
    RaftStorePeer removed = cluster.peer(leader);
    await().atMost(WAIT).until(removed::isRemoved);
    StoreException stale = failure(writer.range(get("/grow/0").toBuilder().setSerializable(true).build()));
    assertThat(stale).hasMessage(StoreErrors.MEMBER_REMOVED);
    assertThat(failure(writer.put(put("/grow/from-removed", "no"))).getMessage()).isEqualTo(StoreErrors.MEMBER_REMOVED);
  }

  @Test
  void aMemberRemovedWhileDownLearnsItWhenItStartsAgainAndStopsServing() {
    cluster = new TestCluster(dir, 3, TestCluster.FAST).startAll();
    String leader = cluster.awaitLeader();
    String down = cluster.aFollower();
    join(cluster.store(leader).put(put("/removed/before", "v")));
    await().atMost(WAIT).until(() -> cluster.peer(down).appliedIndex() >= cluster.peer(leader).appliedIndex());
    cluster.stop(down);
    StoreMembership membership = new StoreMembership(cluster.peer(leader));
    await().atMost(WAIT).until(() -> !membership.liveMembers().contains(down));
    membership.remove(down);
    join(cluster.store(leader).put(put("/removed/after", "v")));

    // Restarted on its old data, it still believes it is a member (nobody told it); its first
    // election asks the others, who answer that it is no longer one of them, and it leaves.
    RaftStorePeer restarted = cluster.start(down);
    RatisKeyValueStore store = cluster.store(down);
    await().atMost(WAIT).until(restarted::isRemoved);
    RangeRequest serializable = prefix("/removed/").toBuilder().setSerializable(true).build();
    assertThat(failure(store.range(serializable)).getMessage()).isEqualTo(StoreErrors.MEMBER_REMOVED);
    assertThat(failure(store.put(put("/removed/through-it", "no"))).getMessage()).isEqualTo(StoreErrors.MEMBER_REMOVED);
    assertThat(membership.members()).extracting(StoreMembership.Member::id).doesNotContain(down);
  }

  @Test
  void aLeaderThatHasJustDiedIsRemovedThroughAFollowerThatStillBelievesInIt() {
    // Elections slow enough that the survivors still follow the dead leader when the removal
    // starts (stopping a peer takes a few hundred milliseconds).
    cluster = new TestCluster(dir, 3, TestCluster.FAST.withElectionTimeouts(Duration.ofSeconds(2),
        Duration.ofSeconds(3))).startAll();
    String leader = cluster.awaitLeader();
    String follower = cluster.aFollower();
    join(cluster.store(leader).put(put("/dead-leader/before", "v")));
    cluster.stop(leader);
    assertThat(cluster.peer(follower).leaderId()).contains(leader);
    // The follower still names the dead leader, which must not be asked until the change times
    // out: the question goes to the next leader once there is one.
    List<StoreMembership.Member> left = new StoreMembership(cluster.peer(follower)).remove(leader);
    assertThat(left).extracting(StoreMembership.Member::id).hasSize(2).doesNotContain(leader);
    String newLeader = cluster.awaitLeaderAmong(left.stream().map(StoreMembership.Member::id).toList());
    join(cluster.store(newLeader).put(put("/dead-leader/after", "v")));
    assertThat(join(cluster.store(follower).range(prefix("/dead-leader/"))).getCount()).isEqualTo(2);
  }

  @Test
  void refusedChangesSayWhy() throws IOException {
    cluster = new TestCluster(dir, 3, TestCluster.FAST).startAll();
    String leader = cluster.awaitLeader();
    StoreMembership membership = new StoreMembership(cluster.peer(leader));

    assertThat(catchThrowableOfType(() -> membership.remove("s9"), MembershipException.class))
        .hasMessage("etcdserver: member not found")
        .extracting(MembershipException::reason).isEqualTo(MembershipException.Reason.NOT_FOUND);
    String existing = "http://" + cluster.config("s2").address();
    assertThat(catchThrowableOfType(() -> membership.add(List.of(existing), List.of()), MembershipException.class))
        .hasMessage("etcdserver: Peer URLs already exists")
        .extracting(MembershipException::reason).isEqualTo(MembershipException.Reason.EXISTS);
    assertThat(catchThrowableOfType(() -> membership.add(List.of("http://a:1", "http://b:2"), List.of()),
        MembershipException.class).getMessage()).startsWith("etcdserver: given member URLs are invalid: peerURLs");
    assertThat(catchThrowableOfType(() -> membership.add(List.of("127.0.0.1:2380"), List.of()),
        MembershipException.class).getMessage()).contains("must be http://HOST:PORT");

    // Nothing listens there: the new member must run first.
    String nobody = "http://127.0.0.1:" + TestCluster.freePort();
    MembershipException unreachable = catchThrowableOfType(() -> membership.add(List.of(nobody), List.of()),
        MembershipException.class);
    assertThat(unreachable.reason()).isEqualTo(MembershipException.Reason.UNAVAILABLE);
    assertThat(unreachable).hasMessageContaining("no store member answers at").hasMessageContaining("start it first");

    // A member whose name is taken is refused.
    cluster.reserve("s4");
    RaftStorePeer namesake = new RaftStorePeer(new RaftStorePeer.Config("s2", dir.resolve("namesake"),
        cluster.config("s4").address(), List.of("s2=" + cluster.config("s4").address()), TestCluster.FAST));
    try (namesake) {
      namesake.startJoining();
      assertThat(catchThrowableOfType(() -> membership.add(List.of("http://" + cluster.config("s4").address()),
          List.of()), MembershipException.class)).hasMessageStartingWith("etcdserver: member ID already exist");
    }

    // With one of three down, removing another live one would leave 1 live of 2: refused.
    String down = cluster.aFollower();
    cluster.stop(down);
    String live = List.of("s1", "s2", "s3").stream().filter(id -> !id.equals(down) && !id.equals(leader))
        .findFirst().orElseThrow();
    await().atMost(WAIT).until(() -> !membership.liveMembers().contains(down));
    assertThat(catchThrowableOfType(() -> membership.remove(live), MembershipException.class))
        .hasMessageStartingWith("etcdserver: re-configuration failed due to not enough started members");
    // Removing the one that is down is fine: two live of two remain.
    assertThat(membership.remove(down)).extracting(StoreMembership.Member::id).containsExactlyInAnyOrder(leader, live);
  }

  @Test
  void aSingleMemberCannotBeRemovedButCanGrow() {
    cluster = new TestCluster(dir, 1, TestCluster.FAST).startAll();
    cluster.awaitLeader();
    StoreMembership membership = new StoreMembership(cluster.peer("s1"));
    assertThat(catchThrowableOfType(() -> membership.remove("s1"), MembershipException.class))
        .hasMessageStartingWith(StoreMembership.NOT_ENOUGH_STARTED)
        .extracting(MembershipException::reason).isEqualTo(MembershipException.Reason.NOT_ENOUGH_MEMBERS);

    join(cluster.store("s1").put(put("/single/k", "v")));
    String address = cluster.reserve("s2");
    cluster.startJoining("s2");
    membership.add(List.of("http://" + address), List.of());
    assertThat(membership.members()).extracting(StoreMembership.Member::id).containsExactly("s1", "s2");
    assertThat(join(cluster.store("s2").range(get("/single/k"))).getCount()).isEqualTo(1);
  }
}
