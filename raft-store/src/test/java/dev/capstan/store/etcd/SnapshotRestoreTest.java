package dev.capstan.store.etcd;

import static dev.capstan.store.EtcdRequests.ALL;
import static dev.capstan.store.EtcdRequests.bytes;
import static dev.capstan.store.EtcdRequests.delete;
import static dev.capstan.store.EtcdRequests.get;
import static dev.capstan.store.EtcdRequests.put;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.capstan.etcd.etcdserverpb.CompactionRequest;
import dev.capstan.etcd.etcdserverpb.KVGrpc;
import dev.capstan.etcd.etcdserverpb.LeaseGrantRequest;
import dev.capstan.etcd.etcdserverpb.LeaseGrpc;
import dev.capstan.etcd.etcdserverpb.LeaseTimeToLiveRequest;
import dev.capstan.etcd.etcdserverpb.LeaseTimeToLiveResponse;
import dev.capstan.etcd.etcdserverpb.MaintenanceGrpc;
import dev.capstan.etcd.etcdserverpb.RangeRequest;
import dev.capstan.etcd.etcdserverpb.RangeResponse;
import dev.capstan.etcd.etcdserverpb.SnapshotRequest;
import dev.capstan.etcd.etcdserverpb.SnapshotResponse;
import dev.capstan.store.StoreException;
import dev.capstan.store.ratis.RaftStorePeer;
import dev.capstan.store.ratis.RatisKeyValueStore;
import dev.capstan.store.ratis.SnapshotRestore;
import dev.capstan.store.ratis.TestCluster;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Backup and restore end to end in one JVM: a snapshot saved through a running three-peer store's
 * etcd endpoint, restored into three new data dirs, and a new three-peer cluster started on them.
 */
class SnapshotRestoreTest {

  private static final Duration WAIT = Duration.ofSeconds(20);

  @TempDir
  Path dir;

  private EtcdTestCluster source;
  private TestCluster restored;
  private final List<ManagedChannel> channels = new ArrayList<>();

  @AfterEach
  void tearDown() {
    channels.forEach(ManagedChannel::shutdownNow);
    if (restored != null) {
      restored.close();
    }
    if (source != null) {
      source.close();
    }
  }

  private ManagedChannel channel(String peer) {
    ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", source.port(peer)).usePlaintext().build();
    channels.add(channel);
    return channel;
  }

  private static <T> T join(java.util.concurrent.CompletableFuture<T> future) {
    return future.orTimeout(20, TimeUnit.SECONDS).join();
  }

  private static RangeRequest all() {
    return RangeRequest.newBuilder().setKey(ALL).setRangeEnd(ALL).build();
  }

  /** Saves a snapshot from {@code peer}'s etcd endpoint, as {@code capstan store snapshot save} does. */
  private Path save(String peer, Path file) throws IOException {
    Iterator<SnapshotResponse> chunks = MaintenanceGrpc.newBlockingStub(channel(peer))
        .withDeadlineAfter(30, TimeUnit.SECONDS).snapshot(SnapshotRequest.getDefaultInstance());
    try (OutputStream out = Files.newOutputStream(file)) {
      while (chunks.hasNext()) {
        chunks.next().getBlob().writeTo(out);
      }
    }
    return file;
  }

