package dev.capstan.store.etcd;

import static dev.capstan.store.EtcdRequests.bytes;
import static dev.capstan.store.EtcdRequests.get;
import static dev.capstan.store.EtcdRequests.op;
import static dev.capstan.store.EtcdRequests.put;
import static dev.capstan.store.EtcdRequests.watchPrefix;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.capstan.etcd.etcdserverpb.CompactionRequest;
import dev.capstan.etcd.etcdserverpb.DefragmentRequest;
import dev.capstan.etcd.etcdserverpb.KVGrpc;
import dev.capstan.etcd.etcdserverpb.LeaseGrantRequest;
import dev.capstan.etcd.etcdserverpb.LeaseGrantResponse;
import dev.capstan.etcd.etcdserverpb.LeaseGrpc;
import dev.capstan.etcd.etcdserverpb.LeaseKeepAliveRequest;
import dev.capstan.etcd.etcdserverpb.LeaseKeepAliveResponse;
import dev.capstan.etcd.etcdserverpb.LeaseRevokeRequest;
import dev.capstan.etcd.etcdserverpb.LeaseTimeToLiveRequest;
import dev.capstan.etcd.etcdserverpb.MaintenanceGrpc;
import dev.capstan.etcd.etcdserverpb.Member;
import dev.capstan.etcd.etcdserverpb.PutRequest;
import dev.capstan.etcd.etcdserverpb.RangeRequest;
import dev.capstan.etcd.etcdserverpb.RangeResponse;
import dev.capstan.etcd.etcdserverpb.ResponseHeader;
import dev.capstan.etcd.etcdserverpb.TxnRequest;
import dev.capstan.etcd.etcdserverpb.WatchCancelRequest;
import dev.capstan.etcd.etcdserverpb.WatchCreateRequest;
import dev.capstan.etcd.etcdserverpb.WatchGrpc;
import dev.capstan.etcd.etcdserverpb.WatchProgressRequest;
import dev.capstan.etcd.etcdserverpb.WatchRequest;
import dev.capstan.etcd.etcdserverpb.WatchResponse;
import dev.capstan.etcd.mvccpb.Event;
import dev.capstan.store.ForwardingKeyValueStore;
import dev.capstan.store.KeyValueStore;
import dev.capstan.store.MutableClock;
import dev.capstan.store.local.LocalKeyValueStore;
import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The etcd endpoint over an in-memory store, spoken to with grpc-java's generated etcd stubs. */
class EtcdEndpointTest {

  /** A fixed cluster of one. */
  private static final EtcdClusterInfo CLUSTER = new EtcdClusterInfo() {
    @Override public long clusterId() { return 11; }
    @Override public long memberId() { return 22; }
    @Override public long raftTerm() { return 3; }
    @Override public long leaderId() { return 22; }
    @Override public long raftIndex() { return 40; }
    @Override public long raftAppliedIndex() { return 39; }
    @Override public long dbSize() { return 1234; }
    @Override public List<Member> members() {
      return List.of(Member.newBuilder().setID(22).setName("only").build());
    }
  };

  private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
  private ExecutorService watchExecutor;
  private LocalKeyValueStore store;
  private EtcdEndpoint endpoint;
  private ManagedChannel channel;
  private KVGrpc.KVBlockingStub kv;

  @BeforeEach
  void start() throws IOException {
    watchExecutor = Executors.newSingleThreadExecutor();
    store = new LocalKeyValueStore(watchExecutor, clock);
    endpoint = EtcdEndpoint.start(store, CLUSTER, store.mvccStore()::revision, new InetSocketAddress("127.0.0.1", 0));
    channel = NettyChannelBuilder.forAddress("127.0.0.1", endpoint.port()).usePlaintext().build();
    kv = KVGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
  }

  @AfterEach
  void stop() {
    channel.shutdownNow();
    endpoint.close();
    store.close();
    watchExecutor.shutdownNow();
  }

