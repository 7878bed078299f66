package dev.capstan.store.ratis;

import static dev.capstan.store.EtcdRequests.get;
import static dev.capstan.store.EtcdRequests.put;
import static dev.capstan.store.EtcdRequests.watchPrefix;
import static dev.capstan.store.ratis.SinglePeerRatisStoreTest.failure;
import static dev.capstan.store.ratis.SinglePeerRatisStoreTest.join;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.capstan.store.MutableClock;
import dev.capstan.store.StoreException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Automatic compaction on three real Ratis peers in this JVM. The policy runs on its real timer
 * (checks every 50 ms) but reads time from one fake clock, so a compaction is due exactly when the
 * test moves the clock; it must then reach every peer through the log.
 */
class RatisAutoCompactionTest {

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

  @Test
  void periodicCompactionReachesEveryPeerAndAWatchFromBelowItIsToldSo() {
    AutoCompaction policy = AutoCompaction.periodic(Duration.ofMinutes(10)).withCheckInterval(Duration.ofMillis(50));
    cluster = new TestCluster(dir, 3, TestCluster.FAST.withAutoCompaction(policy), clock).startAll();
    RatisKeyValueStore store = cluster.store(cluster.aFollower());
    long first = join(store.put(put("/c/k", "1"))).getHeader().getRevision();
    for (int i = 2; i <= 5; i++) {
      join(store.put(put("/c/k", Integer.toString(i))));
    }
    long kept = join(store.range(get("/c/k"))).getHeader().getRevision();
    // The clock stands still, so every sample so far is "now": wait until each peer's latest one
    // holds the present revision, then move one retention on.
    await().atMost(WAIT).until(() -> cluster.runningPeers().stream()
        .allMatch(p -> p.autoCompactor().lastSampledRevision() == kept));
    assertThat(cluster.runningPeers()).allSatisfy(p -> assertThat(p.store().compactRevision()).isZero());
    clock.advance(Duration.ofMinutes(10));

    for (RaftStorePeer peer : cluster.runningPeers()) {
      await().atMost(WAIT).until(() -> peer.store().compactRevision() == kept);
    }
    // The compaction is not a revision of its own, and the current value stays readable.
    assertThat(join(store.range(get("/c/k"))).getKvs(0).getValue().toStringUtf8()).isEqualTo("5");
    StoreException compacted = failure(store.range(get("/c/k").toBuilder().setRevision(first).build()));
    assertThat(compacted.code()).isEqualTo(StoreException.Code.COMPACTED);
    assertThat(compacted).hasMessage("etcdserver: mvcc: required revision has been compacted");

    SinglePeerRatisStoreTest.Collector watch = new SinglePeerRatisStoreTest.Collector();
    store.watch(watchPrefix("/c/", first), watch);
    await().atMost(WAIT).until(() -> watch.compacted == kept);
    assertThat(watch.events).isEmpty();
  }

  @Test
  void revisionCompactionKeepsTheLastRevisionsOnEveryPeerAcrossALeaderChange() {
    AutoCompaction policy = AutoCompaction.revision(3).withCheckInterval(Duration.ofMillis(50));
    cluster = new TestCluster(dir, 3, TestCluster.FAST.withAutoCompaction(policy), clock).startAll();
    String leader = cluster.awaitLeader();
    RatisKeyValueStore store = cluster.store(cluster.aFollower());
    long last = 0;
    for (int i = 0; i < 10; i++) {
      last = join(store.put(put("/r/" + i, "v"))).getHeader().getRevision();
    }
    long target = last - 3;
    for (RaftStorePeer peer : cluster.runningPeers()) {
      await().atMost(WAIT).until(() -> peer.store().compactRevision() == target);
    }

    cluster.stop(leader);
    cluster.awaitLeader();
    for (int i = 0; i < 5; i++) {
      last = join(store.put(put("/r/" + i, "w"))).getHeader().getRevision();
    }
    long newTarget = last - 3;
    for (RaftStorePeer peer : cluster.runningPeers()) {
      await().atMost(WAIT).until(() -> peer.store().compactRevision() == newTarget);
    }
    assertThat(join(store.range(get("/r/9"))).getCount()).isEqualTo(1);
  }
}
