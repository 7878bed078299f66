package dev.capstan.store.etcd;

import static dev.capstan.store.EtcdRequests.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import dev.capstan.etcd.etcdserverpb.Member;
import dev.capstan.etcd.etcdserverpb.PutRequest;
import dev.capstan.etcd.etcdserverpb.WatchCreateRequest;
import dev.capstan.etcd.etcdserverpb.WatchGrpc;
import dev.capstan.etcd.etcdserverpb.WatchRequest;
import dev.capstan.etcd.etcdserverpb.WatchResponse;
import dev.capstan.store.local.LocalKeyValueStore;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A watch client that stops reading has its watches paused rather than its events buffered without
 * bound, and gets the rest from history once it reads again; other streams keep getting every event.
 */
class EtcdWatchFlowControlTest {
  private static final long MAX_UNREAD = 1024 * 1024;
  private static final int WRITES = 600;
  private static final Duration WAIT = Duration.ofSeconds(30);

  private static final EtcdClusterInfo CLUSTER = new EtcdClusterInfo() {
    @Override public long clusterId() { return 1; }
    @Override public long memberId() { return 2; }
    @Override public long raftTerm() { return 1; }
    @Override public long leaderId() { return 2; }
    @Override public long raftIndex() { return 1; }
    @Override public long raftAppliedIndex() { return 1; }
    @Override public long dbSize() { return 0; }
    @Override public List<Member> members() {
      return List.of(Member.newBuilder().setID(2).setName("only").build());
    }
  };

  private ExecutorService watchExecutor;
  private LocalKeyValueStore store;
  private Server server;
  private ManagedChannel channel;
  private ManagedChannel readingChannel;

  @BeforeEach
  void start() throws IOException {
    watchExecutor = Executors.newSingleThreadExecutor();
    store = new LocalKeyValueStore(watchExecutor, java.time.Clock.systemUTC());
    server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
        .addService(new EtcdWatchService(store, CLUSTER, store.mvccStore()::revision, MAX_UNREAD))
        .build().start();
    // A small window, so what the client does not read stays on the server's side.
    channel = NettyChannelBuilder.forAddress("127.0.0.1", server.getPort()).usePlaintext()
        .flowControlWindow(64 * 1024).build();
    // Another client's connection: HTTP/2 flow control is per connection too.
    readingChannel = NettyChannelBuilder.forAddress("127.0.0.1", server.getPort()).usePlaintext().build();
  }

  @AfterEach
  void stop() {
    channel.shutdownNow();
    readingChannel.shutdownNow();
    server.shutdownNow();
    store.close();
    watchExecutor.shutdownNow();
  }

  /** A watch stream whose client asks for one response (the creation) and then reads nothing. */
  private static final class StalledClient implements ClientResponseObserver<WatchRequest, WatchResponse> {
    final AtomicInteger events = new AtomicInteger();
    final List<Long> revisions = new java.util.concurrent.CopyOnWriteArrayList<>();
    final AtomicInteger responses = new AtomicInteger();
    final AtomicReference<Throwable> error = new AtomicReference<>();
    volatile ClientCallStreamObserver<WatchRequest> requests;

    @Override
    public void beforeStart(ClientCallStreamObserver<WatchRequest> requestStream) {
      requests = requestStream;
      requestStream.disableAutoRequestWithInitial(1);
    }

    @Override
    public void onNext(WatchResponse response) {
      responses.incrementAndGet();
      events.addAndGet(response.getEventsCount());
      response.getEventsList().forEach(e -> revisions.add(e.getKv().getModRevision()));
    }

    @Override
    public void onError(Throwable t) {
      error.set(t);
    }

    @Override
    public void onCompleted() {}
  }

  @Test
  void aClientThatStopsReadingIsPausedNotBufferedAndCatchesUpFromHistoryWhenItReadsAgain() {
    WatchRequest create = WatchRequest.newBuilder().setCreateRequest(WatchCreateRequest.newBuilder()
        .setKey(bytes("/w/")).setRangeEnd(bytes("/w0"))).build();
    AtomicInteger fastEvents = new AtomicInteger();
    AtomicReference<Throwable> fastError = new AtomicReference<>();
    StreamObserver<WatchRequest> fast = WatchGrpc.newStub(readingChannel).watch(new StreamObserver<>() {
      @Override public void onNext(WatchResponse response) { fastEvents.addAndGet(response.getEventsCount()); }
      @Override public void onError(Throwable t) { fastError.set(t); }
      @Override public void onCompleted() {}
    });
    fast.onNext(create);
    StalledClient slow = new StalledClient();
    WatchGrpc.newStub(channel).watch(slow).onNext(create);
    await().atMost(WAIT).until(() -> slow.responses.get() == 1 && store.mvccStore().watchCount() == 2);

    ByteString value = ByteString.copyFrom(new byte[8 * 1024]);
    long first = 0;
    for (int i = 0; i < WRITES; i++) {
      long revision = store.mvccStore().put(PutRequest.newBuilder().setKey(bytes("/w/" + i)).setValue(value).build())
          .response().getHeader().getRevision();
      first = first == 0 ? revision : first;
    }

    await().atMost(WAIT).until(() -> fastEvents.get() == WRITES);
    assertThat(fastError.get()).isNull();
    // The stalled stream's store watch was closed rather than its events buffered.
    await().atMost(WAIT).until(() -> store.mvccStore().watchCount() == 1);
    assertThat(slow.events.get()).isLessThan(WRITES);

    slow.requests.request(Integer.MAX_VALUE);
    await().atMost(WAIT).until(() -> slow.events.get() == WRITES);
    List<Long> expected = java.util.stream.LongStream.range(first, first + WRITES).boxed().toList();
    assertThat(slow.revisions).isEqualTo(expected);
    assertThat(slow.error.get()).isNull();
    fast.onCompleted();
  }
}
