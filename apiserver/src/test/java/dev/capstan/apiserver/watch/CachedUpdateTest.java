package dev.capstan.apiserver.watch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import dev.capstan.api.core.v1.Container;
import dev.capstan.api.core.v1.Pod;
import dev.capstan.api.core.v1.PodSpec;
import dev.capstan.api.core.v1.PodStatus;
import dev.capstan.api.meta.v1.DeleteRequest;
import dev.capstan.api.meta.v1.ObjectMeta;
import dev.capstan.api.meta.v1.PatchRequest;
import dev.capstan.apiserver.ReadRecordingStore;
import dev.capstan.apiserver.registry.ResourceRegistry;
import dev.capstan.apiserver.registry.StoreKeys;
import dev.capstan.client.Kinds;
import dev.capstan.store.local.LocalKeyValueStore;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Clock;
import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Update, UpdateStatus and Patch starting from a lister's copy of the object (fed by the watch
 * cache): no store read while the copy is current, and, while the cache lags the store, exactly the
 * outcome a fresh read gives.
 */
class CachedUpdateTest {
  private LocalKeyValueStore local;
  private ReadRecordingStore reads;
  private GatedFeedStore store;
  private ResourceRegistry<Pod> registry;
  private WatchCache<Pod> cache;

  @BeforeEach
  void start() {
    local = new LocalKeyValueStore();
    reads = new ReadRecordingStore(local);
    store = new GatedFeedStore(reads);
    registry = new ResourceRegistry<>(Kinds.POD, store, Clock.systemUTC(), new Random(7), ns -> {});
    cache = new WatchCache<>(Kinds.POD, store, 1000, 10);
    cache.start();
    Lister<Pod> pods = new Lister<>(Kinds.POD);
    pods.feedFrom(cache);
    registry.useObjectCache(pods);
  }

  @AfterEach
  void stop() {
    cache.close();
    local.close();
  }

  private static Pod pod(String name) {
    return Pod.newBuilder()
        .setMetadata(ObjectMeta.newBuilder().setName(name).setNamespace("default"))
        .setSpec(PodSpec.newBuilder().addContainers(Container.newBuilder().setName("c").setImage("registry.local/app:1")))
        .build();
  }

  private static Pod withLabel(Pod pod, String value) {
    return pod.toBuilder().setMetadata(pod.getMetadata().toBuilder().putLabels("tier", value)).build();
  }

  /** The same object without a resourceVersion: an update over whatever the store holds. */
  private static Pod unconditional(Pod pod) {
    return pod.toBuilder().setMetadata(pod.getMetadata().toBuilder().clearResourceVersion()).build();
  }

  private Pod created(String name) {
    Pod pod = registry.create(pod(name)).object();
    long revision = Long.parseLong(pod.getMetadata().getResourceVersion());
    await().atMost(Duration.ofSeconds(5)).until(() -> cache.revision() >= revision);
    return pod;
  }

  private Pod stored(String name) {
    return registry.get("default", name);
  }

  @Test
  void anUpdateAtTheCachedVersionWritesWithoutReadingTheStore() {
    Pod pod = created("p");
    ByteString key = StoreKeys.objectKey(Kinds.POD, "default", "p");
    reads.readsUnder(key);

    Pod updated = registry.update(withLabel(pod, "web")).object();

    assertThat(reads.readsUnder(key)).isEmpty();
    assertThat(updated.getMetadata().getLabelsMap()).containsEntry("tier", "web");
    assertThat(stored("p")).isEqualTo(updated);
  }

  @Test
  void anUpdateAtTheStoresVersionSucceedsWhileTheCacheIsBehind() {
    Pod pod = created("p");
    store.hold();
    Pod first = registry.update(withLabel(pod, "web")).object();

    Pod second = registry.update(withLabel(first, "db")).object();

    assertThat(second.getMetadata().getLabelsMap()).containsEntry("tier", "db");
    assertThat(stored("p")).isEqualTo(second);
  }

