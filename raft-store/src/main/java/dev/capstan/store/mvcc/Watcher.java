package dev.capstan.store.mvcc;

import dev.capstan.etcd.etcdserverpb.WatchCreateRequest;
import dev.capstan.etcd.mvccpb.Event;
import dev.capstan.store.StoreWatch;
import dev.capstan.store.StoreWatchListener;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One watch: its key range and filters, and a queue of deliveries drained serially on the
 * hub's executor, so one watch's callbacks never overlap and come in revision order.
 *
 * <p>A watcher is <em>synced</em> when it receives each applied revision live from
 * {@link WatchHub#publish}, or <em>unsynced</em> when it must first replay history from
 * {@code nextRevision} (a start revision in the past, a queue that overflowed because the listener
 * is slow, a snapshot that replaced the store's state). Replay runs on the delivery thread in
 * bounded windows under the store's read lock; the last window flips the watcher back to synced
 * atomically with respect to publishing, which needs the write lock.
 */
final class Watcher implements StoreWatch {

  private static final Logger LOG = LoggerFactory.getLogger(Watcher.class);
  /** Deliveries handed to the listener per executor task, so busy watches do not starve others. */
  private static final int DELIVERIES_PER_TASK = 64;

  private final KeyRange range;
  private final boolean prevKv;
  private final boolean noPut;
  private final boolean noDelete;
  private final boolean progressNotify;
  private final long minRevision;
  private final StoreWatchListener listener;
  private final WatchHub hub;
  private final Executor executor;

  // Guarded by this.
  private final ArrayDeque<WatchDelivery> queue = new ArrayDeque<>();
  private boolean synced;
  /** The lowest revision neither queued nor skipped yet: where history replay resumes. */
  private long nextRevision;
  private boolean scheduled;
  /** A terminal delivery is queued (or the watch was closed): nothing more is accepted. */
  private boolean ended;
  private boolean closed;

  Watcher(WatchCreateRequest request, long startRevision, StoreWatchListener listener, WatchHub hub,
      Executor executor) {
    this.range = KeyRange.of(request.getKey(), request.getRangeEnd());
    this.prevKv = request.getPrevKv();
    this.noPut = request.getFiltersList().contains(WatchCreateRequest.FilterType.NOPUT);
    this.noDelete = request.getFiltersList().contains(WatchCreateRequest.FilterType.NODELETE);
    this.progressNotify = request.getProgressNotify();
    this.minRevision = startRevision;
    this.nextRevision = startRevision;
    this.listener = listener;
    this.hub = hub;
    this.executor = executor;
  }

  KeyRange range() {
    return range;
  }

  boolean wantsPrevKv() {
    return prevKv;
  }

  // ---- called with the store's lock held (publish: write lock; replay: read lock) ----

  /** Starts live: nothing to replay. */
  synchronized void markSynced() {
    synced = true;
  }

  /** Offers one applied revision to a synced watcher. */
  void offer(long revision, List<Event> events) {
    boolean schedule;
    synchronized (this) {
      if (ended || !synced || revision < minRevision) {
        return;
      }
      nextRevision = revision + 1;
      List<Event> selected = select(events);
      if (selected.isEmpty()) {
        return;
      }
      if (queue.size() >= hub.maxQueuedDeliveries()) {
        // The listener is behind: drop the queue and replay it from history instead of holding it.
        nextRevision = queue.peekFirst().resumeRevision();
        queue.clear();
        synced = false;
      } else {
        queue.add(new WatchDelivery.Events(revision, selected));
      }
      schedule = claimSchedule();
    }
    if (schedule) {
      schedule();
    }
  }

  /** Queues a progress notification if this watch asked for them and is idle. */
  void offerProgress(long revision) {
    boolean schedule;
    synchronized (this) {
      if (ended || !synced || !progressNotify || !queue.isEmpty()) {
        return;
      }
      queue.add(new WatchDelivery.Progress(revision));
      schedule = claimSchedule();
    }
    if (schedule) {
      schedule();
    }
  }

  /**
   * Queues a progress notification at the newest revision this watch has been offered, after
   * whatever is already queued, so it never overtakes an event. A watch still replaying history
   * (or ended) has no such revision yet and answers false.
   */
  @Override
  public boolean requestProgress() {
    boolean schedule;
    synchronized (this) {
      if (ended || !synced) {
        return false;
      }
      queue.add(new WatchDelivery.Progress(nextRevision - 1));
      schedule = claimSchedule();
    }
    if (schedule) {
      schedule();
    }
    return true;
  }

  /** The store's state was replaced (snapshot installed): replay from where this watch is. */
  void resync() {
    boolean schedule;
    synchronized (this) {
      if (ended) {
        return;
      }
      synced = false;
      schedule = claimSchedule();
    }
    if (schedule) {
      schedule();
    }
  }

  /** Where replay must resume, or -1 if this watcher needs no replay. */
  synchronized long replayFrom() {
    return ended || synced ? -1 : nextRevision;
  }

  /** Queues replayed events of one revision. */
  synchronized void enqueueReplayed(long revision, List<Event> events) {
    if (!ended && !events.isEmpty()) {
      queue.add(new WatchDelivery.Events(revision, events));
    }
  }

  /** Replay reached {@code revision}; {@code live} when that is the store's current revision. */
  synchronized void replayedThrough(long revision, boolean live) {
    if (ended) {
      return;
    }
    nextRevision = Math.max(nextRevision, revision + 1);
    synced = live;
  }

  /** Ends the watch with a terminal delivery (compacted, failed) after what is already queued. */
  void end(WatchDelivery terminal) {
    boolean schedule;
    synchronized (this) {
      if (ended) {
        return;
      }
      ended = true;
      queue.add(terminal);
      schedule = claimSchedule();
    }
    hub.remove(this);
    if (schedule) {
      schedule();
    }
  }

  /** Selects the events this watch wants, trimming prev_kv unless it asked for it. */
  List<Event> select(List<Event> events) {
    List<Event> selected = new ArrayList<>(0);
    for (Event event : events) {
      if (accepts(event)) {
        selected.add(prevKv || !event.hasPrevKv() ? event : event.toBuilder().clearPrevKv().build());
      }
    }
    return selected;
  }

  boolean accepts(Event event) {
    if (event.getType() == Event.EventType.PUT ? noPut : noDelete) {
      return false;
    }
    return range.contains(event.getKv().getKey());
  }

  // ---- delivery ----

  @Override
  public void close() {
    synchronized (this) {
      closed = true;
      ended = true;
      queue.clear();
    }
    hub.remove(this);
  }

  private boolean claimSchedule() {
    if (scheduled || closed) {
      return false;
    }
    scheduled = true;
    return true;
  }

  private void schedule() {
    try {
      executor.execute(this::drain);
    } catch (RejectedExecutionException e) {
      // The store is shutting down; nobody is left to deliver to.
      synchronized (this) {
        scheduled = false;
        closed = true;
        ended = true;
        queue.clear();
      }
      hub.remove(this);
    }
  }

  private void drain() {
    for (int delivered = 0; delivered < DELIVERIES_PER_TASK; delivered++) {
      WatchDelivery next;
      synchronized (this) {
        if (closed) {
          scheduled = false;
          return;
        }
        next = queue.poll();
        if (next == null && (synced || ended)) {
          scheduled = false;
          return;
        }
      }
      if (next == null) {
        hub.replay(this);
      } else {
        deliver(next);
      }
    }
    schedule();
  }

  private void deliver(WatchDelivery delivery) {
    if (delivery.terminal()) {
      synchronized (this) {
        closed = true;
        queue.clear();
      }
    }
    try {
      if (delivery instanceof WatchDelivery.Events events) {
        listener.onEvents(events.revision(), events.events());
      } else if (delivery instanceof WatchDelivery.Progress progress) {
        listener.onProgress(progress.revision());
      } else if (delivery instanceof WatchDelivery.Compacted compacted) {
        listener.onCompacted(compacted.compactRevision());
      } else if (delivery instanceof WatchDelivery.Failed failed) {
        listener.onError(failed.error());
      }
    } catch (RuntimeException e) {
      LOG.warn("Watch listener {} failed on {}", listener, delivery.getClass().getSimpleName(), e);
    }
  }
}
