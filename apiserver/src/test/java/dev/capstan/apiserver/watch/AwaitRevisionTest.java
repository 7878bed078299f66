package dev.capstan.apiserver.watch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.capstan.api.core.v1.ConfigMap;
import dev.capstan.api.core.v1.Secret;
import dev.capstan.api.meta.v1.ObjectMeta;
import dev.capstan.apiserver.registry.ResourceRegistry;
import dev.capstan.client.Kinds;
import dev.capstan.store.local.LocalKeyValueStore;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Consistent reads waiting for the watch cache to catch up: each is released exactly when the
 * cache reaches its revision, and however many wait, the store watch has at most one progress
 * request out at a time. The store is real; only its watch delivery is held back by the test.
 */
class AwaitRevisionTest {
  private static final Duration LONG = Duration.ofSeconds(30);
  private LocalKeyValueStore realStore;
  private GatedFeedStore store;
  private ResourceRegistry<ConfigMap> configMaps;
  private ResourceRegistry<Secret> secrets;
  private WatchCache<ConfigMap> cache;
  private ExecutorService readers;

  @BeforeEach
  void start() {
    realStore = new LocalKeyValueStore();
    store = new GatedFeedStore(realStore);
    configMaps = new ResourceRegistry<>(Kinds.CONFIG_MAP, store, Clock.systemUTC(), new Random(7), ns -> {});
    secrets = new ResourceRegistry<>(Kinds.SECRET, store, Clock.systemUTC(), new Random(7), ns -> {});
    cache = new WatchCache<>(Kinds.CONFIG_MAP, store, 1000, 10);
    cache.start();
    readers = Executors.newCachedThreadPool();
  }

  @AfterEach
  void stop() {
    store.release();
    readers.shutdownNow();
    cache.close();
    realStore.close();
  }

  private long createConfigMap(String name) {
    return Long.parseLong(configMaps.create(ConfigMap.newBuilder()
        .setMetadata(ObjectMeta.newBuilder().setName(name).setNamespace("default")).build())
        .object().getMetadata().getResourceVersion());
  }

  private long createSecret(String name) {
    return Long.parseLong(secrets.create(Secret.newBuilder()
        .setMetadata(ObjectMeta.newBuilder().setName(name).setNamespace("default")).build())
        .object().getMetadata().getResourceVersion());
  }

  @Test
  void waitersAreReleasedInRevisionOrderEachWhenTheCacheReachesItsRevision() {
    store.hold();
    List<Long> revisions = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      revisions.add(createConfigMap("cm-" + i));
    }
    // Three waiters a revision, registered highest first so that order of arrival tells nothing.
    Map<Long, List<CompletableFuture<Boolean>>> waiters = new LinkedHashMap<>();
    for (int at = revisions.size() - 1; at >= 0; at--) {
      long r = revisions.get(at);
      for (int i = 0; i < 3; i++) {
        waiters.computeIfAbsent(r, k -> new ArrayList<>()).add(cache.revisionReached(r));
      }
    }
    await().atMost(LONG).until(() -> store.heldBack() >= 5);
    assertThat(waiters.values()).allSatisfy(atRevision -> assertThat(atRevision).noneMatch(CompletableFuture::isDone));

    for (int delivered = 0; delivered < revisions.size(); delivered++) {
      assertThat(store.releaseOne()).isTrue();
      long reached = revisions.get(delivered);
      assertThat(cache.revision()).isEqualTo(reached);
      waiters.forEach((r, atRevision) -> {
        if (r <= reached) {
          assertThat(atRevision).as("waiters at %d once the cache is at %d", r, reached)
              .allMatch(f -> f.isDone() && f.join());
        } else {
          assertThat(atRevision).as("waiters at %d while the cache is at %d", r, reached)
              .noneMatch(CompletableFuture::isDone);
        }
      });
    }
    assertThat(cache.waiting()).isZero();
  }

  @Test
  void manyConcurrentWaitersShareOneProgressRequest() throws Exception {
    store.hold();
    // Secrets move the store's revision; the config map cache has no event to show for it.
    createSecret("s-1");
    long storeRevision = createSecret("s-2");
    assertThat(cache.revision()).isLessThan(storeRevision);

    List<Future<Boolean>> lists = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      lists.add(readers.submit(() -> cache.awaitRevision(storeRevision, LONG)));
    }
    await().atMost(LONG).until(() -> cache.waiting() == 100);
    assertThat(store.progressRequests()).isEqualTo(1);
    assertThat(lists).noneMatch(Future::isDone);

    store.release();
    for (Future<Boolean> list : lists) {
      assertThat(list.get()).isTrue();
    }
    assertThat(cache.revision()).isGreaterThanOrEqualTo(storeRevision);
    // Answered with nobody left waiting: no further request.
    assertThat(store.progressRequests()).isEqualTo(1);

    // A later read asks again: the answer to the first request says nothing of what came after it.
    long later = createSecret("s-3");
    assertThat(cache.awaitRevision(later, LONG)).isTrue();
    assertThat(store.progressRequests()).isEqualTo(2);
  }

  @Test
  void aDeclinedProgressRequestIsAskedAgainUntilTheWatchAnswers() throws Exception {
    store.declineProgress(true);
    long storeRevision = createSecret("s-1");
    Future<Boolean> list = readers.submit(() -> cache.awaitRevision(storeRevision, LONG));
    await().atMost(LONG).until(() -> store.progressRequests() >= 3);
    assertThat(list.isDone()).isFalse();
    store.declineProgress(false);
    assertThat(list.get()).isTrue();
  }

  @Test
  void aProgressRequestLeftUnansweredIsTakenForLostAndTheNextWaiterAsksAgain() throws Exception {
    store.dropNextProgressRequest();
    long storeRevision = createSecret("s-1");
    // Added to by Awaitility's polling thread.
    List<CompletableFuture<Boolean>> waiters = new CopyOnWriteArrayList<>();
    waiters.add(cache.revisionReached(storeRevision));
    assertThat(store.progressRequests()).isEqualTo(1);
    // Reads keep coming to wait; once the request is overdue, one of them asks again.
    await().atMost(LONG).pollInterval(Duration.ofMillis(100)).until(() -> {
      waiters.add(cache.revisionReached(storeRevision));
      return store.progressRequests() == 2;
    });
    assertThat(waiters.size()).as("reads that came while the lost request was still awaited").isGreaterThan(2);
    await().atMost(LONG).until(() -> waiters.stream().allMatch(CompletableFuture::isDone));
    assertThat(waiters).allMatch(CompletableFuture::join);
  }

  @Test
  void aWaiterThatTimesOutIsForgottenAndAnswersFalse() throws Exception {
    store.hold();
    long storeRevision = createSecret("s-1");
    assertThat(cache.awaitRevision(storeRevision, Duration.ofMillis(20))).isFalse();
    assertThat(cache.waiting()).isZero();
  }

  @Test
  void closingTheCacheAnswersEveryWaiterFalse() {
    store.hold();
    CompletableFuture<Boolean> waiter = cache.revisionReached(createSecret("s-1"));
    cache.close();
    assertThat(waiter).isCompletedWithValue(false);
  }
}
