package dev.capstan.apiserver.watch;

import com.google.protobuf.Message;
import dev.capstan.apiserver.registry.ApiErrors;
import dev.capstan.apiserver.registry.ContinueToken;
import dev.capstan.apiserver.registry.ObjectFilter;
import dev.capstan.apiserver.registry.ResourceRegistry;
import dev.capstan.apiserver.registry.StoreKeys;
import dev.capstan.client.Kind;
import dev.capstan.client.ListResult;
import dev.capstan.api.meta.v1.GetRequest;
import dev.capstan.api.meta.v1.ListMeta;
import dev.capstan.api.meta.v1.ListRequest;
import io.grpc.Status;
import java.time.Duration;
import java.util.List;

/**
 * Answers a kind's Gets and Lists from its {@link WatchCache} where Kubernetes' apiserver would,
 * and from the store otherwise. A Get:
 * <ul>
 *   <li>no resourceVersion (the latest state): reads the store linearizably;</li>
 *   <li>resourceVersion "0" (any state): the cache's copy at once;</li>
 *   <li>a given resourceVersion N (a state not older than N): the cache's copy once the cache has
 *       reached N, the store's if it does not within the wait; an N newer than the store's
 *       current revision is refused with OUT_OF_RANGE, as no state that new exists.</li>
 * </ul>
 * A List:
 * <ul>
 *   <li>no resourceVersion (the latest state): the store's current revision is read
 *       linearizably, the cache waits until it has caught up with it, and its objects answer; a
 *       cache that does not catch up within the wait leaves the List to the store;</li>
 *   <li>resourceVersion "0" (any state): the cache answers at once;</li>
 *   <li>a given resourceVersion or a continue token: the store answers at that revision.</li>
 * </ul>
 * The first page served from the cache carries a continue token at the cache's revision, so the
 * following pages come from the store at the same revision, as in Kubernetes. Served from the
 * cache a List costs no store range and decodes only the objects it returns; a network client's
 * List decodes none ({@link CachedList#wireForm}).
 */
public final class CachedLister<T extends Message> {
  private final WatchCache<T> cache;
  private final ResourceRegistry<T> registry;
  private final Duration consistencyWait;

  public CachedLister(WatchCache<T> cache, ResourceRegistry<T> registry, Duration consistencyWait) {
    this.cache = cache;
    this.registry = registry;
    this.consistencyWait = consistencyWait;
  }

  /** The Get's answer (see the class comment). Bad input is refused as the store path refuses it. */
  public T get(GetRequest request) {
    String rv = request.getResourceVersion();
    long notOlderThan = rv.isEmpty() ? -1 : ResourceRegistry.parseResourceVersion(rv);
    if (notOlderThan < 0 || request.getName().isEmpty() || !cache.serving()) {
      return registry.get(request.getNamespace(), request.getName());
    }
    if (notOlderThan > cache.revision()) {
      long current = registry.currentRevision();
      if (notOlderThan > current) {
        throw ApiErrors.resourceVersionTooNew(notOlderThan, current, "get");
      }
      if (!caughtUp(notOlderThan)) {
        return registry.get(request.getNamespace(), request.getName());
      }
    }
    Kind<T> kind = registry.kind();
    CachedObject<T> cached = cache.get(StoreKeys.objectKey(kind, request.getNamespace(), request.getName()));
    if (cached == null) {
      throw ApiErrors.notFound(kind, request.getName());
    }
    return cached.object();
  }

  /** The List's answer: from the cache where it can (decoding the items), else from the store. */
  public ListResult<T> list(ListRequest request) {
    CachedList<T> cached = fromCache(request);
    return cached != null ? cached.decoded() : registry.list(request);
  }

  /**
   * The List served from the cache, its items still encoded; null when the store must answer
   * (see the class comment). Bad input is refused here as the store path refuses it.
   */
  public CachedList<T> fromCache(ListRequest request) {
    String rv = request.getResourceVersion();
    if (!request.getContinue().isEmpty() || !(rv.isEmpty() || rv.equals("0")) || !cache.serving()) {
      return null;
    }
    ObjectFilter<T> filter = ObjectFilter.of(registry.kind(), request.getNamespace(), request.getLabelSelector(),
        request.getFieldSelector());
    if (request.getLimit() < 0) {
      throw ApiErrors.badRequest("limit: must be greater than or equal to 0");
    }
    if (rv.isEmpty() && !caughtUp(registry.currentRevision())) {
      return null;
    }
    var prefix = StoreKeys.prefix(registry.kind(), filter.namespace());
    WatchCache.Page<T> page = cache.page(prefix, prefix, filter, request.getLimit());
    String token = page.more() ? new ContinueToken(page.revision(), page.nextKey()).encode() : "";
    return new CachedList<>(registry.kind(), page.items(), Long.toString(page.revision()), token);
  }

  /** A List page served from the cache: its items as the cache holds them. */
  public record CachedList<T extends Message>(Kind<T> kind, List<CachedObject<T>> items, String resourceVersion,
      String continueToken) {
    /** The page with its items decoded. */
    public ListResult<T> decoded() {
      return new ListResult<>(items.stream().map(CachedObject::object).toList(), resourceVersion, continueToken);
    }

    /** The page as the kind's list message encodes it, written from the items' stored bytes. */
    public byte[] wireForm() {
      return WireForm.list(kind, items, ListMeta.newBuilder().setResourceVersion(resourceVersion)
          .setContinue(continueToken).build());
    }
  }

  private boolean caughtUp(long storeRevision) {
    try {
      return cache.awaitRevision(storeRevision, consistencyWait);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw Status.CANCELLED.withDescription("interrupted while waiting for the watch cache").asRuntimeException();
    }
  }
}