  @Test
  void anUpdateAtAVersionOnlyTheLaggingCacheStillHasIsAConflict() {
    Pod pod = created("p");
    store.hold();
    Pod first = registry.update(withLabel(pod, "web")).object();

    assertThatThrownBy(() -> registry.update(withLabel(pod, "db")))
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.ABORTED));
    assertThat(stored("p")).isEqualTo(first);
  }

  @Test
  void anUnconditionalUpdateOverAStaleCopyKeepsTheStatusWrittenSince() {
    Pod pod = created("p");
    store.hold();
    Pod running = registry.updateStatus(pod.toBuilder()
        .setStatus(PodStatus.newBuilder().setPhase("Running")).build()).object();

    Pod relabelled = registry.update(unconditional(withLabel(pod, "web"))).object();

    assertThat(relabelled.getStatus().getPhase()).isEqualTo("Running");
    assertThat(relabelled.getMetadata().getLabelsMap()).containsEntry("tier", "web");
    assertThat(Long.parseLong(relabelled.getMetadata().getResourceVersion()))
        .isGreaterThan(Long.parseLong(running.getMetadata().getResourceVersion()));
    assertThat(stored("p")).isEqualTo(relabelled);
  }

  @Test
  void anUpdateThatChangesNothingOnlyInTheStaleCopyIsStillWritten() {
    Pod pod = created("p");
    store.hold();
    registry.update(withLabel(pod, "web"));

    // The same as the cache's copy, but not as the store's: it must undo the label, not be dropped as a no-op.
    Pod back = registry.update(unconditional(pod)).object();

    assertThat(back.getMetadata().getLabelsMap()).doesNotContainKey("tier");
    assertThat(stored("p").getMetadata().getLabelsMap()).doesNotContainKey("tier");
  }

  @Test
  void anUpdateOfAnObjectDeletedSinceTheCacheSawItIsNotFound() {
    Pod pod = created("p");
    store.hold();
    registry.delete(DeleteRequest.newBuilder().setNamespace("default").setName("p").setGracePeriodSeconds(0).build());

    assertThatThrownBy(() -> registry.update(withLabel(pod, "web")))
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND));
  }

  @Test
  void aRefusalThatOnlyTheStaleCopyJustifiesIsNotTheAnswer() {
    created("p");
    store.hold();
    registry.delete(DeleteRequest.newBuilder().setNamespace("default").setName("p").setGracePeriodSeconds(0).build());
    Pod again = registry.create(pod("p")).object();

    // Carries the new pod's uid, which the cache's copy of the old pod does not have.
    Pod relabelled = registry.update(unconditional(withLabel(again, "web"))).object();

    assertThat(relabelled.getMetadata().getUid()).isEqualTo(again.getMetadata().getUid());
    assertThat(stored("p")).isEqualTo(relabelled);
  }

  private static PatchRequest mergePatch(String name, String json) {
    return PatchRequest.newBuilder().setNamespace("default").setName(name).setType("merge")
        .setPatch(ByteString.copyFromUtf8(json)).build();
  }

  @Test
  void aPatchOfTheCachedObjectWritesWithoutReadingTheStore() {
    created("p");
    ByteString key = StoreKeys.objectKey(Kinds.POD, "default", "p");
    reads.readsUnder(key);

    Pod patched = registry.patch(mergePatch("p", "{\"metadata\":{\"labels\":{\"tier\":\"web\"}}}")).object();

    assertThat(reads.readsUnder(key)).isEmpty();
    assertThat(patched.getMetadata().getLabelsMap()).containsEntry("tier", "web");
    assertThat(stored("p")).isEqualTo(patched);
  }

  @Test
  void aPatchWhileTheCacheIsBehindAppliesToTheStoredObject() {
    Pod pod = created("p");
    store.hold();
    registry.updateStatus(pod.toBuilder().setStatus(PodStatus.newBuilder().setPhase("Running")).build());
    registry.update(unconditional(withLabel(pod, "web")));

    Pod patched = registry.patch(mergePatch("p", "{\"metadata\":{\"labels\":{\"app\":\"shop\"}}}")).object();

    assertThat(patched.getStatus().getPhase()).isEqualTo("Running");
    assertThat(patched.getMetadata().getLabelsMap()).containsEntry("tier", "web").containsEntry("app", "shop");
    assertThat(stored("p")).isEqualTo(patched);
  }

  @Test
  void aPatchPinnedToAVersionOnlyTheLaggingCacheStillHasIsAConflict() {
    Pod pod = created("p");
    store.hold();
    Pod first = registry.update(withLabel(pod, "web")).object();

    assertThatThrownBy(() -> registry.patch(mergePatch("p", "{\"metadata\":{\"resourceVersion\":\""
        + pod.getMetadata().getResourceVersion() + "\",\"labels\":{\"tier\":\"db\"}}}")))
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.ABORTED));
    assertThat(stored("p")).isEqualTo(first);
  }

  @Test
  void aPatchThatChangesNothingOnlyInTheStaleCopyIsStillWritten() {
    Pod pod = created("p");
    store.hold();
    registry.update(withLabel(pod, "web"));

    // Removing a label the cache's copy never had: a no-op there, not in the store.
    Pod patched = registry.patch(mergePatch("p", "{\"metadata\":{\"labels\":{\"tier\":null}}}")).object();

    assertThat(patched.getMetadata().getLabelsMap()).doesNotContainKey("tier");
    assertThat(stored("p").getMetadata().getLabelsMap()).doesNotContainKey("tier");
  }

  @Test
  void aPatchRefusedOnlyOverTheStaleCopyIsRedoneOverTheStore() {
    created("p");
    store.hold();
    registry.delete(DeleteRequest.newBuilder().setNamespace("default").setName("p").setGracePeriodSeconds(0).build());
    Pod again = registry.create(pod("p")).object();

    // Pins the new pod's uid, which the cache's copy of the old pod does not have.
    Pod patched = registry.patch(mergePatch("p", "{\"metadata\":{\"uid\":\"" + again.getMetadata().getUid()
        + "\",\"labels\":{\"tier\":\"web\"}}}")).object();

    assertThat(patched.getMetadata().getUid()).isEqualTo(again.getMetadata().getUid());
    assertThat(patched.getMetadata().getLabelsMap()).containsEntry("tier", "web");
    assertThat(stored("p")).isEqualTo(patched);
  }

  @Test
  void aCachedCopyIsOfferedOnlyForTheUidItHas() {
    Pod old = created("p");
    store.hold();
    registry.delete(DeleteRequest.newBuilder().setNamespace("default").setName("p").setGracePeriodSeconds(0).build());
    Pod again = registry.create(pod("p")).object();

    // The cache still holds the old pod: offered for its own uid only, never for none.
    assertThat(registry.findCachedWithUid("default", "p", old.getMetadata().getUid())).contains(old);
    assertThat(registry.findCachedWithUid("default", "p", again.getMetadata().getUid())).isEmpty();
    assertThat(registry.findCachedWithUid("default", "p", "")).isEmpty();
  }
}
