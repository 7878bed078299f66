package dev.capstan.client.informer;

import com.google.protobuf.Message;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * Read access to an informer's cache: no API calls, so controllers can read as often as they like.
 * Results are the informer's immutable objects, sorted by namespace and name; they lag the API by
 * the watch's latency. Thread-safe.
 *
 * @param <T> the resource message
 */
public final class Lister<T extends Message> {
  private final ObjectCache<T> cache;

  Lister(ObjectCache<T> cache) {
    this.cache = cache;
  }

  /** The cached object; namespace "" for cluster-scoped kinds (whose namespace is ignored). */
  public Optional<T> get(String namespace, String name) {
    Objects.requireNonNull(name, "name");
    return cache.get(namespace == null ? "" : namespace, name);
  }

  /** Every cached object of the namespace; "" = all namespaces. */
  public List<T> list(String namespace) {
    return cache.list(namespace, o -> true);
  }

  /** The cached objects of the namespace ("" = all) that pass the filter. */
  public List<T> list(String namespace, Predicate<T> filter) {
    Objects.requireNonNull(filter, "filter");
    return cache.list(namespace, filter);
  }
}