  private static void assertStatus(Runnable call, Status.Code code, String description) {
    assertThatThrownBy(call::run).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
      assertThat(e.getStatus().getCode()).isEqualTo(code);
      assertThat(e.getStatus().getDescription()).isEqualTo(description);
    });
  }

  @Test
  void responsesCarryTheMembersHeader() {
    ResponseHeader header = kv.put(put("/h", "v")).getHeader();
    assertThat(header).isEqualTo(ResponseHeader.newBuilder().setClusterId(11).setMemberId(22).setRaftTerm(3)
        .setRevision(2).build());
    assertThat(kv.range(get("/h")).getHeader().getRevision()).isEqualTo(2);
    var status = MaintenanceGrpc.newBlockingStub(channel).status(dev.capstan.etcd.etcdserverpb.StatusRequest
        .getDefaultInstance());
    assertThat(status.getLeader()).isEqualTo(22);
    assertThat(status.getRaftIndex()).isEqualTo(40);
    assertThat(status.getRaftAppliedIndex()).isEqualTo(39);
    assertThat(status.getDbSize()).isEqualTo(1234);
    assertThat(status.getHeader().getMemberId()).isEqualTo(22);
  }

  @Test
  void badRequestsFailWithEtcdsCodesAndTexts() {
    assertStatus(() -> kv.range(RangeRequest.getDefaultInstance()), Status.Code.INVALID_ARGUMENT,
        "etcdserver: key is not provided");
    TxnRequest.Builder tooMany = TxnRequest.newBuilder();
    for (int i = 0; i <= 128; i++) {
      tooMany.addSuccess(op(put("/k" + i, "v")));
    }
    assertStatus(() -> kv.txn(tooMany.build()), Status.Code.INVALID_ARGUMENT,
        "etcdserver: too many operations in txn request");
    PutRequest large = PutRequest.newBuilder().setKey(bytes("/big"))
        .setValue(ByteString.copyFrom(new byte[1536 * 1024 + 1])).build();
    assertStatus(() -> kv.put(large), Status.Code.INVALID_ARGUMENT, "etcdserver: request is too large");

    kv.put(put("/c", "1"));
    kv.put(put("/c", "2"));
    kv.compact(CompactionRequest.newBuilder().setRevision(3).build());
    assertStatus(() -> kv.range(get("/c").toBuilder().setRevision(2).build()), Status.Code.OUT_OF_RANGE,
        "etcdserver: mvcc: required revision has been compacted");
    assertStatus(() -> kv.range(get("/c").toBuilder().setRevision(99).build()), Status.Code.OUT_OF_RANGE,
        "etcdserver: mvcc: required revision is a future revision");
    assertStatus(() -> MaintenanceGrpc.newBlockingStub(channel).defragment(DefragmentRequest.getDefaultInstance()),
        Status.Code.UNIMPLEMENTED, "Method etcdserverpb.Maintenance/Defragment is unimplemented");
  }

  @Test
  void leaseCallsAnswerAsEtcdDoes() throws InterruptedException {
    LeaseGrpc.LeaseBlockingStub lease = LeaseGrpc.newBlockingStub(channel);
    var granted = lease.leaseGrant(LeaseGrantRequest.newBuilder().setID(7).setTTL(30).build());
    assertThat(granted.getID()).isEqualTo(7);
    assertThat(granted.getHeader().getMemberId()).isEqualTo(22);
    assertStatus(() -> lease.leaseGrant(LeaseGrantRequest.newBuilder().setID(7).setTTL(30).build()),
        Status.Code.FAILED_PRECONDITION, "etcdserver: lease already exists");
    assertStatus(() -> lease.leaseRevoke(LeaseRevokeRequest.newBuilder().setID(8).build()), Status.Code.NOT_FOUND,
        "etcdserver: requested lease not found");
    assertStatus(() -> kv.put(put("/l", "v").toBuilder().setLease(8).build()), Status.Code.NOT_FOUND,
        "etcdserver: requested lease not found");
    assertThat(lease.leaseTimeToLive(LeaseTimeToLiveRequest.newBuilder().setID(8).build()).getTTL()).isEqualTo(-1);

    BlockingQueue<LeaseKeepAliveResponse> answers = new LinkedBlockingQueue<>();
    StreamObserver<LeaseKeepAliveRequest> keepAlive = LeaseGrpc.newStub(channel).leaseKeepAlive(collect(answers));
    keepAlive.onNext(LeaseKeepAliveRequest.newBuilder().setID(7).build());
    keepAlive.onNext(LeaseKeepAliveRequest.newBuilder().setID(8).build());
    keepAlive.onNext(LeaseKeepAliveRequest.newBuilder().setID(7).build());
    assertThat(List.of(next(answers), next(answers), next(answers)))
        .extracting(LeaseKeepAliveResponse::getID, LeaseKeepAliveResponse::getTTL)
        .containsExactly(org.assertj.core.groups.Tuple.tuple(7L, 30L), org.assertj.core.groups.Tuple.tuple(8L, 0L),
            org.assertj.core.groups.Tuple.tuple(7L, 30L));
    keepAlive.onCompleted();

    clock.advance(java.time.Duration.ofSeconds(31));
    assertThat(store.expireLeases()).isEqualTo(1);
    assertThat(lease.leaseLeases(dev.capstan.etcd.etcdserverpb.LeaseLeasesRequest.getDefaultInstance())
        .getLeasesList()).isEmpty();
  }

  @Test
  void watchStreamCreatesInOrderDeliversCancelsAndAnswersProgress() throws InterruptedException {
    BlockingQueue<WatchResponse> responses = new LinkedBlockingQueue<>();
    StreamObserver<WatchRequest> requests = WatchGrpc.newStub(channel).watch(collect(responses));
    requests.onNext(create(watchPrefix("/w/", 0).toBuilder().setPrevKv(true).build()));
    requests.onNext(create(watchPrefix("/w/", 0).toBuilder()
        .addFilters(WatchCreateRequest.FilterType.NOPUT).build()));
    requests.onNext(create(watchPrefix("/w/", 0).toBuilder().setWatchId(1).build()));
    WatchResponse first = next(responses);
    WatchResponse second = next(responses);
    WatchResponse duplicate = next(responses);
    assertThat(List.of(first, second)).allSatisfy(r -> {
      assertThat(r.getCreated()).isTrue();
      assertThat(r.getCanceled()).isFalse();
      assertThat(r.getHeader().getRevision()).isEqualTo(1);
    });
    assertThat(first.getWatchId()).isEqualTo(0);
    assertThat(second.getWatchId()).isEqualTo(1);
    assertThat(duplicate.getCreated()).isTrue();
    assertThat(duplicate.getCanceled()).isTrue();
    assertThat(duplicate.getCancelReason()).contains("duplicate watch ID");

    kv.put(put("/w/a", "1"));
    kv.put(put("/w/a", "2"));
    kv.deleteRange(dev.capstan.store.EtcdRequests.delete("/w/a"));
    // Watch 0 sees all three with prev_kv; watch 1 (no puts) only the delete.
    List<WatchResponse> events = List.of(next(responses), next(responses), next(responses), next(responses));
    List<WatchResponse> ofFirst = events.stream().filter(r -> r.getWatchId() == 0).toList();
    List<WatchResponse> ofSecond = events.stream().filter(r -> r.getWatchId() == 1).toList();
    assertThat(ofFirst).extracting(r -> r.getHeader().getRevision()).containsExactly(2L, 3L, 4L);
    assertThat(ofFirst.get(1).getEvents(0).getPrevKv().getValue().toStringUtf8()).isEqualTo("1");
    assertThat(ofSecond).singleElement().satisfies(r -> {
      assertThat(r.getEvents(0).getType()).isEqualTo(Event.EventType.DELETE);
      assertThat(r.getEvents(0).hasPrevKv()).isFalse();
    });

    requests.onNext(WatchRequest.newBuilder().setProgressRequest(WatchProgressRequest.getDefaultInstance()).build());
    List<WatchResponse> progress = List.of(next(responses), next(responses));
    assertThat(progress).allSatisfy(r -> {
      assertThat(r.getEventsList()).isEmpty();
      assertThat(r.getHeader().getRevision()).isEqualTo(4);
    });
    assertThat(progress).extracting(WatchResponse::getWatchId).containsExactlyInAnyOrder(0L, 1L);

    requests.onNext(WatchRequest.newBuilder().setCancelRequest(WatchCancelRequest.newBuilder().setWatchId(0)).build());
    WatchResponse canceled = next(responses);
    assertThat(canceled.getWatchId()).isEqualTo(0);
    assertThat(canceled.getCanceled()).isTrue();
    kv.put(put("/w/b", "1"));
    kv.deleteRange(dev.capstan.store.EtcdRequests.delete("/w/b"));
    WatchResponse afterCancel = next(responses);
    assertThat(afterCancel.getWatchId()).as("only the remaining watch").isEqualTo(1);
    assertThat(afterCancel.getHeader().getRevision()).isEqualTo(6);
    requests.onCompleted();
  }

  @Test
  void aCompactedStartIsCreatedThenCanceledWithTheCompactRevision() throws InterruptedException {
    kv.put(put("/x", "1"));
    kv.put(put("/x", "2"));
    kv.compact(CompactionRequest.newBuilder().setRevision(3).build());
    BlockingQueue<WatchResponse> responses = new LinkedBlockingQueue<>();
    StreamObserver<WatchRequest> requests = WatchGrpc.newStub(channel).watch(collect(responses));
    requests.onNext(create(watchPrefix("/x", 2)));
    requests.onNext(create(watchPrefix("/x", 3)));
    WatchResponse created = next(responses);
    assertThat(created.getCreated()).isTrue();
    assertThat(created.getWatchId()).isEqualTo(0);
    List<WatchResponse> rest = List.of(next(responses), next(responses), next(responses));
    assertThat(rest.stream().filter(r -> r.getWatchId() == 0).toList()).singleElement().satisfies(r -> {
      assertThat(r.getCanceled()).isTrue();
      assertThat(r.getCompactRevision()).isEqualTo(3);
    });
    List<WatchResponse> ofSecond = rest.stream().filter(r -> r.getWatchId() == 1).toList();
    assertThat(ofSecond.get(0).getCreated()).as("created comes before its events").isTrue();
    assertThat(ofSecond.get(1).getEvents(0).getKv().getValue().toStringUtf8()).isEqualTo("2");
    requests.onCompleted();
  }

  @Test
  void watchesThatAskedForProgressNotifyGetTheStoresNotifications() throws InterruptedException {
    BlockingQueue<WatchResponse> responses = new LinkedBlockingQueue<>();
    StreamObserver<WatchRequest> requests = WatchGrpc.newStub(channel).watch(collect(responses));
    requests.onNext(create(watchPrefix("/p/", 0).toBuilder().setProgressNotify(true).build()));
    assertThat(next(responses).getCreated()).isTrue();
    kv.put(put("/elsewhere", "1"));
    store.notifyProgress();
    WatchResponse progress = next(responses);
    assertThat(progress.getWatchId()).isEqualTo(0);
    assertThat(progress.getEventsList()).isEmpty();
    assertThat(progress.getHeader().getRevision()).isEqualTo(2);

    BlockingQueue<WatchResponse> empty = new LinkedBlockingQueue<>();
    StreamObserver<WatchRequest> bare = WatchGrpc.newStub(channel).watch(collect(empty));
    bare.onNext(WatchRequest.newBuilder().setProgressRequest(WatchProgressRequest.getDefaultInstance()).build());
    WatchResponse answer = next(empty);
    assertThat(answer.getWatchId()).isEqualTo(-1);
    assertThat(answer.getHeader().getRevision()).isEqualTo(2);
    requests.onCompleted();
    bare.onCompleted();
  }

  @Test
  void kvCallsRunOnTheTransportThreadAndOtherServicesOnTheEndpointsPool() throws IOException {
    // The contract of EtcdEndpoint.CallExecutors: KV handlers only hand the request to the store,
    // so they run where gRPC read them; a lease or watch call may wait (Raft, history replay) and
    // must not hold a transport thread.
    Map<String, String> threads = new ConcurrentHashMap<>();
    KeyValueStore recording = new ForwardingKeyValueStore(store) {
      @Override public CompletableFuture<RangeResponse> range(RangeRequest request) {
        threads.put("range", Thread.currentThread().getName());
        return super.range(request);
      }
      @Override public CompletableFuture<LeaseGrantResponse> leaseGrant(LeaseGrantRequest request) {
        threads.put("leaseGrant", Thread.currentThread().getName());
        return super.leaseGrant(request);
      }
    };
    try (EtcdEndpoint other = EtcdEndpoint.start(recording, CLUSTER, store.mvccStore()::revision,
        new InetSocketAddress("127.0.0.1", 0))) {
      ManagedChannel ch = NettyChannelBuilder.forAddress("127.0.0.1", other.port()).usePlaintext().build();
      try {
        KVGrpc.newBlockingStub(ch).withDeadlineAfter(30, TimeUnit.SECONDS).range(get("/t"));
        LeaseGrpc.newBlockingStub(ch).withDeadlineAfter(30, TimeUnit.SECONDS)
            .leaseGrant(LeaseGrantRequest.newBuilder().setTTL(60).build());
      } finally {
        ch.shutdownNow();
      }
    }
    assertThat(threads.get("range")).contains("worker-ELG").doesNotStartWith("etcd-endpoint-call");
    assertThat(threads.get("leaseGrant")).startsWith("etcd-endpoint-call");
  }

  private static WatchRequest create(WatchCreateRequest create) {
    return WatchRequest.newBuilder().setCreateRequest(create).build();
  }

  private static <T> T next(BlockingQueue<T> queue) throws InterruptedException {
    T item = queue.poll(20, TimeUnit.SECONDS);
    assertThat(item).as("a response within 20 s").isNotNull();
    return item;
  }

  private static <T> StreamObserver<T> collect(BlockingQueue<T> into) {
    return new StreamObserver<>() {
      @Override
      public void onNext(T value) {
        into.add(value);
      }

      @Override
      public void onError(Throwable t) {
      }

      @Override
      public void onCompleted() {
      }
    };
  }
}
