package dev.capstan.apiserver.watch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import dev.capstan.api.core.v1.ConfigMap;
import dev.capstan.api.core.v1.ConfigMapList;
import dev.capstan.api.core.v1.Secret;
import dev.capstan.api.meta.v1.GetRequest;
import dev.capstan.api.meta.v1.ListMeta;
import dev.capstan.api.meta.v1.ListRequest;
import dev.capstan.api.meta.v1.ObjectMeta;
import dev.capstan.apiserver.registry.ContinueToken;
import dev.capstan.apiserver.registry.ResourceRegistry;
import dev.capstan.client.Kinds;
import dev.capstan.client.ListResult;
import dev.capstan.store.local.LocalKeyValueStore;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Lists served from the watch cache: consistent, paged like the store's, refusing what the store refuses. */
class CachedListerTest {
  private LocalKeyValueStore realStore;
  private GatedFeedStore store;
  private ResourceRegistry<ConfigMap> configMaps;
  private ResourceRegistry<Secret> secrets;
  private WatchCache<ConfigMap> configMapCache;
  private WatchCache<Secret> secretCache;
  private CachedLister<ConfigMap> configMapLister;
  private CachedLister<Secret> secretLister;

  @BeforeEach
  void start() {
    realStore = new LocalKeyValueStore();
    store = new GatedFeedStore(realStore);
    configMaps = new ResourceRegistry<>(Kinds.CONFIG_MAP, store, Clock.systemUTC(), new Random(7), ns -> {});
    secrets = new ResourceRegistry<>(Kinds.SECRET, store, Clock.systemUTC(), new Random(7), ns -> {});
    configMapCache = new WatchCache<>(Kinds.CONFIG_MAP, store, 1000, 10);
    secretCache = new WatchCache<>(Kinds.SECRET, store, 1000, 10);
    configMapCache.start();
    secretCache.start();
    configMapLister = new CachedLister<>(configMapCache, configMaps, Duration.ofSeconds(30));
    secretLister = new CachedLister<>(secretCache, secrets, Duration.ofSeconds(30));
  }

  @AfterEach
  void stop() {
    configMapCache.close();
    store.release();
    secretCache.close();
    realStore.close();
  }

  private ConfigMap create(String namespace, String name) {
    return configMaps.create(ConfigMap.newBuilder()
        .setMetadata(ObjectMeta.newBuilder().setName(name).setNamespace(namespace).putLabels("n", name)).build()).object();
  }

  private static List<String> names(ListResult<ConfigMap> page) {
    return page.items().stream().map(c -> c.getMetadata().getName()).toList();
  }

  @Test
  void aListRightAfterAWriteWaitsForTheCacheToShowIt() throws Exception {
    create("default", "before");
    await().atMost(Duration.ofSeconds(30)).until(() -> configMapCache.size() == 1);
    store.hold();
    ConfigMap written = create("default", "written");
    CompletableFuture<ListResult<ConfigMap>> list = CompletableFuture.supplyAsync(
        () -> configMapLister.list(ListRequest.newBuilder().setNamespace("default").build()));
    // The List waits for the cache, which cannot see the write while its feed is held.
    await().atMost(Duration.ofSeconds(30)).until(() -> configMapCache.waiting() == 1);
    assertThat(list).isNotDone();
    store.release();
    ListResult<ConfigMap> result = list.get(30, TimeUnit.SECONDS);
    assertThat(names(result)).containsExactly("before", "written");
    assertThat(Long.parseLong(result.resourceVersion()))
        .isGreaterThanOrEqualTo(Long.parseLong(written.getMetadata().getResourceVersion()));
  }

