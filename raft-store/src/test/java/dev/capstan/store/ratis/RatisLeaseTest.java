package dev.capstan.store.ratis;

import static dev.capstan.store.EtcdRequests.get;
import static dev.capstan.store.EtcdRequests.prefix;
import static dev.capstan.store.EtcdRequests.put;
import static dev.capstan.store.ratis.SinglePeerRatisStoreTest.failure;
import static dev.capstan.store.ratis.SinglePeerRatisStoreTest.join;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.capstan.etcd.etcdserverpb.LeaseGrantRequest;
import dev.capstan.etcd.etcdserverpb.LeaseKeepAliveRequest;
import dev.capstan.etcd.etcdserverpb.LeaseRevokeRequest;
import dev.capstan.etcd.etcdserverpb.LeaseStatus;
import dev.capstan.etcd.etcdserverpb.LeaseTimeToLiveRequest;
import dev.capstan.etcd.etcdserverpb.LeaseTimeToLiveResponse;
import dev.capstan.etcd.etcdserverpb.PutRequest;
import dev.capstan.etcd.etcdserverpb.RangeRequest;
import dev.capstan.store.MutableClock;
import dev.capstan.store.StoreException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Leases on three real Ratis peers in this JVM. The peers time leases on one fake clock, so
 * expiry happens when the test moves it, and only the leader's view of it counts.
 */
class RatisLeaseTest {

  private static final Duration WAIT = Duration.ofSeconds(20);

  @TempDir
  Path dir;

  private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
  private TestCluster cluster;

  @AfterEach
  void tearDown() {
    if (cluster != null) {
      cluster.close();
    }
  }

  private void start(RaftStorePeer.Tuning tuning) {
    cluster = new TestCluster(dir, 3, tuning, clock).startAll();
    cluster.awaitLeader();
  }

  private static PutRequest putWithLease(String key, long lease) {
    return put(key, "v").toBuilder().setLease(lease).build();
  }

  private static RangeRequest local(RangeRequest request) {
    return request.toBuilder().setSerializable(true).build();
  }

  private LeaseTimeToLiveResponse timeToLive(RatisKeyValueStore store, long id) {
    return join(store.leaseTimeToLive(LeaseTimeToLiveRequest.newBuilder().setID(id).setKeys(true).build()));
  }

  @Test
  void leaseCallsThroughAFollowerReachTheLeaderAndRevokeDeletesKeysEverywhere() {
    start(TestCluster.FAST);
    RatisKeyValueStore follower = cluster.store(cluster.aFollower());
    RatisKeyValueStore leader = cluster.store(cluster.awaitLeader());

    long id = join(follower.leaseGrant(LeaseGrantRequest.newBuilder().setTTL(30).build())).getID();
    assertThat(id).isPositive();
    join(leader.put(putWithLease("/l/a", id)));
    join(follower.put(putWithLease("/l/b", id)));
    assertThat(join(follower.range(get("/l/a"))).getKvs(0).getLease()).isEqualTo(id);

    var kept = join(follower.leaseKeepAlive(LeaseKeepAliveRequest.newBuilder().setID(id).build()));
    assertThat(kept.getTTL()).isEqualTo(30);
    LeaseTimeToLiveResponse ttl = timeToLive(follower, id);
    assertThat(ttl.getTTL()).isEqualTo(30);
    assertThat(ttl.getGrantedTTL()).isEqualTo(30);
    assertThat(ttl.getKeysList()).extracting(k -> k.toStringUtf8()).containsExactly("/l/a", "/l/b");
    assertThat(join(follower.leaseLeases()).getLeasesList()).extracting(LeaseStatus::getID).containsExactly(id);

    StoreException unknown = failure(follower.put(putWithLease("/l/c", id + 1)));
    assertThat(unknown.code()).isEqualTo(StoreException.Code.LEASE_NOT_FOUND);
    assertThat(unknown).hasMessage("etcdserver: requested lease not found");

    long revision = join(follower.leaseRevoke(LeaseRevokeRequest.newBuilder().setID(id).build()))
        .getHeader().getRevision();
    for (String peer : cluster.ids()) {
      RatisKeyValueStore store = cluster.store(peer);
      await().atMost(WAIT).until(() -> cluster.peer(peer).appliedRevision() >= revision);
      assertThat(join(store.range(local(prefix("/l/")))).getCount()).isZero();
    }
    assertThat(failure(follower.leaseKeepAlive(LeaseKeepAliveRequest.newBuilder().setID(id).build())).code())
        .isEqualTo(StoreException.Code.LEASE_NOT_FOUND);
  }

