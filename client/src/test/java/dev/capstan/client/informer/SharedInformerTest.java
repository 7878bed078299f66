package dev.capstan.client.informer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.capstan.api.core.v1.Pod;
import dev.capstan.api.meta.v1.ListRequest;
import dev.capstan.client.workqueue.ManualClock;
import io.grpc.Status;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class SharedInformerTest {
  private static final Duration SYNC_TIMEOUT = Duration.ofSeconds(10);

  private FakePodsServer server;
  private final List<Duration> sleeps = new CopyOnWriteArrayList<>();
  private final Recorder events = new Recorder();
  private SharedInformer<Pod> informer;

  @BeforeEach
  void setUp() throws Exception {
    server = new FakePodsServer();
  }

  @AfterEach
  void tearDown() throws Exception {
    if (informer != null) {
      informer.close();
    }
    server.close();
  }

  @Test
  void initialListFillsTheCacheAndIsDeliveredAsAdds() {
    Pod a1 = server.create("a", "p1");
    Pod a2 = server.create("a", "p2");
    Pod b1 = server.create("b", "p1");

    informer = startInformer("", Duration.ZERO, Clock.systemUTC());

    assertThat(informer.waitForCacheSync(SYNC_TIMEOUT)).isTrue();
    assertThat(informer.hasSynced()).isTrue();
    assertThat(events.all()).containsExactly("add a/p1@101", "add a/p2@102", "add b/p1@103");
    assertThat(informer.lister().get("a", "p2")).contains(a2);
    assertThat(informer.lister().get("b", "p2")).isEmpty();
    assertThat(informer.lister().list("a")).containsExactly(a1, a2);
    assertThat(informer.lister().list("")).containsExactly(a1, a2, b1);
    assertThat(informer.lister().list("", p -> p.getMetadata().getName().equals("p1"))).containsExactly(a1, b1);
    assertThat(informer.lastSyncResourceVersion()).isEqualTo("103");
  }

  @Test
  void watchStartsFromTheListsResourceVersion() {
    server.create("a", "p1");

    informer = startInformer("", Duration.ZERO, Clock.systemUTC());

    await().until(() -> server.watchRequests().size() == 1);
    assertThat(server.watchRequests().get(0).getResourceVersion()).isEqualTo("101");
    assertThat(server.watchRequests().get(0).getAllowWatchBookmarks()).isTrue();
  }

  @Test
  void namespacedInformerListsAndWatchesOnlyItsNamespace() {
    server.create("a", "p1");
    server.create("b", "p1");

    informer = startInformer("b", Duration.ZERO, Clock.systemUTC());
    assertThat(informer.waitForCacheSync(SYNC_TIMEOUT)).isTrue();
    await().until(() -> server.openWatches() == 1);
    server.create("a", "p2");
    server.create("b", "p2");

    await().untilAsserted(() -> assertThat(events.all()).containsExactly("add b/p1@102", "add b/p2@104"));
    assertThat(server.listRequests().get(0).getNamespace()).isEqualTo("b");
    assertThat(server.watchRequests().get(0).getNamespace()).isEqualTo("b");
  }

  @Test
  void watchEventsUpdateTheCacheThenNotify() {
    server.create("a", "p1");
    informer = startInformer("", Duration.ZERO, Clock.systemUTC());
    assertThat(informer.waitForCacheSync(SYNC_TIMEOUT)).isTrue();
    // Each handler call checks that the lister already shows the change it reports.
    AtomicInteger staleReads = new AtomicInteger();
    informer.addEventHandler(new ResourceEventHandler<>() {
      @Override
      public void onUpdate(Pod oldObj, Pod newObj) {
        if (!informer.lister().get("a", "p1").equals(Optional.of(newObj))) {
          staleReads.incrementAndGet();
        }
      }

      @Override
      public void onDelete(Pod obj) {
        if (informer.lister().get("a", "p1").isPresent()) {
          staleReads.incrementAndGet();
        }
      }
    });

    server.create("a", "p2");
    Pod relabeled = server.relabel("a", "p1", "web");
    server.delete("a", "p1");

    await().untilAsserted(() -> assertThat(events.all()).containsExactly(
        "add a/p1@101", "add a/p2@102", "update a/p1@101->103", "delete a/p1@104"));
    assertThat(events.lastDeleted().getMetadata().getLabelsMap())
        .as("the deleted object's last state").containsEntry("app", "web");
    assertThat(informer.lister().list("a")).extracting(p -> p.getMetadata().getName()).containsExactly("p2");
    assertThat(relabeled.getMetadata().getLabelsMap()).containsEntry("app", "web");
    assertThat(staleReads).hasValue(0);
    assertThat(informer.lastSyncResourceVersion()).isEqualTo("104");
  }

  @Test
  void bookmarkOnlyAdvancesTheResourceVersion() {
    server.create("a", "p1");
    informer = startInformer("", Duration.ZERO, Clock.systemUTC());
    assertThat(informer.waitForCacheSync(SYNC_TIMEOUT)).isTrue();
    await().until(() -> server.openWatches() == 1);

    server.bookmark();

    await().until(() -> informer.lastSyncResourceVersion().equals("102"));
    assertThat(events.all()).containsExactly("add a/p1@101");
    assertThat(informer.lister().list("")).hasSize(1);
  }

  @Test
  void watchFailureRelistsAndADeleteMissedWhileDisconnectedSurfacesAsOnDelete() throws Exception {
    server.create("a", "gone");
    server.create("a", "changed");
    server.create("a", "same");
    Semaphore sleeping = new Semaphore(0);
    Semaphore wakeUp = new Semaphore(0);
    informer = new SharedInformer<>(server.pods(), ListRequest.getDefaultInstance(), Duration.ZERO,
        Clock.systemUTC(), d -> {
          sleeps.add(d);
          sleeping.release();
          wakeUp.acquire();
        });
    informer.addEventHandler(events);
    informer.start();
    assertThat(informer.waitForCacheSync(SYNC_TIMEOUT)).isTrue();
    await().until(() -> server.openWatches() == 1);

    server.breakWatches(Status.UNAVAILABLE.withDescription("server went away"));
    sleeping.acquire(); // the informer is backing off, with no watch open
    server.delete("a", "gone");
    server.relabel("a", "changed", "v2");
    server.create("a", "new");
    wakeUp.release();

    await().untilAsserted(() -> assertThat(events.all()).containsExactly(
        "add a/changed@102", "add a/gone@101", "add a/same@103",
        "update a/changed@102->105", "add a/new@106", "delete a/gone@101"));
    assertThat(sleeps).containsExactly(Duration.ofMillis(800));
    assertThat(server.listRequests()).hasSize(2);
    await().until(() -> server.watchRequests().size() == 2);
    assertThat(server.watchRequests().get(1).getResourceVersion()).isEqualTo("106");
    assertThat(informer.lister().list("a")).extracting(p -> p.getMetadata().getName())
        .containsExactly("changed", "new", "same");
  }

  @Test
  void outOfRangeRelistsAtOnce() {
    server.create("a", "p1");
    server.create("a", "p2");
    informer = startInformer("", Duration.ZERO, Clock.systemUTC());
    assertThat(informer.waitForCacheSync(SYNC_TIMEOUT)).isTrue();
    await().until(() -> server.openWatches() == 1);

    server.deleteAndLoseEvent("a", "p1");
    server.breakWatches(Status.OUT_OF_RANGE.withDescription("resourceVersion 102 is too old"));

    await().untilAsserted(() -> assertThat(events.all()).containsExactly(
        "add a/p1@101", "add a/p2@102", "delete a/p1@101"));
    assertThat(sleeps).as("no backoff for a stale resourceVersion").isEmpty();
    assertThat(server.listRequests()).hasSize(2);
    await().until(() -> server.openWatches() == 1);
    assertThat(server.watchRequests().get(1).getResourceVersion()).isEqualTo("103");
  }

  @Test
  void cleanlyEndedWatchResumesFromTheLastResourceVersionWithoutRelisting() {
    server.create("a", "p1");
    informer = startInformer("", Duration.ZERO, Clock.systemUTC());
    assertThat(informer.waitForCacheSync(SYNC_TIMEOUT)).isTrue();
    await().until(() -> server.openWatches() == 1);
    server.create("a", "p2");
    await().until(() -> events.all().size() == 2);

    server.endWatches();
    await().until(() -> server.watchRequests().size() == 2);
    server.create("a", "p3");

    await().untilAsserted(() -> assertThat(events.all()).containsExactly(
        "add a/p1@101", "add a/p2@102", "add a/p3@103"));
    assertThat(server.watchRequests().get(1).getResourceVersion()).isEqualTo("102");
    assertThat(server.listRequests()).hasSize(1);
    assertThat(sleeps).as("the watch had delivered events: it was healthy").isEmpty();
  }

  @Test
  void failedListsBackOffExponentially() {
    server.create("a", "p1");
    server.failNextLists(4);

    informer = startInformer("", Duration.ZERO, Clock.systemUTC());

    assertThat(informer.waitForCacheSync(SYNC_TIMEOUT)).isTrue();
    assertThat(sleeps).containsExactly(
        Duration.ofMillis(800), Duration.ofMillis(1600), Duration.ofMillis(3200), Duration.ofMillis(6400));
    assertThat(events.all()).containsExactly("add a/p1@101");
  }

  @Test
  void backoffIsCappedAtThirtySeconds() {
    assertThat(Reflector.backoff(1)).isEqualTo(Duration.ofMillis(800));
    assertThat(Reflector.backoff(6)).isEqualTo(Duration.ofMillis(25_600));
    assertThat(Reflector.backoff(7)).isEqualTo(Duration.ofSeconds(30));
    assertThat(Reflector.backoff(1000)).isEqualTo(Duration.ofSeconds(30));
  }

  @Test
  void resyncRedeliversEveryCachedObjectOncePerPeriod() {
    ManualClock clock = new ManualClock();
    server.create("a", "p1");
    server.create("b", "p2");
    informer = startInformer("", Duration.ofSeconds(30), clock);
    assertThat(informer.waitForCacheSync(SYNC_TIMEOUT)).isTrue();

    clock.advance(Duration.ofSeconds(29));
    clock.advance(Duration.ofSeconds(1));

    await().untilAsserted(() -> assertThat(events.all()).containsExactly(
        "add a/p1@101", "add b/p2@102", "update a/p1@101->101", "update b/p2@102->102"));
    clock.advance(Duration.ofSeconds(29));
    server.create("a", "p3"); // an event round-trip: any due resync would have run before it
    await().until(() -> events.all().size() == 5);
    assertThat(events.all()).last().isEqualTo("add a/p3@103");
  }

  @Test
  void lateHandlerFirstGetsAddsForCachedObjects() {
    server.create("a", "p1");
    server.create("a", "p2");
    informer = startInformer("", Duration.ZERO, Clock.systemUTC());
    assertThat(informer.waitForCacheSync(SYNC_TIMEOUT)).isTrue();
    await().until(() -> server.openWatches() == 1);

    Recorder late = new Recorder();
    informer.addEventHandler(late);
    server.create("a", "p3");

    await().untilAsserted(() -> assertThat(late.all()).containsExactly(
        "add a/p1@101", "add a/p2@102", "add a/p3@103"));
  }

  @Test
  void handlersRunOneAtATimeOnOneThreadAndAFailingHandlerDoesNotStopOthers() {
    informer = startInformer("", Duration.ZERO, Clock.systemUTC());
    AtomicInteger inside = new AtomicInteger();
    AtomicInteger overlaps = new AtomicInteger();
    List<String> threads = new CopyOnWriteArrayList<>();
    informer.addEventHandler(new ResourceEventHandler<>() {
      @Override
      public void onAdd(Pod obj) {
        if (inside.incrementAndGet() > 1) {
          overlaps.incrementAndGet();
        }
        threads.add(Thread.currentThread().getName());
        inside.decrementAndGet();
        throw new IllegalStateException("handler bug");
      }
    });
    Recorder afterTheFailingOne = new Recorder();
    informer.addEventHandler(afterTheFailingOne);
    assertThat(informer.waitForCacheSync(SYNC_TIMEOUT)).isTrue();
    await().until(() -> server.openWatches() == 1);

    for (int i = 0; i < 50; i++) {
      server.create("a", "p" + i);
    }

    await().until(() -> afterTheFailingOne.all().size() == 50);
    assertThat(threads).hasSize(50).containsOnly("informer-pods-dispatcher");
    assertThat(overlaps).hasValue(0);
  }

  @Test
  void closeCancelsTheWatchAndStopsNotifying() throws Exception {
    informer = startInformer("", Duration.ZERO, Clock.systemUTC());
    assertThat(informer.waitForCacheSync(SYNC_TIMEOUT)).isTrue();
    await().until(() -> server.openWatches() == 1);

    informer.close();

    await().until(() -> server.openWatches() == 0);
    server.create("a", "late");
    assertThat(events.all()).isEmpty();
    assertThat(server.listRequests()).hasSize(1);
  }

  private SharedInformer<Pod> startInformer(String namespace, Duration resync, Clock clock) {
    SharedInformer<Pod> i = new SharedInformer<>(server.pods(),
        ListRequest.newBuilder().setNamespace(namespace).build(), resync, clock, sleeps::add);
    i.addEventHandler(events);
    i.start();
    return i;
  }

  /** Records notifications as "add ns/name@rv", "update ns/name@oldRv->newRv", "delete ns/name@rv". */
  private static final class Recorder implements ResourceEventHandler<Pod> {
    private final List<String> events = new CopyOnWriteArrayList<>();
    private volatile Pod lastDeleted;

    @Override
    public void onAdd(Pod obj) {
      events.add("add " + id(obj) + "@" + rv(obj));
    }

    @Override
    public void onUpdate(Pod oldObj, Pod newObj) {
      events.add("update " + id(newObj) + "@" + rv(oldObj) + "->" + rv(newObj));
    }

    @Override
    public void onDelete(Pod obj) {
      lastDeleted = obj;
      events.add("delete " + id(obj) + "@" + rv(obj));
    }

    List<String> all() {
      return List.copyOf(events);
    }

    Pod lastDeleted() {
      return lastDeleted;
    }

    private static String id(Pod p) {
      return p.getMetadata().getNamespace() + "/" + p.getMetadata().getName();
    }

    private static String rv(Pod p) {
      return p.getMetadata().getResourceVersion();
    }
  }
}
