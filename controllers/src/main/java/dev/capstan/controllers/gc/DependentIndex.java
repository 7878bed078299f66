package dev.capstan.controllers.gc;

import dev.capstan.api.meta.v1.ObjectMeta;
import dev.capstan.api.meta.v1.OwnerReference;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Which objects reference an owner, by the owner's uid, so that an owner's deletion finds its
 * dependents without scanning every cache. Kept up to date from the informers' events. Thread-safe:
 * informers of different kinds call it from their own threads.
 */
public final class DependentIndex {
  private final Map<String, Set<String>> dependentsByOwnerUid = new ConcurrentHashMap<>();

  /** Records that the object with {@code itemKey} now has these owner references (replacing {@code old}). */
  public void update(String itemKey, List<OwnerReference> old, List<OwnerReference> current) {
    Set<String> currentUids = uids(current);
    for (String uid : uids(old)) {
      if (!currentUids.contains(uid)) {
        removeEntry(uid, itemKey);
      }
    }
    for (String uid : currentUids) {
      dependentsByOwnerUid.computeIfAbsent(uid, u -> ConcurrentHashMap.newKeySet()).add(itemKey);
    }
  }

  public void add(String itemKey, ObjectMeta meta) {
    update(itemKey, List.of(), meta.getOwnerReferencesList());
  }

  public void remove(String itemKey, ObjectMeta meta) {
    update(itemKey, meta.getOwnerReferencesList(), List.of());
  }

  /** The item keys of the objects referencing the owner with {@code uid}. */
  public Set<String> dependents(String ownerUid) {
    Set<String> keys = dependentsByOwnerUid.get(ownerUid);
    return keys == null ? Set.of() : Set.copyOf(keys);
  }

  private void removeEntry(String uid, String itemKey) {
    dependentsByOwnerUid.computeIfPresent(uid, (u, keys) -> {
      keys.remove(itemKey);
      return keys.isEmpty() ? null : keys;
    });
  }

  private static Set<String> uids(List<OwnerReference> refs) {
    Set<String> uids = new HashSet<>();
    for (OwnerReference ref : refs) {
      uids.add(ref.getUid());
    }
    return uids;
  }
}