  @Test
  void theLeaderRevokesAnExpiredLeaseThroughTheLogSoEveryPeerDeletesItsKeys() {
    start(TestCluster.FAST);
    RatisKeyValueStore store = cluster.store(cluster.aFollower());
    long shortLived = join(store.leaseGrant(LeaseGrantRequest.newBuilder().setID(1).setTTL(10).build())).getID();
    long longLived = join(store.leaseGrant(LeaseGrantRequest.newBuilder().setID(2).setTTL(60).build())).getID();
    join(store.put(putWithLease("/e/short", shortLived)));
    join(store.put(putWithLease("/e/long", longLived)));
    long before = cluster.peer(cluster.awaitLeader()).appliedRevision();

    clock.advance(Duration.ofSeconds(11));
    for (RaftStorePeer peer : cluster.runningPeers()) {
      await().atMost(WAIT).until(() -> peer.appliedRevision() == before + 1);
      RatisKeyValueStore onPeer = cluster.store(peer.id());
      assertThat(join(onPeer.range(local(prefix("/e/")))).getKvsList())
          .extracting(kv -> kv.getKey().toStringUtf8()).containsExactly("/e/long");
    }
    assertThat(join(store.leaseLeases()).getLeasesList()).extracting(LeaseStatus::getID).containsExactly(longLived);
    assertThat(failure(store.leaseTimeToLive(LeaseTimeToLiveRequest.newBuilder().setID(shortLived).build())).code())
        .isEqualTo(StoreException.Code.LEASE_NOT_FOUND);
  }

  @Test
  void aNewLeaderTimesEveryLeaseAfreshAndExpiresItLater() {
    start(TestCluster.FAST);
    String oldLeader = cluster.awaitLeader();
    String survivor = cluster.aFollower();
    RatisKeyValueStore store = cluster.store(survivor);
    long id = join(store.leaseGrant(LeaseGrantRequest.newBuilder().setID(9).setTTL(10).build())).getID();
    join(store.put(putWithLease("/n/k", id)));
    clock.advance(Duration.ofSeconds(6));
    assertThat(timeToLive(store, id).getTTL()).isEqualTo(4);

    cluster.stop(oldLeader);
    String newLeader = cluster.awaitLeader();
    assertThat(newLeader).isNotEqualTo(oldLeader);
    // Followers never timed the lease; the new leader gives it its full TTL again.
    await().atMost(WAIT).until(() -> timeToLive(store, id).getTTL() == 10);
    clock.advance(Duration.ofSeconds(6));
    assertThat(join(store.range(get("/n/k"))).getCount()).as("the old leader's deadline died with it").isEqualTo(1);
    clock.advance(Duration.ofSeconds(5));
    await().atMost(WAIT).until(() -> join(store.range(get("/n/k"))).getCount() == 0);
  }

  @Test
  void leasesSurviveSnapshotsAndARestartOfEveryPeer() {
    start(TestCluster.FAST.withSnapshotThreshold(10));
    RatisKeyValueStore store = cluster.store(cluster.awaitLeader());
    long id = join(store.leaseGrant(LeaseGrantRequest.newBuilder().setID(5).setTTL(60).build())).getID();
    join(store.put(putWithLease("/s/leased", id)));
    for (int i = 0; i < 30; i++) {
      join(store.put(put("/s/" + i, "v")));
    }
    List<String> ids = cluster.ids();
    ids.forEach(cluster::stop);
    ids.forEach(cluster::start);
    cluster.awaitLeader();

    RatisKeyValueStore restarted = cluster.store(cluster.aFollower());
    LeaseTimeToLiveResponse ttl = timeToLive(restarted, id);
    assertThat(ttl.getGrantedTTL()).isEqualTo(60);
    assertThat(ttl.getKeysList()).extracting(k -> k.toStringUtf8()).containsExactly("/s/leased");
    join(restarted.leaseRevoke(LeaseRevokeRequest.newBuilder().setID(id).build()));
    assertThat(join(restarted.range(get("/s/leased"))).getCount()).isZero();
    assertThat(join(restarted.range(prefix("/s/"))).getCount()).isEqualTo(30);
  }
}
