package dev.capstan.apiserver.watch;

import com.google.protobuf.Message;
import dev.capstan.client.WatchEvent;

/**
 * The watch events one change can become -- ADDED or MODIFIED with the new object, DELETED with
 * the last one a watcher saw -- each made once, when the first watcher needs it, and shared by
 * every watcher that receives the change. The cache keeps objects encoded; the new object is
 * decoded here once, and only if some in-process watcher receives the change (network watchers
 * get the wire form, made from the stored bytes). Made on the cache's feed under its lock.
 */
final class Fanout<T extends Message> {
  private final WatchCache.CachedEvent<T> change;
  /** Written by whichever watcher's flush decodes first (any thread). */
  private volatile T current;
  private SharedEvent<T> added;
  private SharedEvent<T> modified;
  private SharedEvent<T> deleted;

  Fanout(WatchCache.CachedEvent<T> change) {
    this.change = change;
  }

  SharedEvent<T> added() {
    if (added == null) {
      added = new SharedEvent<>(WatchEvent.ADDED, change.current(), this::current);
    }
    return added;
  }

  SharedEvent<T> modified() {
    if (modified == null) {
      modified = new SharedEvent<>(WatchEvent.MODIFIED, change.current(), this::current);
    }
    return modified;
  }

  /** A watcher sees the object leave: the deleted object, or the new state that no longer matches. */
  SharedEvent<T> deleted() {
    if (deleted == null) {
      deleted = change.current() != null ? new SharedEvent<>(WatchEvent.DELETED, change.current(), this::current)
          : new SharedEvent<>(WatchEvent.DELETED, change.previous());
    }
    return deleted;
  }

  private T current() {
    T c = current;
    if (c == null) {
      c = change.current().object();
      current = c;
    }
    return c;
  }
}
