package dev.capstan.store.ratis;

import static dev.capstan.store.EtcdRequests.bytes;
import static dev.capstan.store.EtcdRequests.get;
import static dev.capstan.store.EtcdRequests.modEquals;
import static dev.capstan.store.EtcdRequests.op;
import static dev.capstan.store.EtcdRequests.prefix;
import static dev.capstan.store.EtcdRequests.put;
import static dev.capstan.store.EtcdRequests.watchPrefix;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.capstan.etcd.etcdserverpb.CompactionRequest;
import dev.capstan.etcd.etcdserverpb.PutRequest;
import dev.capstan.etcd.etcdserverpb.RangeResponse;
import dev.capstan.etcd.etcdserverpb.TxnRequest;
import dev.capstan.etcd.etcdserverpb.TxnResponse;
import dev.capstan.etcd.mvccpb.Event;
import dev.capstan.store.StoreException;
import dev.capstan.store.StoreWatchListener;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SinglePeerRatisStoreTest {

  @TempDir
  Path dir;

  private TestCluster cluster;

  @AfterEach
  void tearDown() {
    if (cluster != null) {
      cluster.close();
    }
  }

  private RatisKeyValueStore startOne(RaftStorePeer.Tuning tuning) {
    cluster = new TestCluster(dir, 1, tuning).startAll();
    cluster.awaitLeader();
    return cluster.store("s1");
  }

  static <T> T join(CompletableFuture<T> future) {
    return future.orTimeout(20, java.util.concurrent.TimeUnit.SECONDS).join();
  }

  static StoreException failure(CompletableFuture<?> future) {
    Throwable thrown = org.assertj.core.api.Assertions.catchThrowable(() -> join(future));
    assertThat(thrown).isInstanceOf(CompletionException.class);
    assertThat(thrown.getCause()).isInstanceOf(StoreException.class);
    return (StoreException) thrown.getCause();
  }

  /** Collects events from any thread. */
  static class Collector implements StoreWatchListener {
    final List<Event> events = new CopyOnWriteArrayList<>();
    final List<Long> revisions = new CopyOnWriteArrayList<>();
    volatile Throwable error;
    volatile long compacted = -1;

    @Override
    public void onEvents(long revision, List<Event> batch) {
      revisions.add(revision);
      events.addAll(batch);
    }

    @Override
    public void onCompacted(long compactRevision) {
      compacted = compactRevision;
    }

    @Override
    public void onError(Throwable error) {
      this.error = error;
    }

    List<String> keys() {
      return events.stream().map(e -> e.getKv().getKey().toStringUtf8()).toList();
    }
  }

  @Test
  void putGetTxnAndWatchOnOnePeer() {
    RatisKeyValueStore store = startOne(TestCluster.FAST);
    Collector watch = new Collector();
    store.watch(watchPrefix("/registry/", 0), watch);

    long revision = join(store.put(put("/registry/pods/a", "1"))).getHeader().getRevision();
    assertThat(revision).isEqualTo(2);
    RangeResponse read = join(store.range(get("/registry/pods/a")));
    assertThat(read.getKvs(0).getValue()).isEqualTo(bytes("1"));
    assertThat(read.getKvs(0).getModRevision()).isEqualTo(2);

    TxnRequest cas = TxnRequest.newBuilder().addCompare(modEquals("/registry/pods/a", 2))
        .addSuccess(op(put("/registry/pods/a", "2"))).addFailure(op(get("/registry/pods/a"))).build();
    TxnResponse won = join(store.txn(cas));
    assertThat(won.getSucceeded()).isTrue();
    assertThat(won.getHeader().getRevision()).isEqualTo(3);
    TxnResponse lost = join(store.txn(cas));
    assertThat(lost.getSucceeded()).isFalse();
    assertThat(lost.getResponses(0).getResponseRange().getKvs(0).getValue()).isEqualTo(bytes("2"));

    TxnResponse readOnly = join(store.txn(TxnRequest.newBuilder().addSuccess(op(prefix("/registry/"))).build()));
    assertThat(readOnly.getResponses(0).getResponseRange().getCount()).isEqualTo(1);
    assertThat(join(store.range(get("/registry/pods/a").toBuilder().setSerializable(true).build())).getCount())
        .isEqualTo(1);

    await().atMost(Duration.ofSeconds(10)).until(() -> watch.revisions.size() == 2);
    assertThat(watch.revisions).containsExactly(2L, 3L);
  }

  @Test
  void idleWatchesThatAskedForItGetProgressNotifications() {
    RatisKeyValueStore store = startOne(TestCluster.FAST.withProgressNotifyInterval(Duration.ofMillis(50)));
    join(store.put(put("/other", "x")));
    List<Long> progress = new CopyOnWriteArrayList<>();
    store.watch(watchPrefix("/quiet/", 0).toBuilder().setProgressNotify(true).build(), new Collector() {
      @Override
      public void onProgress(long revision) {
        progress.add(revision);
      }
    });
    await().atMost(Duration.ofSeconds(10)).until(() -> progress.contains(2L));
  }

  @Test
  void etcdErrorsComeBackAsStoreExceptions() {
    RatisKeyValueStore store = startOne(TestCluster.FAST);
    join(store.put(put("k", "1")));
    join(store.put(put("k", "2")));
    join(store.compact(CompactionRequest.newBuilder().setRevision(3).build()));

    StoreException compacted = failure(store.range(get("k").toBuilder().setRevision(2).build()));
    assertThat(compacted.code()).isEqualTo(StoreException.Code.COMPACTED);
    assertThat(compacted).hasMessage("etcdserver: mvcc: required revision has been compacted");

    StoreException future = failure(store.compact(CompactionRequest.newBuilder().setRevision(99).build()));
    assertThat(future.code()).isEqualTo(StoreException.Code.FUTURE_REVISION);

    StoreException missing = failure(store.put(PutRequest.newBuilder().setKey(bytes("nope")).setIgnoreValue(true).build()));
    assertThat(missing).hasMessage("etcdserver: key not found");

    StoreException empty = failure(store.put(PutRequest.getDefaultInstance()));
    assertThat(empty.code()).isEqualTo(StoreException.Code.INVALID_ARGUMENT);
    assertThat(empty).hasMessage("etcdserver: key is not provided");

    Collector watch = new Collector();
    store.watch(watchPrefix("k", 2), watch);
    await().atMost(Duration.ofSeconds(10)).until(() -> watch.compacted == 3);
  }

  @Test
  void aRestartOnTheSameDataDirKeepsEveryKeyAndTheRevision() {
    RatisKeyValueStore store = startOne(TestCluster.FAST);
    for (int i = 0; i < 30; i++) {
      join(store.put(put("/k/" + i, "v" + i)));
    }
    join(store.deleteRange(dev.capstan.store.EtcdRequests.delete("/k/0")));
    RangeResponse before = join(store.range(prefix("/k/")));
    assertThat(before.getHeader().getRevision()).isEqualTo(32);

    cluster.stop("s1");
    assertThat(failure(store.range(get("/k/1"))).code()).isEqualTo(StoreException.Code.UNAVAILABLE);
    cluster.start("s1");
    cluster.awaitLeader();
    RatisKeyValueStore restarted = cluster.store("s1");

    assertThat(join(restarted.range(prefix("/k/")))).isEqualTo(before);
    assertThat(join(restarted.put(put("/k/new", "x"))).getHeader().getRevision()).isEqualTo(33);
  }

  @Test
  void snapshotsAreTakenThePurgedLogIsNotNeededAndARestartLoadsTheSnapshot() throws IOException {
    RatisKeyValueStore store = startOne(TestCluster.FAST.withSnapshotThreshold(20));
    for (int i = 0; i < 60; i++) {
      join(store.put(put("/s/" + i, "v" + i)));
    }
    join(store.compact(CompactionRequest.newBuilder().setRevision(40).build()));
    Path data = cluster.dataDir("s1");
    await().atMost(Duration.ofSeconds(10)).until(() -> files(data, "snapshot\\.\\d+_\\d+").size() >= 1);
    // The first log segment (from index 0) is purged once a snapshot covers it.
    await().atMost(Duration.ofSeconds(10)).until(() -> files(data, "log_0-\\d+").isEmpty());
    RangeResponse before = join(store.range(prefix("/s/")));
    StoreStats stats = cluster.peer("s1").stats();
    assertThat(stats.snapshots()).isPositive();
    assertThat(stats.snapshotSeconds()).isPositive();
    assertThat(stats.snapshotFailures()).isZero();
    assertThat(stats.leaderChanges()).isEqualTo(1);
    assertThat(stats.writeCommands()).isEqualTo(61);

    cluster.stop("s1");
    cluster.start("s1");
    cluster.awaitLeader();
    RatisKeyValueStore restarted = cluster.store("s1");
    assertThat(join(restarted.range(prefix("/s/")))).isEqualTo(before);
    assertThat(join(restarted.range(prefix("/s/").toBuilder().setRevision(45).build())).getCount()).isEqualTo(44);
    assertThat(failure(restarted.range(prefix("/s/").toBuilder().setRevision(39).build())).code())
        .isEqualTo(StoreException.Code.COMPACTED);
  }

  @Test
  void aClosedStoreOrPeerAnswersUnavailable() {
    RatisKeyValueStore store = startOne(TestCluster.FAST);
    RatisKeyValueStore other = cluster.store("s1");
    Collector watch = new Collector();
    store.watch(watchPrefix("/", 0), watch);

    store.close();
    assertThat(failure(store.put(put("a", "1"))).code()).isEqualTo(StoreException.Code.UNAVAILABLE);
    assertThat(join(other.put(put("a", "1"))).getHeader().getRevision()).isEqualTo(2);

    cluster.stop("s1");
    assertThat(failure(other.put(put("a", "2"))).code()).isEqualTo(StoreException.Code.UNAVAILABLE);
    assertThatThrownBy(() -> other.watch(watchPrefix("/", 0), new Collector()))
        .isInstanceOfSatisfying(StoreException.class,
            e -> assertThat(e.code()).isEqualTo(StoreException.Code.UNAVAILABLE));
    await().atMost(Duration.ofSeconds(10)).until(() -> watch.error != null);
    assertThat(((StoreException) watch.error).code()).isEqualTo(StoreException.Code.UNAVAILABLE);
  }

  @Test
  void startSingleServesTheStoreOnTheGivenPort() throws IOException {
    int port = TestCluster.freePort();
    try (RaftStorePeer peer = RaftStorePeer.startSingle(dir.resolve("single"), port)) {
      await().atMost(Duration.ofSeconds(15)).until(peer::isLeader);
      assertThat(peer.leaderId()).contains("capstan");
      assertThat(peer.config().address()).isEqualTo("127.0.0.1:" + port);
      try (RatisKeyValueStore store = new RatisKeyValueStore(peer)) {
        assertThat(join(store.put(put("a", "1"))).getHeader().getRevision()).isEqualTo(2);
        assertThat(peer.appliedRevision()).isEqualTo(2);
      }
    }
  }

  @Test
  void aTakenRaftPortFailsTheStartNamingTheAddressInsteadOfEndingTheJvm() throws IOException {
    try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      // Ratis itself would call System.exit on the failed bind, and this test would not finish.
      assertThatThrownBy(() -> RaftStorePeer.startSingle(dir.resolve("taken"), taken.getLocalPort()))
          .isInstanceOf(IOException.class)
          .hasMessageStartingWith("the Raft address 127.0.0.1:" + taken.getLocalPort() + " cannot be listened on");
    }
  }

  private static List<Path> files(Path root, String nameRegex) throws IOException {
    try (Stream<Path> walk = Files.walk(root)) {
      return walk.filter(p -> p.getFileName().toString().matches(nameRegex)).toList();
    }
  }
}