  @Test
  void aConsistentListOfAKindWithoutChangesCatchesUpThroughAProgressNotification() throws Exception {
    for (int i = 0; i < 5; i++) {
      create("default", "cm-" + i);
    }
    long storeRevision = configMaps.currentRevision();
    // The secrets cache saw no event since it started; only a progress notification moves it.
    assertThat(secretCache.revision()).isLessThan(storeRevision);
    assertThat(secretCache.awaitRevision(storeRevision, Duration.ofSeconds(30))).isTrue();
    ListResult<Secret> list = secretLister.list(ListRequest.getDefaultInstance());
    assertThat(list.items()).isEmpty();
    assertThat(Long.parseLong(list.resourceVersion())).isGreaterThanOrEqualTo(storeRevision);
  }

  @Test
  void pagesFromTheCacheContinueInTheStoreAtTheSameRevisionWithSelectorsAndNamespaces() {
    for (int i = 0; i < 30; i++) {
      create(i % 2 == 0 ? "a" : "b", String.format("cm-%02d", i));
    }
    ListRequest request = ListRequest.newBuilder().setNamespace("a").setLimit(4)
        .setLabelSelector("n notin (cm-04,cm-06)").build();
    ListResult<ConfigMap> first = configMapLister.list(request);
    assertThat(names(first)).containsExactly("cm-00", "cm-02", "cm-08", "cm-10");
    // Written after the first page: later pages must not show it (they read at the first's revision).
    create("a", "cm-09");
    List<String> all = new ArrayList<>(names(first));
    String token = first.continueToken();
    while (!token.isEmpty()) {
      ListResult<ConfigMap> page = configMapLister.list(request.toBuilder().setContinue(token).build());
      assertThat(page.resourceVersion()).isEqualTo(first.resourceVersion());
      all.addAll(names(page));
      token = page.continueToken();
    }
    assertThat(all).containsExactly("cm-00", "cm-02", "cm-08", "cm-10", "cm-12", "cm-14", "cm-16", "cm-18",
        "cm-20", "cm-22", "cm-24", "cm-26", "cm-28");
  }

  @Test
  void aPageFromTheCacheInItsWireFormIsThePageDecodedAndOnlyTheCacheServesOne() throws Exception {
    for (int i = 0; i < 5; i++) {
      create("a", "cm-" + i);
    }
    ListRequest request = ListRequest.newBuilder().setNamespace("a").setLimit(3).build();
    CachedLister.CachedList<ConfigMap> page = configMapLister.fromCache(request);
    ListResult<ConfigMap> decoded = page.decoded();
    assertThat(names(decoded)).containsExactly("cm-0", "cm-1", "cm-2");
    assertThat(ConfigMapList.parseFrom(page.wireForm())).isEqualTo(ConfigMapList.newBuilder()
        .setMetadata(ListMeta.newBuilder().setResourceVersion(decoded.resourceVersion())
            .setContinue(decoded.continueToken()))
        .addAllItems(decoded.items()).build());
    // a continue token or a given resourceVersion is the store's to answer
    assertThat(configMapLister.fromCache(request.toBuilder().setContinue(decoded.continueToken()).build())).isNull();
    assertThat(configMapLister.fromCache(request.toBuilder().setResourceVersion(decoded.resourceVersion()).build()))
        .isNull();
  }

