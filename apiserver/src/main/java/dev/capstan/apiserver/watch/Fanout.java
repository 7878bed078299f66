package dev.capstan.apiserver.watch;

import com.google.protobuf.Message;
import dev.capstan.client.WatchEvent;

/**
 * The watch events one change can become -- ADDED or MODIFIED with the new object, DELETED with
 * the last one a watcher saw -- each made once, when the first watcher needs it, and shared by
 * every watcher that receives the change. The cache keeps objects encoded; the object is decoded
 * here, once, and only if some watcher receives the change. Used on the cache's feed under its lock.
 */
final class Fanout<T extends Message> {
  private final WatchCache.CachedEvent<T> change;
  private T current;
  private SharedEvent<T> added;
  private SharedEvent<T> modified;
  private SharedEvent<T> deleted;

  Fanout(WatchCache.CachedEvent<T> change) {
    this.change = change;
  }

  SharedEvent<T> added() {
    if (added == null) {
      added = new SharedEvent<>(new WatchEvent<>(WatchEvent.ADDED, current()));
    }
    return added;
  }

  SharedEvent<T> modified() {
    if (modified == null) {
      modified = new SharedEvent<>(new WatchEvent<>(WatchEvent.MODIFIED, current()));
    }
    return modified;
  }

  /** A watcher sees the object leave: the deleted object, or the new state that no longer matches. */
  SharedEvent<T> deleted() {
    if (deleted == null) {
      deleted = new SharedEvent<>(new WatchEvent<>(WatchEvent.DELETED,
          change.current() != null ? current() : change.previous().object()));
    }
    return deleted;
  }

  private T current() {
    if (current == null) {
      current = change.current().object();
    }
    return current;
  }
}
