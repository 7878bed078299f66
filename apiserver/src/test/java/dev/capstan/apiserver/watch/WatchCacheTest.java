package dev.capstan.apiserver.watch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.capstan.api.core.v1.ConfigMap;
import dev.capstan.api.core.v1.ConfigMapWatchEvent;
import dev.capstan.api.meta.v1.ObjectMeta;
import dev.capstan.apiserver.registry.ObjectFilter;
import dev.capstan.apiserver.registry.ResourceRegistry;
import dev.capstan.client.Kinds;
import dev.capstan.client.WatchEvent;
import dev.capstan.store.local.LocalKeyValueStore;
import io.grpc.Status;
import java.time.Clock;
import java.time.Duration;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Fan-out, flow control and the slow-watcher cut-off of the watch cache, on a real store. */
class WatchCacheTest {
  private LocalKeyValueStore store;
  private ResourceRegistry<ConfigMap> registry;
  private WatchCache<ConfigMap> cache;

  /** A sink that records, and is ready only while {@code ready} is set. */
  static class RecordingSink implements WatchSink<ConfigMap> {
    final List<WatchEvent<ConfigMap>> events = new CopyOnWriteArrayList<>();
    final AtomicBoolean ready = new AtomicBoolean(true);
    final AtomicReference<Status> failed = new AtomicReference<>();

    @Override
    public boolean isReady() {
      return ready.get();
    }

    @Override
    public void send(WatchEvent<ConfigMap> event) {
      events.add(event);
    }

    @Override
    public void fail(Status status) {
      failed.set(status);
    }
  }

  @BeforeEach
  void start() {
    store = new LocalKeyValueStore();
    registry = new ResourceRegistry<>(Kinds.CONFIG_MAP, store, Clock.systemUTC(), new Random(7), ns -> {});
    cache = new WatchCache<>(Kinds.CONFIG_MAP, store, 1000, 10);
    cache.start();
  }

  @AfterEach
  void stop() {
    cache.close();
    store.close();
  }

  private void write(int i) {
    registry.create(ConfigMap.newBuilder()
        .setMetadata(ObjectMeta.newBuilder().setName("cm-" + i).setNamespace("default")).build());
  }