  @Test
  void resourceVersionZeroIsServedFromTheCacheAndBadInputIsRefusedAsTheStoreRefusesIt() {
    create("default", "x");
    // "0" takes the cache as it is, a moment behind the store: once the cache has the write, so does the List.
    await().atMost(Duration.ofSeconds(30)).until(() -> configMapCache.size() == 1);
    assertThat(names(configMapLister.list(ListRequest.newBuilder().setResourceVersion("0").build())))
        .containsExactly("x");
    assertThatThrownBy(() -> configMapLister.list(ListRequest.newBuilder().setLimit(-1).build()))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
          assertThat(e.getStatus().getDescription()).contains("limit");
        });
    assertThatThrownBy(() -> configMapLister.list(ListRequest.newBuilder().setLabelSelector("a in (").build()))
        .isInstanceOf(StatusRuntimeException.class);
  }

  private static GetRequest get(String name, String resourceVersion) {
    return GetRequest.newBuilder().setNamespace("default").setName(name).setResourceVersion(resourceVersion).build();
  }

  private static String data(ConfigMap c) {
    return c.getDataOrDefault("v", "");
  }

  @Test
  void aGetAtZeroTakesTheCachesCopyAtNOnceTheCacheHasNAndWithoutAResourceVersionTheStores() throws Exception {
    ConfigMap first = create("default", "g");
    await().atMost(Duration.ofSeconds(30)).until(() -> configMapCache.size() == 1);
    store.hold();
    ConfigMap second = configMaps.update(first.toBuilder().putData("v", "2").build()).object();

    // The cache cannot see the update while its feed is held: "0" answers its older copy, no
    // resourceVersion the store's latest.
    assertThat(data(configMapLister.get(get("g", "0")))).isEmpty();
    assertThat(data(configMapLister.get(get("g", "")))).isEqualTo("2");
    // At least as new as the first write: the cache's copy will do.
    assertThat(data(configMapLister.get(get("g", first.getMetadata().getResourceVersion())))).isEmpty();
    // At least as new as the update: waits for the cache.
    CompletableFuture<ConfigMap> waiting = CompletableFuture.supplyAsync(
        () -> configMapLister.get(get("g", second.getMetadata().getResourceVersion())));
    await().atMost(Duration.ofSeconds(30)).until(() -> configMapCache.waiting() == 1);
    assertThat(waiting).isNotDone();
    store.release();
    assertThat(waiting.get(30, TimeUnit.SECONDS)).isEqualTo(second);
    assertThatThrownBy(() -> configMapLister.get(get("missing", "0")))
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND));
  }

  @Test
  void aGetAtNWhoseCacheDoesNotCatchUpInTimeReadsTheStore() {
    ConfigMap first = create("default", "g");
    await().atMost(Duration.ofSeconds(30)).until(() -> configMapCache.size() == 1);
    CachedLister<ConfigMap> impatient = new CachedLister<>(configMapCache, configMaps, Duration.ofMillis(50));
    store.hold();
    ConfigMap second = configMaps.update(first.toBuilder().putData("v", "2").build()).object();
    assertThat(impatient.get(get("g", second.getMetadata().getResourceVersion()))).isEqualTo(second);
  }

  @Test
  void aResourceVersionNewerThanTheStoresIsOutOfRangeAndOneThatIsNoNumberIsRefusedNamingIt() {
    create("default", "g");
    long current = configMaps.currentRevision();
    String future = Long.toString(current + 1000);
    assertThatThrownBy(() -> configMapLister.get(get("g", future)))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.OUT_OF_RANGE);
          assertThat(e.getStatus().getDescription()).isEqualTo("resourceVersion: " + future + " is newer than the"
              + " store's current revision " + current + ": get without resourceVersion, or with one a server returned");
        });
    assertThatThrownBy(() -> configMapLister.list(ListRequest.newBuilder().setResourceVersion(future).build()))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.OUT_OF_RANGE);
          assertThat(e.getStatus().getDescription()).isEqualTo("resourceVersion: " + future + " is newer than the"
              + " store's current revision " + current + ": list without resourceVersion, or with one a server returned");
        });
    // A continue token at a revision the store has not reached was made by no server.
    String forged = new ContinueToken(current + 1000, ByteString.copyFromUtf8("/registry/configmaps/default/")).encode();
    assertThatThrownBy(() -> configMapLister.list(ListRequest.newBuilder().setContinue(forged).build()))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
          assertThat(e.getStatus().getDescription()).startsWith("continue: the token lists configmaps as of"
              + " resourceVersion " + future + ", which the store has not reached");
        });
    for (String bad : List.of("abc", "-3")) {
      for (GetRequest request : List.of(get("g", bad), get("", bad))) {
        assertThatThrownBy(() -> configMapLister.get(request))
            .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
              assertThat(e.getStatus().getDescription()).startsWith("resourceVersion: Invalid value: \"" + bad + "\"");
            });
      }
    }
  }
}
