package dev.capstan.store.remote;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.google.protobuf.ByteString;
import dev.capstan.etcd.etcdserverpb.PutRequest;
import dev.capstan.etcd.etcdserverpb.RangeRequest;
import dev.capstan.etcd.etcdserverpb.WatchCreateRequest;
import dev.capstan.etcd.mvccpb.Event;
import dev.capstan.store.StoreException;
import dev.capstan.store.StoreWatch;
import dev.capstan.store.StoreWatchListener;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * What {@link EtcdKeyValueStore} adds to etcd's semantics (those are the conformance suite's):
 * endpoint parsing, failover between endpoints, watches resumed on another member.
 */
class EtcdKeyValueStoreTest {

  @Test
  void endpointsAreHostPortOrUrlsAndThisBindingRefusesTls() {
    assertThat(EtcdEndpoint.parse("127.0.0.1:2379")).isEqualTo(new EtcdEndpoint("127.0.0.1", 2379));
    assertThat(EtcdEndpoint.parse(" http://etcd-1.example:12379 ")).isEqualTo(new EtcdEndpoint("etcd-1.example", 12379));
    assertThat(EtcdEndpoint.parse("[::1]:2379")).isEqualTo(new EtcdEndpoint("::1", 2379));
    assertThat(EtcdEndpoint.parse("[::1]:2379").toString()).isEqualTo("[::1]:2379");
    assertThat(EtcdEndpoint.parse("https://etcd:2379")).isEqualTo(new EtcdEndpoint("etcd", 2379, true));
    assertThatThrownBy(() -> EtcdEndpoint.parse("unix://etcd:2379")).hasMessageContaining("http or https");
    assertThatThrownBy(() -> new EtcdKeyValueStore(List.of("https://etcd:2379")))
        .hasMessage("etcd endpoint 'https://etcd:2379': no TLS credentials are given (a CA to verify it by);"
            + " give them, or use http://");
    assertThatThrownBy(() -> new EtcdKeyValueStore(List.of("https://etcd:2379", "etcd2:2379"), Duration.ofSeconds(1),
        io.grpc.TlsChannelCredentials.create()))
        .hasMessage("etcd endpoint 'http://etcd2:2379': TLS credentials are given, so every endpoint must be https://");
    assertThatThrownBy(() -> EtcdEndpoint.parse("etcd")).hasMessageContaining("expected host:port");
    assertThatThrownBy(() -> new EtcdKeyValueStore(List.of())).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void withNoEndpointReachableRequestsFailUnavailableAtOnce() {
    try (EtcdKeyValueStore store = new EtcdKeyValueStore(List.of(deadEndpoint(), deadEndpoint()))) {
      long started = System.nanoTime();
      assertThat(failure(store.put(put("k", "v"))).code()).isEqualTo(StoreException.Code.UNAVAILABLE);
      assertThat(failure(store.range(get("k"))).code()).isEqualTo(StoreException.Code.UNAVAILABLE);
      Throwable watch = catchThrowable(() -> store.watch(WatchCreateRequest.newBuilder().setKey(bytes("k")).build(),
          new Recorder()));
      assertThat(watch).isInstanceOf(StoreException.class);
      assertThat(((StoreException) watch).code()).isEqualTo(StoreException.Code.UNAVAILABLE);
      assertThat(Duration.ofNanos(System.nanoTime() - started)).as("refused connections fail fast")
          .isLessThan(EtcdKeyValueStore.DEFAULT_REQUEST_TIMEOUT);
    }
  }

  @Test
  void aClosedStoreAnswersUnavailable() {
    EtcdKeyValueStore store = new EtcdKeyValueStore(List.of(deadEndpoint()));
    store.close();
    assertThat(failure(store.range(get("k"))).code()).isEqualTo(StoreException.Code.UNAVAILABLE);
    assertThatThrownBy(() -> store.watch(WatchCreateRequest.newBuilder().setKey(bytes("k")).build(), new Recorder()))
        .isInstanceOf(StoreException.class);
  }

  @Test
  void requestsAndWatchesFailOverWhenAMemberDies() throws Exception {
    List<EtcdProcess> members = EtcdProcess.startCluster(3);
    // The store talks to a follower first, and that follower dies: the other two keep their
    // leader, so the writes after the failover need not wait out an election.
    List<EtcdProcess> byRole = new java.util.ArrayList<>(members);
    byRole.sort(java.util.Comparator.comparing(EtcdProcess::isLeader));
    EtcdProcess follower = byRole.get(0);
    assertThat(follower.isLeader()).isFalse();
    try (EtcdKeyValueStore store = new EtcdKeyValueStore(
        List.of(deadEndpoint(), follower.endpoint(), byRole.get(1).endpoint(), byRole.get(2).endpoint()))) {
      // The dead first endpoint is skipped, for writes too: nothing was ever sent to it.
      long first = join(store.put(put("/f/a", "1"))).getHeader().getRevision();
      Recorder recorder = new Recorder();
      StoreWatch watch = store.watch(WatchCreateRequest.newBuilder().setKey(bytes("/f/"))
          .setRangeEnd(bytes("/f0")).setStartRevision(first).build(), recorder);
      long second = join(store.put(put("/f/b", "1"))).getHeader().getRevision();
      recorder.await(second);

      follower.close(); // the member the store and its watch talk to now
      long third = join(store.put(put("/f/c", "1"))).getHeader().getRevision();
      long fourth = join(store.put(put("/f/d", "1"))).getHeader().getRevision();
      recorder.await(fourth);

      assertThat(recorder.revisions).as("every revision once, in order, across the failover")
          .containsExactly(first, second, third, fourth);
      assertThat(recorder.error).isNull();
      assertThat(join(store.range(RangeRequest.newBuilder().setKey(bytes("/f/")).setRangeEnd(bytes("/f0"))
          .setCountOnly(true).build())).getCount()).isEqualTo(4);
      watch.close();
    } finally {
      members.forEach(EtcdProcess::close);
    }
  }

  // ---- helpers ----

  /** A loopback port nothing listens on (bound and released just now). */
  private static String deadEndpoint() {
    return "127.0.0.1:" + EtcdProcess.freePort();
  }

  private static ByteString bytes(String text) {
    return ByteString.copyFromUtf8(text);
  }

  private static PutRequest put(String key, String value) {
    return PutRequest.newBuilder().setKey(bytes(key)).setValue(bytes(value)).build();
  }

  private static RangeRequest get(String key) {
    return RangeRequest.newBuilder().setKey(bytes(key)).build();
  }

  private static <T> T join(CompletableFuture<T> future) {
    return future.orTimeout(30, TimeUnit.SECONDS).join();
  }

  private static StoreException failure(CompletableFuture<?> future) {
    Throwable thrown = catchThrowable(() -> join(future));
    assertThat(thrown).isInstanceOf(CompletionException.class);
    assertThat(thrown.getCause()).isInstanceOf(StoreException.class);
    return (StoreException) thrown.getCause();
  }

  private static final class Recorder implements StoreWatchListener {
    final List<Long> revisions = new CopyOnWriteArrayList<>();
    volatile Throwable error;

    @Override
    public void onEvents(long revision, List<Event> events) {
      revisions.add(revision);
    }

    @Override
    public void onCompacted(long compactRevision) {
      error = new AssertionError("compacted at " + compactRevision);
    }

    @Override
    public void onError(Throwable failure) {
      error = failure;
    }

    void await(long revision) {
      org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30))
          .until(() -> error != null || revisions.contains(revision));
      assertThat(error).isNull();
    }
  }
}
