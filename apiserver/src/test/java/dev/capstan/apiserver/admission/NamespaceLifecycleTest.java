package dev.capstan.apiserver.admission;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import dev.capstan.api.core.v1.Namespace;
import dev.capstan.api.meta.v1.DeleteRequest;
import dev.capstan.api.meta.v1.ObjectMeta;
import dev.capstan.apiserver.ReadRecordingStore;
import dev.capstan.apiserver.ratelimit.ManualClock;
import dev.capstan.apiserver.registry.Allocator;
import dev.capstan.apiserver.registry.ResourceRegistry;
import dev.capstan.apiserver.registry.SelectorFieldReader;
import dev.capstan.apiserver.registry.StoreKeys;
import dev.capstan.apiserver.watch.CachedObject;
import dev.capstan.apiserver.watch.Lister;
import dev.capstan.apiserver.watch.WatchCache;
import dev.capstan.client.Kinds;
import dev.capstan.store.local.LocalKeyValueStore;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * NamespaceLifecycle answers from the namespaces' cache and reads the store only where the cache
 * cannot be trusted: a namespace it lacks, and one this server was just asked to delete. The store
 * and the registry are real; the store records the reads the admission makes.
 */
class NamespaceLifecycleTest {
  private static final ByteString NAMESPACE_KEYS = StoreKeys.prefix(Kinds.NAMESPACE, "");
  private final LocalKeyValueStore store = new LocalKeyValueStore();
  private final ReadRecordingStore reads = new ReadRecordingStore(store);
  private final ManualClock clock = new ManualClock();
  private final Lister<Namespace> cached = new Lister<>(Kinds.NAMESPACE);
  private final NamespaceLifecycle lifecycle = new NamespaceLifecycle(name -> cached.get("", name),
      name -> namespaces().find("", name), clock);
  /** Deletes go through the registry, which tells the admission of them, as in the apiserver. */
  private final ResourceRegistry<Namespace> namespaces = new ResourceRegistry<>(Kinds.NAMESPACE, reads, clock,
      new Random(1), ns -> {}, ResourceRegistry.Orphaner.UNSUPPORTED, Allocator.none(), lifecycle);
  private WatchCache<Namespace> cache;

  @AfterEach
  void close() {
    if (cache != null) {
      cache.close();
    }
    store.close();
  }

  private ResourceRegistry<Namespace> namespaces() {
    return namespaces;
  }

  private Namespace create(String name, String... finalizers) {
    return namespaces.create(Namespace.newBuilder()
        .setMetadata(ObjectMeta.newBuilder().setName(name).addAllFinalizers(List.of(finalizers))).build()).object();
  }

  private static Status.Code refusal(Runnable check) {
    return catchThrowableOfType(check::run, StatusRuntimeException.class).getStatus().getCode();
  }

  @Test
  void aNamespaceInTheCacheIsCheckedWithoutAStoreRead() {
    cache = new WatchCache<>(Kinds.NAMESPACE, store, 100, 10);
    cached.feedFrom(cache);
    cache.start();
    create("team");
    create("leaving", "example.com/hold");
    namespaces.delete(DeleteRequest.newBuilder().setName("leaving").build());
    clock.advance(NamespaceLifecycle.FORCE_LIVE_LOOKUP_TTL);  // the delete no longer forces a store read
    await().atMost(Duration.ofSeconds(30)).until(() -> cached.get("", "team").isPresent()
        && cached.get("", "leaving").map(ns -> ns.getMetadata().hasDeletionTimestamp()).orElse(false));
    reads.readsUnder(NAMESPACE_KEYS);

    assertThatCode(() -> lifecycle.checkCreate("team")).doesNotThrowAnyException();
    StatusRuntimeException refused = catchThrowableOfType(() -> lifecycle.checkCreate("leaving"),
        StatusRuntimeException.class);
    assertThat(refused.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(refused.getStatus().getDescription())
        .isEqualTo("unable to create new content in namespace leaving because it is being terminated");
    assertThat(reads.readsUnder(NAMESPACE_KEYS)).isEmpty();
  }

  @Test
  void aNamespaceTheCacheLacksIsLookedUpInTheStore() {
    create("new");  // the cache has not seen it yet
    reads.readsUnder(NAMESPACE_KEYS);

    assertThatCode(() -> lifecycle.checkCreate("new")).doesNotThrowAnyException();
    assertThat(reads.readsUnder(NAMESPACE_KEYS)).containsExactly("/registry/namespaces/new");

    StatusRuntimeException missing = catchThrowableOfType(() -> lifecycle.checkCreate("nowhere"),
        StatusRuntimeException.class);
    assertThat(missing.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
    assertThat(missing.getStatus().getDescription()).isEqualTo("namespaces \"nowhere\" not found");
    assertThat(reads.readsUnder(NAMESPACE_KEYS)).containsExactly("/registry/namespaces/nowhere");
  }

  @Test
  void aCreateRightAfterANamespaceDeleteIsRefusedThoughTheCacheStillShowsItActive() {
    Namespace team = create("team");
    // as the cache holds it until the store watch delivers the delete
    ObjectMeta stored = team.getMetadata().toBuilder().clearResourceVersion().build();
    cached.reset(List.of(CachedObject.of(Kinds.NAMESPACE, new SelectorFieldReader(Kinds.NAMESPACE),
        team.toBuilder().setMetadata(stored).build().toByteString(),
        Long.parseLong(team.getMetadata().getResourceVersion()))));
    namespaces.delete(DeleteRequest.newBuilder().setName("team").build());
    reads.readsUnder(NAMESPACE_KEYS);

    assertThat(refusal(() -> lifecycle.checkCreate("team"))).isEqualTo(Status.Code.NOT_FOUND);
    assertThat(reads.readsUnder(NAMESPACE_KEYS)).containsExactly("/registry/namespaces/team");

    // Past the while a delete forces store reads, the cache is trusted again (it has caught up by then).
    clock.advance(NamespaceLifecycle.FORCE_LIVE_LOOKUP_TTL);
    assertThatCode(() -> lifecycle.checkCreate("team")).doesNotThrowAnyException();
    assertThat(reads.readsUnder(NAMESPACE_KEYS)).isEmpty();
  }
}
