package dev.capstan.client.informer;

import com.google.protobuf.Message;
import dev.capstan.api.meta.v1.ObjectMeta;
import dev.capstan.client.Kind;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Predicate;

/**
 * An informer's local copy of the objects, indexed by namespace then name (namespace "" for
 * cluster-scoped kinds). Written by the informer's dispatcher thread, read by any thread; every
 * read sees whole objects and {@link #replace} is atomic. Lists come out sorted by namespace and name.
 */
final class ObjectCache<T extends Message> {
  private final Kind<T> kind;
  private final ReadWriteLock lock = new ReentrantReadWriteLock();
  private TreeMap<String, TreeMap<String, T>> byNamespace = new TreeMap<>();

  ObjectCache(Kind<T> kind) {
    this.kind = kind;
  }

  Kind<T> kind() {
    return kind;
  }

  /** "namespace/name", or "name" for cluster-scoped kinds. */
  String key(T object) {
    return kind.key(object);
  }

  Optional<T> get(String namespace, String name) {
    lock.readLock().lock();
    try {
      TreeMap<String, T> names = byNamespace.get(scope(namespace));
      return Optional.ofNullable(names == null ? null : names.get(name));
    } finally {
      lock.readLock().unlock();
    }
  }

  Optional<T> get(T object) {
    ObjectMeta meta = kind.metadata(object);
    return get(meta.getNamespace(), meta.getName());
  }

  /** The objects of one namespace ("" = all namespaces) that pass the filter. */
  List<T> list(String namespace, Predicate<? super T> filter) {
    lock.readLock().lock();
    try {
      List<T> out = new ArrayList<>();
      Collection<TreeMap<String, T>> scopes;
      if (namespace == null || namespace.isEmpty() || !kind.namespaced()) {
        scopes = byNamespace.values();
      } else {
        TreeMap<String, T> names = byNamespace.get(namespace);
        scopes = names == null ? List.of() : List.of(names);
      }
      for (TreeMap<String, T> names : scopes) {
        for (T object : names.values()) {
          if (filter.test(object)) {
            out.add(object);
          }
        }
      }
      return out;
    } finally {
      lock.readLock().unlock();
    }
  }

  int size() {
    lock.readLock().lock();
    try {
      return byNamespace.values().stream().mapToInt(Map::size).sum();
    } finally {
      lock.readLock().unlock();
    }
  }

  /** Stores the object; returns the one it replaced. */
  Optional<T> put(T object) {
    ObjectMeta meta = kind.metadata(object);
    lock.writeLock().lock();
    try {
      return Optional.ofNullable(
          byNamespace.computeIfAbsent(scope(meta.getNamespace()), ns -> new TreeMap<>()).put(meta.getName(), object));
    } finally {
      lock.writeLock().unlock();
    }
  }

  /** Removes the object with this one's namespace and name; returns the removed one. */
  Optional<T> remove(T object) {
    ObjectMeta meta = kind.metadata(object);
    String ns = scope(meta.getNamespace());
    lock.writeLock().lock();
    try {
      TreeMap<String, T> names = byNamespace.get(ns);
      if (names == null) {
        return Optional.empty();
      }
      T removed = names.remove(meta.getName());
      if (names.isEmpty()) {
        byNamespace.remove(ns);
      }
      return Optional.ofNullable(removed);
    } finally {
      lock.writeLock().unlock();
    }
  }

  /** Replaces the whole content at once; returns the previous content by key. */
  Map<String, T> replace(Collection<T> objects) {
    TreeMap<String, TreeMap<String, T>> fresh = new TreeMap<>();
    for (T object : objects) {
      ObjectMeta meta = kind.metadata(object);
      fresh.computeIfAbsent(scope(meta.getNamespace()), ns -> new TreeMap<>()).put(meta.getName(), object);
    }
    TreeMap<String, TreeMap<String, T>> old;
    lock.writeLock().lock();
    try {
      old = byNamespace;
      byNamespace = fresh;
    } finally {
      lock.writeLock().unlock();
    }
    Map<String, T> previous = new HashMap<>();
    old.values().forEach(names -> names.values().forEach(o -> previous.put(key(o), o)));
    return previous;
  }

  private String scope(String namespace) {
    return !kind.namespaced() || namespace == null ? "" : namespace;
  }
}
