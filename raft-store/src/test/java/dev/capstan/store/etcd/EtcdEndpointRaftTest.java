package dev.capstan.store.etcd;

import static dev.capstan.store.EtcdRequests.get;
import static dev.capstan.store.EtcdRequests.put;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.capstan.etcd.etcdserverpb.KVGrpc;
import dev.capstan.etcd.etcdserverpb.LeaseGrantRequest;
import dev.capstan.etcd.etcdserverpb.LeaseGrpc;
import dev.capstan.etcd.etcdserverpb.LeaseTimeToLiveRequest;
import dev.capstan.etcd.etcdserverpb.MaintenanceGrpc;
import dev.capstan.etcd.etcdserverpb.ResponseHeader;
import dev.capstan.etcd.etcdserverpb.SnapshotRequest;
import dev.capstan.etcd.etcdserverpb.SnapshotResponse;
import dev.capstan.store.mvcc.MvccStore;
import dev.capstan.store.ratis.TestCluster;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The etcd endpoints of three Raft store peers, spoken to with grpc-java's etcd stubs. */
class EtcdEndpointRaftTest {

  @TempDir
  Path dir;

  private EtcdTestCluster cluster;
  private final List<ManagedChannel> channels = new ArrayList<>();

  @AfterEach
  void tearDown() {
    channels.forEach(ManagedChannel::shutdownNow);
    if (cluster != null) {
      cluster.close();
    }
  }

  private ManagedChannel channel(String peer) {
    ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", cluster.port(peer)).usePlaintext().build();
    channels.add(channel);
    return channel;
  }

  @Test
  void everyMemberServesWritesAndStampsItsOwnIdentity() {
    cluster = new EtcdTestCluster(dir, 3, TestCluster.FAST, Clock.systemUTC());
    String leader = cluster.raft().awaitLeader();
    String follower = cluster.raft().aFollower();
    KVGrpc.KVBlockingStub onFollower = KVGrpc.newBlockingStub(channel(follower)).withDeadlineAfter(30, TimeUnit.SECONDS);
    KVGrpc.KVBlockingStub onLeader = KVGrpc.newBlockingStub(channel(leader)).withDeadlineAfter(30, TimeUnit.SECONDS);

    ResponseHeader written = onFollower.put(put("/m/k", "v")).getHeader();
    assertThat(written.getMemberId()).isEqualTo(RaftPeerClusterInfo.memberId(follower));
    assertThat(written.getRaftTerm()).isEqualTo(cluster.raft().peer(follower).raftTerm()).isPositive();
    ResponseHeader read = onLeader.range(get("/m/k")).getHeader();
    assertThat(read.getMemberId()).isEqualTo(RaftPeerClusterInfo.memberId(leader));
    assertThat(read.getClusterId()).isEqualTo(written.getClusterId()).isNotZero();
    assertThat(read.getRevision()).isEqualTo(written.getRevision());
    assertThat(onLeader.range(get("/m/k")).getKvs(0).getValue().toStringUtf8()).isEqualTo("v");

    LeaseGrpc.LeaseBlockingStub lease = LeaseGrpc.newBlockingStub(channel(follower));
    long id = lease.leaseGrant(LeaseGrantRequest.newBuilder().setTTL(20).build()).getID();
    assertThat(LeaseGrpc.newBlockingStub(channel(leader)).leaseTimeToLive(LeaseTimeToLiveRequest.newBuilder()
        .setID(id).build()).getGrantedTTL()).isEqualTo(20);
  }

  @Test
  void aSnapshotStreamsTheMembersCopyInChunksThatCountDown() throws Exception {
    cluster = new EtcdTestCluster(dir, 3, TestCluster.FAST, Clock.systemUTC());
    cluster.raft().awaitLeader();
    String follower = cluster.raft().aFollower();
    KVGrpc.KVBlockingStub kv = KVGrpc.newBlockingStub(channel(follower)).withDeadlineAfter(30, TimeUnit.SECONDS);
    long revision = 0;
    for (int i = 0; i < 3; i++) {
      revision = kv.put(put("/snap/" + i, String.valueOf(i).repeat(30_000))).getHeader().getRevision();
    }

    ByteArrayOutputStream received = new ByteArrayOutputStream();
    List<SnapshotResponse> chunks = new ArrayList<>();
    MaintenanceGrpc.newBlockingStub(channel(follower)).withDeadlineAfter(30, TimeUnit.SECONDS)
        .snapshot(SnapshotRequest.getDefaultInstance()).forEachRemaining(chunks::add);
    assertThat(chunks).hasSizeGreaterThan(2);
    assertThat(chunks.get(0).getHeader().getRevision()).isEqualTo(revision);
    assertThat(chunks.get(0).getHeader().getMemberId()).isEqualTo(RaftPeerClusterInfo.memberId(follower));
    long total = chunks.get(0).getRemainingBytes() + chunks.get(0).getBlob().size();
    for (SnapshotResponse chunk : chunks) {
      assertThat(chunk.getBlob().size()).isPositive().isLessThanOrEqualTo(EtcdMaintenanceService.SNAPSHOT_CHUNK_BYTES);
      chunk.getBlob().writeTo(received);
      assertThat(chunk.getRemainingBytes()).isEqualTo(total - received.size());
    }
    assertThat(chunks.get(chunks.size() - 1).getRemainingBytes()).isZero();

    // The bytes are the store's snapshot format: a fresh store restored from them has the data.
    ExecutorService watches = Executors.newSingleThreadExecutor();
    try (MvccStore copy = new MvccStore(watches)) {
      copy.restore(new ByteArrayInputStream(received.toByteArray()));
      assertThat(copy.revision()).isEqualTo(revision);
      assertThat(copy.range(get("/snap/2")).getKvs(0).getValue().toStringUtf8()).isEqualTo("2".repeat(30_000));
    } finally {
      watches.shutdownNow();
    }
  }

  @Test
  void aMemberCutOffFromTheMajorityAnswersNoLeader() {
    cluster = new EtcdTestCluster(dir, 3, TestCluster.FAST.withRequestTimeout(Duration.ofSeconds(2)),
        Clock.systemUTC());
    String follower = cluster.raft().aFollower();
    KVGrpc.KVBlockingStub lonely = KVGrpc.newBlockingStub(channel(follower));
    lonely.withDeadlineAfter(30, TimeUnit.SECONDS).put(put("/q/k", "v"));
    cluster.raft().ids().stream().filter(id -> !id.equals(follower)).forEach(cluster.raft()::stop);

    assertThatThrownBy(() -> lonely.withDeadlineAfter(30, TimeUnit.SECONDS).put(put("/q/k", "w")))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
          assertThat(e.getStatus().getDescription()).isEqualTo("etcdserver: no leader");
        });
    // A serializable read still answers from the member's own copy.
    assertThat(lonely.withDeadlineAfter(30, TimeUnit.SECONDS).range(get("/q/k").toBuilder().setSerializable(true)
        .build()).getKvs(0).getValue().toStringUtf8()).isEqualTo("v");
  }
}
