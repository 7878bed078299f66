package dev.capstan.store.mvcc;

import dev.capstan.etcd.etcdserverpb.WatchCreateRequest;
import dev.capstan.etcd.mvccpb.Event;
import dev.capstan.store.StoreWatchListener;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.function.Consumer;

/**
 * The store's registry of watchers: fans each applied revision out to them and hands slow or new
 * watchers to the store for history replay. Publishing happens with the store's write lock held,
 * so it only queues; listeners run on {@code executor}.
 */
final class WatchHub {

  /** Queued deliveries per watcher before it is switched to replay from history. */
  static final int DEFAULT_MAX_QUEUED_DELIVERIES = 1024;

  private final Set<Watcher> watchers = ConcurrentHashMap.newKeySet();
  private final Executor executor;
  private final Consumer<Watcher> replay;
  private final int maxQueuedDeliveries;

  WatchHub(Executor executor, Consumer<Watcher> replay, int maxQueuedDeliveries) {
    this.executor = executor;
    this.replay = replay;
    this.maxQueuedDeliveries = maxQueuedDeliveries;
  }

  int maxQueuedDeliveries() {
    return maxQueuedDeliveries;
  }

  Watcher create(WatchCreateRequest request, long startRevision, StoreWatchListener listener) {
    return new Watcher(request, startRevision, listener, this, executor);
  }

  void add(Watcher watcher) {
    watchers.add(watcher);
  }

  void remove(Watcher watcher) {
    watchers.remove(watcher);
  }

  int size() {
    return watchers.size();
  }

  /** Called with the store's write lock held, once per revision that changed something. */
  void publish(long revision, List<Event> events) {
    for (Watcher watcher : watchers) {
      watcher.offer(revision, events);
    }
  }

  void notifyProgress(long revision) {
    for (Watcher watcher : watchers) {
      watcher.offerProgress(revision);
    }
  }

  void resyncAll() {
    for (Watcher watcher : watchers) {
      watcher.resync();
    }
  }

  void endAll(WatchDelivery terminal) {
    for (Watcher watcher : watchers) {
      watcher.end(terminal);
    }
  }

  /** Runs on the watcher's delivery task when it has nothing queued but is not yet live. */
  void replay(Watcher watcher) {
    replay.accept(watcher);
  }
}
