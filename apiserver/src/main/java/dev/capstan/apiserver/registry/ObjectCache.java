package dev.capstan.apiserver.registry;

import java.util.Optional;

/**
 * Objects of one kind in memory, each stamped with the resourceVersion it had in the store (the
 * server's listers, fed by its watch caches). A cache may lag the store: what it answers is a
 * guess at the current object, good for a write that is conditional on that revision, never proof
 * of it.
 */
@FunctionalInterface
public interface ObjectCache<T> {
  /** The cached object; empty when the cache holds none. {@code namespace} is "" for cluster-scoped kinds. */
  Optional<T> get(String namespace, String name);
}
