package dev.capstan.apiserver.scale;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.capstan.api.core.v1.Container;
import dev.capstan.api.core.v1.Pod;
import dev.capstan.api.core.v1.PodSpec;
import dev.capstan.api.meta.v1.ObjectMeta;
import dev.capstan.api.meta.v1.WatchRequest;
import dev.capstan.apiserver.ApiServer;
import dev.capstan.client.CapstanClient;
import dev.capstan.client.Kinds;
import dev.capstan.client.WatchEvent;
import dev.capstan.client.WatchHandler;
import dev.capstan.store.local.LocalKeyValueStore;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.netty.NettyChannelBuilder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The watch cache under many watchers, over real gRPC: every watcher gets every event in order,
 * and one that stops reading is cut off with RESOURCE_EXHAUSTED while the others go on.
 */
class WatchFanOutTest {
  private static final int WATCHERS = 1000;
  private static final int UPDATES = 1000;
  // Every watcher has this buffer. The fast ones share two cores with the server and the writer, so they
  // get slack (about ten seconds of updates at this test's rate); the slow one is still cut off
  // within the run: its 16 KiB window holds some 20 events, and it never reads again.
  private static final int SLOW_WATCHER_BUFFER = 500;

  private LocalKeyValueStore store;
  private ApiServer server;
  private final List<CapstanClient> clients = new ArrayList<>();

  @BeforeEach
  void start() {
    store = new LocalKeyValueStore();
    server = ApiServer.start(store, ApiServer.Config.defaults().withPort(0).withBindAddress("127.0.0.1")
        .withWatcherBuffer(SLOW_WATCHER_BUFFER));
  }

  @AfterEach
  void stop() {
    clients.forEach(CapstanClient::close);
    server.close();
    store.close();
  }

  /** Records what one watcher saw: MODIFIED resourceVersions in arrival order, or its error. */
  private static final class Seen implements WatchHandler<Pod> {
    final List<Long> versions = new ArrayList<>();
    final AtomicReference<Throwable> closed = new AtomicReference<>();

    @Override
    public synchronized void onEvent(WatchEvent<Pod> e) {
      if (e.type().equals(WatchEvent.MODIFIED)) {
        versions.add(Long.parseLong(e.object().getMetadata().getResourceVersion()));
      }
    }

    synchronized int count() {
      return versions.size();
    }

    @Override
    public void onClose(Throwable error) {
      closed.set(error == null ? new IllegalStateException("watch ended") : error);
    }
  }

  @Test
  void everyWatcherGetsEveryUpdateInOrderAndASlowOneIsCutOff() throws Exception {
    // Ten connections, a hundred watch streams each, as many informers would hold.
    for (int i = 0; i < 10; i++) {
      clients.add(CapstanClient.connect("127.0.0.1:" + server.port()));
    }
    CapstanClient writer = clients.get(0);
    Pod pod = writer.pods().create(Pod.newBuilder()
        .setMetadata(ObjectMeta.newBuilder().setName("hot").setNamespace("default"))
        .setSpec(PodSpec.newBuilder().addContainers(Container.newBuilder().setName("main").setImage("busybox")))
        .build());
    String startRv = pod.getMetadata().getResourceVersion();
    WatchRequest request = WatchRequest.newBuilder().setNamespace("default").setResourceVersion(startRv).build();

    List<Seen> watchers = new ArrayList<>();
    List<AutoCloseable> handles = new ArrayList<>();
    for (int i = 0; i < WATCHERS; i++) {
      Seen seen = new Seen();
      watchers.add(seen);
      handles.add(clients.get(i % clients.size()).pods().watch(request, seen));
    }

    // A watcher that takes one message and then never reads again, on a connection whose small
    // flow-control window makes the server feel it at once.
    ManagedChannel slowChannel = NettyChannelBuilder.forTarget("127.0.0.1:" + server.port()).usePlaintext()
        .flowControlWindow(16 * 1024).build();
    AtomicReference<Status> slowStatus = new AtomicReference<>();
    @SuppressWarnings("unchecked")
    MethodDescriptor<WatchRequest, com.google.protobuf.Message> method =
        (MethodDescriptor<WatchRequest, com.google.protobuf.Message>) Kinds.POD.method("Watch");
    ClientCall<WatchRequest, com.google.protobuf.Message> slow = slowChannel.newCall(method, CallOptions.DEFAULT);
    slow.start(new ClientCall.Listener<>() {
      @Override
      public void onClose(Status status, Metadata trailers) {
        slowStatus.set(status);
      }
    }, new Metadata());
    slow.request(1);
    slow.sendMessage(request);
    slow.halfClose();

    await().atMost(Duration.ofSeconds(30)).until(() -> server.watcherCount(Kinds.POD) == WATCHERS + 1);

    long started = System.nanoTime();
    List<Long> written = new ArrayList<>();
    for (int i = 0; i < UPDATES; i++) {
      pod = pod.toBuilder().setMetadata(pod.getMetadata().toBuilder().putAnnotations("step", Integer.toString(i))).build();
      pod = writer.pods().update(pod);
      written.add(Long.parseLong(pod.getMetadata().getResourceVersion()));
    }

    await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(200))
        .until(() -> watchers.stream().allMatch(w -> w.count() >= UPDATES || w.closed.get() != null));
    System.out.printf("%d watchers received %d updates each in %.1f s%n", WATCHERS, UPDATES,
        (System.nanoTime() - started) / 1e9);
    for (Seen w : watchers) {
      assertThat(w.closed.get()).as("a fast watcher was ended").isNull();
      synchronized (w) {
        assertThat(w.versions).isEqualTo(written);
      }
    }
    // The server dropped the slow watcher once its buffer overflowed. HTTP/2 delivers the closing
    // status behind the data the client has not read, so it learns why when it reads again.
    await().atMost(Duration.ofSeconds(30)).until(() -> server.watcherCount(Kinds.POD) == WATCHERS);
    assertThat(slowStatus.get()).isNull();
    slow.request(Integer.MAX_VALUE);
    await().atMost(Duration.ofSeconds(30)).until(() -> slowStatus.get() != null);
    assertThat(slowStatus.get().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(slowStatus.get().getDescription()).contains("too slow");

    for (AutoCloseable h : handles) {
      h.close();
    }
    slowChannel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }
}