  @Test
  void aWatcherThatStopsReadingIsCutOffWhileTheOthersGetEveryEventInOrder() {
    ObjectFilter<ConfigMap> all = ObjectFilter.of(Kinds.CONFIG_MAP, "", "", "");
    RecordingSink fast = new RecordingSink();
    RecordingSink slow = new RecordingSink();
    slow.ready.set(false);
    cache.watch(cache.revision(), all, false, fast);
    Watcher<ConfigMap> slowWatcher = cache.watch(cache.revision(), all, false, slow);

    for (int i = 0; i < 50; i++) {
      write(i);
    }
    await().atMost(Duration.ofSeconds(5)).until(() -> fast.events.size() == 50);
    assertThat(fast.events).extracting(e -> e.object().getMetadata().getName())
        .containsExactlyElementsOf(java.util.stream.IntStream.range(0, 50).mapToObj(i -> "cm-" + i).toList());
    assertThat(fast.failed.get()).isNull();
    assertThat(slow.failed.get()).isNotNull();
    assertThat(slow.failed.get().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(slowWatcher.isEnded()).isTrue();
    assertThat(cache.watcherCount()).isEqualTo(1);
  }

  /** A sink that writes the shared events it gets in their wire form, as the network's does. */
  static final class EncodingSink extends RecordingSink {
    final List<SharedEvent<ConfigMap>> shared = new CopyOnWriteArrayList<>();
    final Set<byte[]> wireForms;

    EncodingSink(Set<byte[]> wireForms) {
      this.wireForms = wireForms;
    }

    @Override
    public void send(SharedEvent<ConfigMap> event) {
      byte[] bytes = event.wireForm();
      ConfigMapWatchEvent parsed;
      try {
        parsed = ConfigMapWatchEvent.parseFrom(bytes);
      } catch (com.google.protobuf.InvalidProtocolBufferException e) {
        throw new AssertionError(e);
      }
      assertThat(parsed).isEqualTo(ConfigMapWatchEvent.newBuilder().setType(event.event().type())
          .setObject(event.event().object()).build());
      wireForms.add(bytes);
      shared.add(event);
      send(event.event());
    }
  }

  @Test
  void everyWatcherOfAChangeGetsTheSameEventSoItIsEncodedOnceForAll() {
    Set<byte[]> encodings = Collections.synchronizedSet(Collections.newSetFromMap(new IdentityHashMap<>()));
    EncodingSink first = new EncodingSink(encodings);
    EncodingSink second = new EncodingSink(encodings);
    EncodingSink labelled = new EncodingSink(encodings);
    EncodingSink elsewhere = new EncodingSink(encodings);
    long from = cache.revision();
    cache.watch(from, ObjectFilter.of(Kinds.CONFIG_MAP, "", "", ""), false, first);
    cache.watch(from, ObjectFilter.of(Kinds.CONFIG_MAP, "", "", ""), false, second);
    cache.watch(from, ObjectFilter.of(Kinds.CONFIG_MAP, "", "x=1", ""), false, labelled);
    cache.watch(from, ObjectFilter.of(Kinds.CONFIG_MAP, "other", "", ""), false, elsewhere);

    for (int i = 0; i < 10; i++) {
      write(i);
    }
    // cm-0 gains the label: MODIFIED for the two that saw it, ADDED for the one that now does
    registry.modify("default", "cm-0", cm -> cm.toBuilder()
        .setMetadata(cm.getMetadata().toBuilder().putLabels("x", "1")).build());
    registry.delete(dev.capstan.api.meta.v1.DeleteRequest.newBuilder().setNamespace("default").setName("cm-0").build());
    await().atMost(Duration.ofSeconds(5)).until(() -> first.events.size() == 12 && labelled.events.size() == 2);

    assertThat(second.shared).hasSize(12);
    for (int i = 0; i < 12; i++) {
      assertThat(second.shared.get(i)).isSameAs(first.shared.get(i));
    }
    assertThat(first.events).extracting(WatchEvent::type).endsWith(WatchEvent.MODIFIED, WatchEvent.DELETED);
    assertThat(labelled.events).extracting(WatchEvent::type).containsExactly(WatchEvent.ADDED, WatchEvent.DELETED);
    // the DELETED is one shared event for all three watchers that saw cm-0 go
    assertThat(labelled.shared.get(1)).isSameAs(first.shared.get(11));
    assertThat(elsewhere.events).isEmpty();
    // 10 ADDED + one MODIFIED + one ADDED (the labelled watcher's) + one DELETED
    assertThat(encodings).hasSize(13);
  }

  @Test
  void aWatcherThatIsNotReadyGetsItsBufferedEventsWhenItBecomesReady() {
    RecordingSink sink = new RecordingSink();
    sink.ready.set(false);
    Watcher<ConfigMap> w = cache.watch(cache.revision(), ObjectFilter.of(Kinds.CONFIG_MAP, "", "", ""), false, sink);
    for (int i = 0; i < 5; i++) {
      write(i);
    }
    await().atMost(Duration.ofSeconds(5)).until(() -> cache.revision() >= 6);
    assertThat(sink.events).isEmpty();
    sink.ready.set(true);
    w.flush();
    assertThat(sink.events).hasSize(5);
  }

  @Test
  void bookmarksCarryTheCurrentRevisionToWatchersThatAskForThem() {
    RecordingSink wants = new RecordingSink();
    RecordingSink doesNot = new RecordingSink();
    ObjectFilter<ConfigMap> none = ObjectFilter.of(Kinds.CONFIG_MAP, "other", "", "");
    cache.watch(cache.revision(), none, true, wants);
    cache.watch(cache.revision(), none, false, doesNot);
    write(1);
    await().atMost(Duration.ofSeconds(5)).until(() -> cache.revision() >= 2);
    cache.bookmark();
    assertThat(wants.events).singleElement().satisfies(e -> {
      assertThat(e.type()).isEqualTo(WatchEvent.BOOKMARK);
      assertThat(e.object().getMetadata().getResourceVersion()).isEqualTo(Long.toString(cache.revision()));
    });
    assertThat(doesNot.events).isEmpty();
  }
}
