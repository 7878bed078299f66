package dev.capstan.apiserver.watch;

import com.google.protobuf.ByteString;
import com.google.protobuf.Message;
import dev.capstan.apiserver.registry.ObjectFilter;
import dev.capstan.apiserver.registry.SelectorFieldReader;
import dev.capstan.apiserver.registry.StoreKeys;
import dev.capstan.client.Kind;
import dev.capstan.client.WatchEvent;
import dev.capstan.etcd.etcdserverpb.RangeRequest;
import dev.capstan.etcd.etcdserverpb.RangeResponse;
import dev.capstan.etcd.etcdserverpb.WatchCreateRequest;
import dev.capstan.etcd.mvccpb.Event;
import dev.capstan.etcd.mvccpb.KeyValue;
import dev.capstan.store.KeyValueStore;
import dev.capstan.store.StoreWatch;
import dev.capstan.store.StoreWatchListener;
import dev.capstan.store.mvcc.StoreKey;
import io.grpc.Status;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The apiserver's cache of one kind (DESIGN §4): fed by ONE store watch, it holds the current
 * objects and a window of recent events, and fans events out to any number of {@link Watcher}s.
 * Objects are held encoded, as the store holds them, with the fields selectors test read once
 * ({@link CachedObject}); an object is decoded only for a watcher that receives it or a reader
 * that asks, so a server whose cache no one reads decodes nothing.
 *
 * <p>A watch may resume from any resourceVersion inside the window; an older one is answered
 * with OUT_OF_RANGE so the client relists. A store watch failure ends every watcher (they
 * relist) and rebuilds the cache from a fresh list.
 *
 * <p>Lists can be served from the cache's objects in key order ({@link #page}); a consistent one
 * first waits until the cache has caught up with a given store revision ({@link #awaitRevision}).
 * Waiters are kept by revision and each is released exactly when the cache reaches its revision
 * (by an event or a progress notification), so a write backlog wakes no one early; while any
 * waits, the store watch is asked for a progress notification (a kind that saw no change has no
 * event to deliver), at most one request at a time per cache, however many wait.
 */
public final class WatchCache<T extends Message> implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(WatchCache.class);

  /**
   * Told every current object when the cache (re)starts, then each change (previous and current,
   * either may be null). Called under the cache's lock, in order: keep it quick (a listener that
   * needs whole objects decodes them, see {@link CachedObject#object}).
   */
  public interface Listener<T extends Message> {
    void reset(Collection<CachedObject<T>> objects);

    void changed(CachedObject<T> previous, CachedObject<T> current);
  }

  /** One change, with the object before and after (either may be null). */
  record CachedEvent<T extends Message>(long revision, CachedObject<T> previous, CachedObject<T> current) {}

  private final Kind<T> kind;
  private final KeyValueStore store;
  /** Reads the objects' selector fields; used under the lock only (its shared-string table is not thread-safe). */
  private final SelectorFieldReader selectorFields;
  private final int windowSize;
  private final int watcherBufferSize;

  /** How soon a progress request the store watch declined (it was still replaying) is asked again. */
  private static final Duration PROGRESS_RETRY = Duration.ofMillis(50);
  /**
   * After this long unanswered, a progress request is taken for lost (a binding may drop one when
   * it reconnects its stream), and the next read that waits asks again rather than time out.
   */
  private static final Duration PROGRESS_ANSWER_LOST = Duration.ofSeconds(1);
  /** Retries declined progress requests of every cache; it only ever asks, so one thread serves all. */
  private static final ScheduledExecutorService PROGRESS_RETRIES = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "watch-cache-progress-retry");
    t.setDaemon(true);
    return t;
  });

  private final Object lock = new Object();
  /**
   * By store key, in the store's (unsigned byte) order, so pages come out as the store's would;
   * keyed by StoreKey rather than ByteString, whose comparison is many times slower.
   */
  private final NavigableMap<StoreKey, CachedObject<T>> objects = new TreeMap<>();
  private final ArrayDeque<CachedEvent<T>> window = new ArrayDeque<>();
  private final List<Watcher<T>> watchers = new CopyOnWriteArrayList<>();
  private final List<Listener<T>> listeners = new CopyOnWriteArrayList<>();
  private boolean started;
  private long revision;
  /** Every event after this revision is still in the window. */
  private long oldestResumable;
  private StoreWatch storeWatch;
  private boolean closed;
  /** Consistent reads waiting for the cache to reach a revision, by that revision. */
  private final NavigableMap<Long, List<CompletableFuture<Boolean>>> waiters = new TreeMap<>();
  /** Whether a progress request is out (asked and not yet answered) or a declined one awaits its retry. */
  private boolean progressPending;
  /** System.nanoTime() when the pending progress request was made. */
  private long progressRequestedNanos;
  /** Numbers the progress requests, so a late "declined" of an old one is not taken for the current one's. */
  private long progressRequests;
  /** Copies of the sizes, written under the lock, read without it by the metrics scrape. */
  private volatile int cachedObjects;
  private volatile int windowEvents;

  public WatchCache(Kind<T> kind, KeyValueStore store, int windowSize, int watcherBufferSize) {
    this.kind = kind;
    this.store = store;
    this.selectorFields = new SelectorFieldReader(kind);
    this.windowSize = windowSize;
    this.watcherBufferSize = watcherBufferSize;
  }

  /** Lists the kind and starts the store watch right after the list's revision. */
  public void start() {
    ByteString prefix = StoreKeys.prefix(kind, "");
    RangeResponse r;
    try {
      r = store.range(RangeRequest.newBuilder().setKey(prefix).setRangeEnd(StoreKeys.rangeEnd(prefix)).build()).get();
    } catch (Exception e) {
      throw new IllegalStateException("cannot list " + kind.resource() + " for the watch cache", e);
    }
    long ask;
    synchronized (lock) {
      objects.clear();
      window.clear();
      for (KeyValue kv : r.getKvsList()) {
        objects.put(StoreKey.of(kv.getKey()), cached(kv));
      }
      revision = r.getHeader().getRevision();
      oldestResumable = revision;
      cachedObjects = objects.size();
      windowEvents = 0;
      started = true;
      listeners.forEach(l -> l.reset(objects.values()));
      storeWatch = store.watch(WatchCreateRequest.newBuilder().setKey(prefix)
          .setRangeEnd(StoreKeys.rangeEnd(prefix)).setStartRevision(revision + 1).setPrevKv(true).build(),
          new Feed());
      // A request made of the previous store watch will never be answered.
      progressPending = false;
      releaseWaiters();
      ask = claimProgressRequest();
    }
    requestProgress(ask);
  }

  public Kind<T> kind() {
    return kind;
  }

  /** Adds a listener; one added after the start is told the current objects at once. */
  public void addListener(Listener<T> listener) {
    synchronized (lock) {
      listeners.add(listener);
      if (started) {
        listener.reset(objects.values());
      }
    }
  }

  /** Whether the cache holds the kind's objects (it has listed them and is not closed). */
  public boolean serving() {
    synchronized (lock) {
      return started && !closed;
    }
  }

  /** The revision of the newest event the cache has applied. */
  public long revision() {
    synchronized (lock) {
      return revision;
    }
  }

  public int size() {
    synchronized (lock) {
      return objects.size();
    }
  }

  /** How many objects the cache holds, as of the last event applied; never waits for the lock. */
  public int cachedObjects() {
    return cachedObjects;
  }

  /** How many recent events the window keeps, as of the last event applied; never waits for the lock. */
  public int windowEvents() {
    return windowEvents;
  }

  public int watcherCount() {
    return watchers.size();
  }

  /**
   * Registers a watcher. With {@code fromRevision < 0} it first receives every current matching
   * object as ADDED; otherwise every event after {@code fromRevision}, which must lie within the
   * window (OUT_OF_RANGE otherwise).
   */
  public Watcher<T> watch(long fromRevision, ObjectFilter<T> filter, boolean bookmarks, WatchSink<T> sink) {
    synchronized (lock) {
      if (closed) {
        throw Status.UNAVAILABLE.withDescription("apiserver is shutting down").asRuntimeException();
      }
      if (fromRevision >= 0 && fromRevision < oldestResumable) {
        throw Status.OUT_OF_RANGE.withDescription("too old resource version: " + fromRevision
            + " (" + oldestResumable + ")").asRuntimeException();
      }
      Watcher<T> w = new Watcher<>(filter, bookmarks, sink, watcherBufferSize, fromRevision < 0 ? revision : fromRevision,
          watchers::remove);
      if (fromRevision < 0) {
        for (CachedObject<T> obj : objects.values()) {
          if (filter.matches(obj)) {
            w.offer(new SharedEvent<>(WatchEvent.ADDED, obj), revision);
          }
        }
      } else {
        for (CachedEvent<T> e : window) {
          if (e.revision() > fromRevision) {
            w.deliver(e);
          }
        }
      }
      watchers.add(w);
      w.flush();
      return w;
    }
  }

  /**
   * One page of cached objects: the items (encoded; decoding is the caller's, outside the cache's
   * lock), the cache revision they are at, and where the next page starts.
   */
  public record Page<T extends Message>(List<CachedObject<T>> items, long revision, ByteString nextKey) {
    /** Whether keys follow the page's last item (a continue token is due). */
    public boolean more() {
      return nextKey != null;
    }
  }

  /**
   * Waits until the cache reflects the store at {@code storeRevision} or later. Answers false when
   * the cache did not catch up within {@code timeout} (or is not running), and the caller then
   * reads the store instead.
   */
  public boolean awaitRevision(long storeRevision, Duration timeout) throws InterruptedException {
    CompletableFuture<Boolean> reached = revisionReached(storeRevision);
    try {
      return reached.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      forget(storeRevision, reached);
      return false;
    } catch (InterruptedException e) {
      forget(storeRevision, reached);
      throw e;
    } catch (ExecutionException e) {
      throw new IllegalStateException("waiting for the watch cache of " + kind.resource(), e.getCause());
    }
  }

  /**
   * Completes with true once the cache has reached {@code storeRevision} (at once if it has), with
   * false if the cache closes first or is not running. A caller that stops waiting before then
   * must {@link #forget} it.
   */
  CompletableFuture<Boolean> revisionReached(long storeRevision) {
    CompletableFuture<Boolean> reached = new CompletableFuture<>();
    long ask;
    synchronized (lock) {
      if (revision >= storeRevision) {
        return CompletableFuture.completedFuture(true);
      }
      if (closed || !started || storeWatch == null) {
        return CompletableFuture.completedFuture(false);
      }
      waiters.computeIfAbsent(storeRevision, r -> new ArrayList<>()).add(reached);
      // A kind that saw no change has no event to deliver: the store watch must say how far it is.
      ask = claimProgressRequest();
    }
    requestProgress(ask);
    return reached;
  }

  /** Drops a waiter that gave up. */
  void forget(long storeRevision, CompletableFuture<Boolean> reached) {
    synchronized (lock) {
      List<CompletableFuture<Boolean>> atRevision = waiters.get(storeRevision);
      if (atRevision != null && atRevision.remove(reached) && atRevision.isEmpty()) {
        waiters.remove(storeRevision);
      }
    }
  }

  /** How many reads wait for the cache to catch up. */
  int waiting() {
    synchronized (lock) {
      return waiters.values().stream().mapToInt(List::size).sum();
    }
  }

  // Guarded by lock. Completes the waiters the cache's revision has reached, lowest first.
  private void releaseWaiters() {
    NavigableMap<Long, List<CompletableFuture<Boolean>>> reached = waiters.headMap(revision, true);
    for (List<CompletableFuture<Boolean>> atRevision : reached.values()) {
      atRevision.forEach(f -> f.complete(true));
    }
    reached.clear();
  }

  /**
   * Guarded by lock. Whether a progress request is due (some wait, none is out): if so, marks one
   * out and answers its number, else 0. The caller asks with {@link #requestProgress} outside the
   * lock: a store binding may deliver to the feed, which takes the lock, while being asked.
   */
  private long claimProgressRequest() {
    long now = System.nanoTime();
    boolean lost = progressPending && now - progressRequestedNanos > PROGRESS_ANSWER_LOST.toNanos();
    if ((progressPending && !lost) || waiters.isEmpty() || closed || storeWatch == null) {
      return 0;
    }
    progressPending = true;
    progressRequestedNanos = now;
    return ++progressRequests;
  }

  private void requestProgress(long request) {
    if (request == 0) {
      return;
    }
    StoreWatch watch;
    synchronized (lock) {
      if (request != progressRequests || !progressPending) {
        return;
      }
      watch = storeWatch;
    }
    if (watch.requestProgress()) {
      return;
    }
    // Declined (the watch is still replaying history, say): ask again shortly, if still needed.
    PROGRESS_RETRIES.schedule(() -> retryProgress(request), PROGRESS_RETRY.toNanos(), TimeUnit.NANOSECONDS);
  }

  private void retryProgress(long declined) {
    long ask;
    synchronized (lock) {
      if (declined != progressRequests || !progressPending) {
        return;
      }
      progressPending = false;
      ask = claimProgressRequest();
    }
    requestProgress(ask);
  }

  /** The cached object under store key {@code key}, or null when the cache holds none. */
  public CachedObject<T> get(ByteString key) {
    synchronized (lock) {
      return objects.get(StoreKey.of(key));
    }
  }

  /**
   * Up to {@code limit} (0: all) cached objects under {@code prefix} that match {@code filter}, in
   * key order, starting at key {@code from} (inclusive), at the cache's current revision.
   */
  public Page<T> page(ByteString prefix, ByteString from, ObjectFilter<T> filter, long limit) {
    synchronized (lock) {
      List<CachedObject<T>> items = new ArrayList<>();
      ByteString end = StoreKeys.rangeEnd(prefix);
      var range = objects.subMap(StoreKey.of(from), true, StoreKey.of(end), false);
      for (Map.Entry<StoreKey, CachedObject<T>> e : range.entrySet()) {
        if (limit > 0 && items.size() == limit) {
          return new Page<>(items, revision, e.getKey().toByteString());
        }
        if (filter.matches(e.getValue())) {
          items.add(e.getValue());
        }
      }
      return new Page<>(items, revision, null);
    }
  }

  /** Sends a BOOKMARK with the current revision to watchers that asked for bookmarks. */
  public void bookmark() {
    long rev = revision();
    for (Watcher<T> w : watchers) {
      w.bookmark(kind, rev);
    }
  }

  @Override
  public void close() {
    synchronized (lock) {
      closed = true;
      if (storeWatch != null) {
        storeWatch.close();
      }
      waiters.values().forEach(atRevision -> atRevision.forEach(f -> f.complete(false)));
      waiters.clear();
    }
    for (Watcher<T> w : watchers) {
      w.terminate(Status.UNAVAILABLE.withDescription("apiserver is shutting down"));
    }
  }

  private void apply(long rev, List<Event> events) {
    synchronized (lock) {
      List<CachedEvent<T>> batch = new ArrayList<>(events.size());
      for (Event e : events) {
        StoreKey key = StoreKey.of(e.getKv().getKey());
        CachedObject<T> previous = objects.get(key);
        CachedObject<T> current = null;
        if (e.getType() == Event.EventType.PUT) {
          current = cached(e.getKv());
          objects.put(key, current);
        } else {
          objects.remove(key);
          if (previous == null && e.hasPrevKv()) {
            previous = cached(e.getPrevKv());
          }
          if (previous != null) {
            // Kubernetes stamps a deleted object with the revision of its deletion.
            previous = previous.atRevision(rev);
          }
        }
        CachedEvent<T> ce = new CachedEvent<>(rev, previous, current);
        for (Listener<T> l : listeners) {
          l.changed(previous, current);
        }
        batch.add(ce);
        window.addLast(ce);
      }
      while (window.size() > windowSize) {
        oldestResumable = Math.max(oldestResumable, window.removeFirst().revision());
      }
      revision = rev;
      cachedObjects = objects.size();
      windowEvents = window.size();
      releaseWaiters();
      if (!watchers.isEmpty()) {
        List<Fanout<T>> shared = new ArrayList<>(batch.size());
        for (CachedEvent<T> ce : batch) {
          shared.add(new Fanout<>(ce));
        }
        for (Watcher<T> w : watchers) {
          for (int i = 0; i < batch.size(); i++) {
            w.deliver(batch.get(i), shared.get(i));
          }
          w.flush();
        }
      }
    }
  }

  // Guarded by lock (the reader's shared strings).
  private CachedObject<T> cached(KeyValue kv) {
    return CachedObject.of(kind, selectorFields, kv.getValue(), kv.getModRevision());
  }

  private void restart(String why) {
    log.warn("watch cache of {} restarts: {}", kind.resource(), why);
    for (Watcher<T> w : watchers) {
      w.terminate(Status.OUT_OF_RANGE.withDescription("watch cache of " + kind.resource()
          + " was reset (" + why + "); relist"));
    }
    synchronized (lock) {
      if (closed) {
        return;
      }
      if (storeWatch != null) {
        storeWatch.close();
      }
    }
    try {
      start();
    } catch (RuntimeException e) {
      log.error("watch cache of {} could not restart", kind.resource(), e);
    }
  }

  /** Receives the store watch. */
  private final class Feed implements StoreWatchListener {
    @Override
    public void onEvents(long rev, List<Event> events) {
      apply(rev, events);
    }

    @Override
    public void onProgress(long rev) {
      long ask;
      synchronized (lock) {
        // Nothing of this kind changed up to rev: the cache is as current as the store was then.
        if (rev > revision) {
          revision = rev;
        }
        releaseWaiters();
        // The request is answered; those still waiting read the store after it was asked.
        progressPending = false;
        ask = claimProgressRequest();
      }
      requestProgress(ask);
    }

    @Override
    public void onCompacted(long compactRevision) {
      restart("store compacted to " + compactRevision);
    }

    @Override
    public void onError(Throwable error) {
      synchronized (lock) {
        if (closed) {
          return;
        }
      }
      restart(String.valueOf(error));
    }
  }
}
