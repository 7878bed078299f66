package dev.capstan.apiserver.watch;

import dev.capstan.client.WatchEvent;

/**
 * The watch events one change can become -- ADDED or MODIFIED with the new object, DELETED with
 * the last one a watcher saw -- each made once, when the first watcher needs it, and shared by
 * every watcher that receives the change. Used on the cache's feed under its lock.
 */
final class Fanout<T> {
  private final WatchCache.CachedEvent<T> change;
  private SharedEvent<T> added;
  private SharedEvent<T> modified;
  private SharedEvent<T> deleted;

  Fanout(WatchCache.CachedEvent<T> change) {
    this.change = change;
  }

  SharedEvent<T> added() {
    if (added == null) {
      added = new SharedEvent<>(new WatchEvent<>(WatchEvent.ADDED, change.current()));
    }
    return added;
  }

  SharedEvent<T> modified() {
    if (modified == null) {
      modified = new SharedEvent<>(new WatchEvent<>(WatchEvent.MODIFIED, change.current()));
    }
    return modified;
  }

  /** A watcher sees the object leave: the deleted object, or the new state that no longer matches. */
  SharedEvent<T> deleted() {
    if (deleted == null) {
      deleted = new SharedEvent<>(new WatchEvent<>(WatchEvent.DELETED,
          change.current() != null ? change.current() : change.previous()));
    }
    return deleted;
  }
}
