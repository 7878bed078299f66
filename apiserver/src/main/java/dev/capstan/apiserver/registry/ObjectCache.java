package dev.capstan.apiserver.registry;

import com.google.protobuf.ByteString;
import java.util.Optional;

/**
 * Objects of one kind as a cache fed by the store holds them, each stamped with the
 * resourceVersion it had there. A cache may lag the store: what it answers is a guess at the
 * current object, good for a write that is conditional on that revision, never proof of it.
 */
public interface ObjectCache<T> {
  ObjectCache<?> NONE = key -> Optional.empty();

  /** The cached object stored under {@code key}; empty when the cache holds none. */
  Optional<T> cached(ByteString key);

  @SuppressWarnings("unchecked")
  static <T> ObjectCache<T> none() {
    return (ObjectCache<T>) NONE;
  }
}
