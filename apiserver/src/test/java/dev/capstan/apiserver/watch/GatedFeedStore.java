package dev.capstan.apiserver.watch;

import dev.capstan.etcd.etcdserverpb.WatchCreateRequest;
import dev.capstan.etcd.mvccpb.Event;
import dev.capstan.store.ForwardingKeyValueStore;
import dev.capstan.store.KeyValueStore;
import dev.capstan.store.StoreWatch;
import dev.capstan.store.StoreWatchListener;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real store whose watches deliver only while the test lets them: while {@link #hold held},
 * every callback (events, progress notifications) is kept back in order, and {@link #releaseOne}
 * or {@link #release} hands them on. It counts the progress requests made of its watches and can
 * decline them (as a watch still replaying history does) or lose one. Reads and writes pass straight through.
 */
final class GatedFeedStore extends ForwardingKeyValueStore {
  private final Object gate = new Object();
  private final ArrayDeque<Runnable> heldBack = new ArrayDeque<>();
  private boolean held;
  private final AtomicInteger progressRequests = new AtomicInteger();
  private final AtomicBoolean declineProgress = new AtomicBoolean();
  private final AtomicBoolean dropNextProgressRequest = new AtomicBoolean();

  GatedFeedStore(KeyValueStore store) {
    super(store);
  }

  /** From now on keeps every watch callback back. */
  void hold() {
    synchronized (gate) {
      held = true;
    }
  }

  /** Hands on what was kept back and lets later callbacks through at once. */
  void release() {
    synchronized (gate) {
      held = false;
      while (!heldBack.isEmpty()) {
        heldBack.removeFirst().run();
      }
    }
  }

  /** Hands on the oldest callback kept back (and keeps holding the rest); false if there is none. */
  boolean releaseOne() {
    synchronized (gate) {
      Runnable next = heldBack.pollFirst();
      if (next != null) {
        next.run();
      }
      return next != null;
    }
  }

  /** How many callbacks are kept back. */
  int heldBack() {
    synchronized (gate) {
      return heldBack.size();
    }
  }

  int progressRequests() {
    return progressRequests.get();
  }

  /** Whether the watches answer progress requests with false (and ask the store nothing). */
  void declineProgress(boolean decline) {
    declineProgress.set(decline);
  }

  /** The next progress request is accepted (true) but never answered, as a stream that broke would lose it. */
  void dropNextProgressRequest() {
    dropNextProgressRequest.set(true);
  }

  @Override
  public StoreWatch watch(WatchCreateRequest request, StoreWatchListener listener) {
    StoreWatch watch = super.watch(request, new GatedListener(listener));
    return new StoreWatch() {
      @Override
      public boolean requestProgress() {
        progressRequests.incrementAndGet();
        if (dropNextProgressRequest.getAndSet(false)) {
          return true;
        }
        return !declineProgress.get() && watch.requestProgress();
      }

      @Override
      public void close() {
        watch.close();
      }
    };
  }

  // Under the gate, so callbacks of one watch still never run concurrently and keep their order.
  private void pass(Runnable callback) {
    synchronized (gate) {
      if (held) {
        heldBack.addLast(callback);
      } else {
        callback.run();
      }
    }
  }

  private final class GatedListener implements StoreWatchListener {
    private final StoreWatchListener listener;

    GatedListener(StoreWatchListener listener) {
      this.listener = listener;
    }

    @Override
    public void onEvents(long revision, List<Event> events) {
      pass(() -> listener.onEvents(revision, events));
    }

    @Override
    public void onProgress(long revision) {
      pass(() -> listener.onProgress(revision));
    }

    @Override
    public void onCompacted(long compactRevision) {
      pass(() -> listener.onCompacted(compactRevision));
    }

    @Override
    public void onError(Throwable error) {
      pass(() -> listener.onError(error));
    }
  }
}
