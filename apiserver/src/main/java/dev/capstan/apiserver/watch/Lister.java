package dev.capstan.apiserver.watch;

import com.google.protobuf.Message;
import dev.capstan.apiserver.registry.ObjectCache;
import dev.capstan.client.Kind;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The objects of one kind in memory, by namespace and name, fed by that kind's {@link WatchCache}
 * (as one of its listeners), for request paths that must not read the store on every call
 * (token authentication, admission). It is as current as the cache: a change made through another
 * server, or just now through this one, shows here once the store watch has delivered it, so a
 * caller that must not act on a stale object checks it against the store (a compare on its
 * resourceVersion, say). Thread-safe: written by the cache, read by any request; a cache restart
 * swaps in the new objects at once, so a reader never sees a half-filled lister. Every kind's
 * registry starts its updates from one ({@link dev.capstan.apiserver.registry.ResourceRegistry#useObjectCache}).
 *
 * <p>It holds the cache's encoded objects (no copy of their bytes) and decodes on each read: a
 * read costs a decode (microseconds for a pod) and the objects no one reads cost no heap beyond
 * the cache's. A lister of a kind read on nearly every request keeps what it decoded instead
 * ({@link #Lister(Kind, boolean)}).
 */
public final class Lister<T extends Message> implements WatchCache.Listener<T>, ObjectCache<T> {
  private final Kind<T> kind;
  private final boolean keepDecoded;
  /** Namespace ("" for cluster-scoped kinds), then name. Replaced whole on reset. */
  private volatile Map<String, Map<String, CachedObject<T>>> byNamespace = new ConcurrentHashMap<>();

  public Lister(Kind<T> kind) {
    this(kind, false);
  }

  /**
   * {@code keepDecoded}: keep each object decoded once read, for kinds read on nearly every request
   * and few in number (namespaces, service accounts, quotas); otherwise each read decodes.
   */
  public Lister(Kind<T> kind, boolean keepDecoded) {
    this.kind = kind;
    this.keepDecoded = keepDecoded;
  }

  /** Feeds this lister from {@code cache} when the cache is of this lister's kind; else does nothing. */
  @SuppressWarnings("unchecked")
  public void feedFrom(WatchCache<?> cache) {
    if (cache.kind().equals(kind)) {
      ((WatchCache<T>) cache).addListener(this);
    }
  }

  @Override
  public Optional<T> get(String namespace, String name) {
    Map<String, CachedObject<T>> objects = byNamespace.get(namespace);
    CachedObject<T> cached = objects == null ? null : objects.get(name);
    return cached == null ? Optional.empty() : Optional.of(read(cached));
  }

  /** The namespace's objects, decoded. */
  public List<T> list(String namespace) {
    Map<String, CachedObject<T>> objects = byNamespace.get(namespace);
    return objects == null ? List.of() : objects.values().stream().map(this::read).toList();
  }

  /** How many namespaces hold objects: one whose last object went is not kept. */
  int namespaceCount() {
    return byNamespace.size();
  }

  @Override
  public void reset(Collection<CachedObject<T>> objects) {
    Map<String, Map<String, CachedObject<T>>> fresh = new ConcurrentHashMap<>();
    for (CachedObject<T> object : objects) {
      put(fresh, object);
    }
    byNamespace = fresh;
  }

  @Override
  public void changed(CachedObject<T> previous, CachedObject<T> current) {
    if (current != null) {
      put(byNamespace, current);
    } else if (previous != null) {
      Map<String, CachedObject<T>> objects = byNamespace.get(previous.namespace());
      if (objects != null) {
        objects.remove(previous.name());
        if (objects.isEmpty()) {
          // Only the cache writes (one change at a time), so nothing is put between these two.
          byNamespace.remove(previous.namespace(), objects);
        }
      }
    }
  }

  private T read(CachedObject<T> cached) {
    return keepDecoded ? cached.objectKept() : cached.object();
  }

  private static <T extends Message> void put(Map<String, Map<String, CachedObject<T>>> into, CachedObject<T> object) {
    into.computeIfAbsent(object.namespace(), ns -> new ConcurrentHashMap<>()).put(object.name(), object);
  }
}
