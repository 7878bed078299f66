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
 */
public final class Lister<T extends Message> implements WatchCache.Listener<T>, ObjectCache<T> {
  private final Kind<T> kind;
  /** Namespace ("" for cluster-scoped kinds), then name. Replaced whole on reset. */
  private volatile Map<String, Map<String, T>> byNamespace = new ConcurrentHashMap<>();

  public Lister(Kind<T> kind) {
    this.kind = kind;
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
    Map<String, T> objects = byNamespace.get(namespace);
    return objects == null ? Optional.empty() : Optional.ofNullable(objects.get(name));
  }

  /** The namespace's objects (a live view: do not keep it). */
  public Collection<T> list(String namespace) {
    Map<String, T> objects = byNamespace.get(namespace);
    return objects == null ? List.of() : objects.values();
  }

  /** How many namespaces hold objects: one whose last object went is not kept. */
  int namespaceCount() {
    return byNamespace.size();
  }

  @Override
  public void reset(Collection<T> objects) {
    Map<String, Map<String, T>> fresh = new ConcurrentHashMap<>();
    for (T object : objects) {
      put(fresh, object);
    }
    byNamespace = fresh;
  }

  @Override
  public void changed(T previous, T current) {
    if (current != null) {
      put(byNamespace, current);
    } else if (previous != null) {
      var meta = kind.metadata(previous);
      Map<String, T> objects = byNamespace.get(meta.getNamespace());
      if (objects != null) {
        objects.remove(meta.getName());
        if (objects.isEmpty()) {
          // Only the cache writes (one change at a time), so nothing is put between these two.
          byNamespace.remove(meta.getNamespace(), objects);
        }
      }
    }
  }

  private void put(Map<String, Map<String, T>> into, T object) {
    var meta = kind.metadata(object);
    into.computeIfAbsent(meta.getNamespace(), ns -> new ConcurrentHashMap<>()).put(meta.getName(), object);
  }
}