  @Test
  void aNewClusterRestoredFromASavedSnapshotServesItsKeysRevisionAndLeasesAndTakesWrites() throws Exception {
    source = new EtcdTestCluster(dir.resolve("source"), 3, TestCluster.FAST, Clock.systemUTC());
    String follower = source.raft().aFollower();
    KVGrpc.KVBlockingStub kv = KVGrpc.newBlockingStub(channel(follower)).withDeadlineAfter(30, TimeUnit.SECONDS);
    long lease = LeaseGrpc.newBlockingStub(channel(follower)).leaseGrant(
        LeaseGrantRequest.newBuilder().setID(42).setTTL(600).build()).getID();
    for (int i = 0; i < 20; i++) {
      kv.put(put("/registry/pods/default/p" + i, "v" + i));
    }
    long early = kv.put(put("/registry/pods/default/p0", "changed")).getHeader().getRevision();
    kv.compact(CompactionRequest.newBuilder().setRevision(early).build());
    kv.put(put("/registry/pods/default/p1", "changed-after-compaction"));
    kv.deleteRange(delete("/registry/pods/default/p2"));
    kv.put(put("/registry/leases/holder", "me").toBuilder().setLease(lease).build());
    RangeResponse before = kv.range(all());
    long revision = before.getHeader().getRevision();
    // Every member's copy is the same; take it from one that is not the leader.
    await().atMost(WAIT).until(() -> source.raft().peer(follower).appliedRevision() == revision);
    Path file = save(follower, dir.resolve("backup.snap"));
    assertThat(SnapshotRestore.verify(file).revision()).isEqualTo(revision);

    restored = new TestCluster(dir.resolve("restored"), 3, TestCluster.FAST);
    for (String id : restored.ids()) {
      SnapshotRestore.Restored written = SnapshotRestore.restore(file, restored.config(id));
      assertThat(written.revision()).isEqualTo(revision);
      assertThat(written.compactRevision()).isEqualTo(early);
      assertThat(written.liveKeys()).isEqualTo(20);
      assertThat(written.leases()).isEqualTo(1);
    }
    restored.startAll();
    String leader = restored.awaitLeader();
    String reader = restored.aFollower();
    RatisKeyValueStore store = restored.store(reader);

    RangeResponse after = join(store.range(all()));
    assertThat(after.getHeader().getRevision()).isEqualTo(revision);
    assertThat(after.getKvsList()).isEqualTo(before.getKvsList());
    // History above the compaction point came along; below it is gone, as in the source.
    RangeRequest atEarly = get("/registry/pods/default/p1").toBuilder().setRevision(early).build();
    assertThat(join(store.range(atEarly)).getKvs(0).getValue()).isEqualTo(bytes("v1"));
    assertThatThrownBy(() -> join(store.range(atEarly.toBuilder().setRevision(early - 1).build())))
        .isInstanceOf(CompletionException.class).cause().isInstanceOf(StoreException.class)
        .hasMessage("etcdserver: mvcc: required revision has been compacted");
    LeaseTimeToLiveResponse ttl = join(store.leaseTimeToLive(
        LeaseTimeToLiveRequest.newBuilder().setID(lease).setKeys(true).build()));
    assertThat(ttl.getGrantedTTL()).isEqualTo(600);
    assertThat(ttl.getTTL()).isBetween(590L, 600L);
    assertThat(ttl.getKeysList()).containsExactly(bytes("/registry/leases/holder"));

    long next = join(store.put(put("/registry/pods/default/new", "x"))).getHeader().getRevision();
    assertThat(next).isEqualTo(revision + 1);
    for (RaftStorePeer peer : restored.runningPeers()) {
      await().atMost(WAIT).until(() -> peer.appliedRevision() == next);
    }
    // A restarted member of the new cluster comes back from its own data dir.
    String member = restored.ids().stream().filter(id -> !id.equals(leader) && !id.equals(reader)).findFirst()
        .orElseThrow();
    restored.stop(member);
    join(store.put(put("/registry/pods/default/while-down", "y")));
    restored.start(member);
    await().atMost(WAIT).until(() -> restored.peer(member).appliedRevision() == next + 1);
  }

  @Test
  void aCorruptTruncatedOrPaddedFileIsRefusedAndNothingIsWritten() throws Exception {
    source = new EtcdTestCluster(dir.resolve("source"), 1, TestCluster.FAST, Clock.systemUTC());
    String peer = source.raft().awaitLeader();
    KVGrpc.KVBlockingStub kv = KVGrpc.newBlockingStub(channel(peer)).withDeadlineAfter(30, TimeUnit.SECONDS);
    for (int i = 0; i < 10; i++) {
      kv.put(put("/k/" + i, "value " + i));
    }
    byte[] good = Files.readAllBytes(save(peer, dir.resolve("good.snap")));
    TestCluster target = new TestCluster(dir.resolve("restored"), 1, TestCluster.FAST);
    RaftStorePeer.Config member = target.config("s1");

    byte[] flipped = good.clone();
    flipped[good.length / 2] ^= 0x40;
    Path corrupt = Files.write(dir.resolve("corrupt.snap"), flipped);
    assertThatThrownBy(() -> SnapshotRestore.restore(corrupt, member))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("corrupt.snap: not a valid store snapshot");
    Path truncated = Files.write(dir.resolve("truncated.snap"), Arrays.copyOf(good, good.length - 5));
    assertThatThrownBy(() -> SnapshotRestore.restore(truncated, member))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("the file is truncated");
    Path padded = Files.write(dir.resolve("padded.snap"), Arrays.copyOf(good, good.length + 3));
    assertThatThrownBy(() -> SnapshotRestore.restore(padded, member))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("unexpected bytes after");
    Path notASnapshot = Files.writeString(dir.resolve("notes.txt"), "hello");
    assertThatThrownBy(() -> SnapshotRestore.restore(notASnapshot, member))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("notes.txt:");
    assertThatThrownBy(() -> SnapshotRestore.restore(dir.resolve("missing.snap"), member))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("missing.snap: no such file");
    assertThat(member.dataDir()).doesNotExist();
    try (var left = Files.list(dir.resolve("restored").getParent())) {
      assertThat(left.map(p -> p.getFileName().toString())).noneMatch(name -> name.contains(".restoring-"));
    }

    Files.createDirectories(member.dataDir());
    Files.writeString(member.dataDir().resolve("keep.me"), "x");
    Path goodFile = dir.resolve("good.snap");
    assertThatThrownBy(() -> SnapshotRestore.restore(goodFile, member))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("is not empty");
    assertThat(member.dataDir().resolve("keep.me")).hasContent("x");
    Files.delete(member.dataDir().resolve("keep.me"));
    // An empty dir is fine.
    assertThat(SnapshotRestore.restore(goodFile, member).liveKeys()).isEqualTo(10);
  }
}
