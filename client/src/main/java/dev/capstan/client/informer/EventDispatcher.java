package dev.capstan.client.informer;

import com.google.protobuf.Message;
import dev.capstan.client.WatchEvent;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The informer's single dispatcher thread: applies lists and watch events to the cache in the
 * order the reflector received them, then notifies the handlers, and re-delivers the cache every
 * resync period. Producers (the reflector, gRPC watch threads, {@code addEventHandler}) only
 * enqueue, so a slow handler never blocks the watch stream.
 */
final class EventDispatcher<T extends Message> implements Runnable {
  private static final Logger log = LoggerFactory.getLogger(EventDispatcher.class);
  /** How often a waiting dispatcher re-reads a non-system clock, so that a manually advanced one is noticed. */
  static final long CLOCK_POLL_MILLIS = 20;

  private sealed interface Task<T> permits Replace, Event, AddHandler, Stop {}

  private record Replace<T>(List<T> items) implements Task<T> {}

  private record Event<T>(WatchEvent<T> event) implements Task<T> {}

  private record AddHandler<T>(ResourceEventHandler<T> handler) implements Task<T> {}

  private record Stop<T>() implements Task<T> {}

  private final ObjectCache<T> cache;
  private final Duration resyncPeriod;
  private final Clock clock;
  private final boolean realTime;
  private final LinkedBlockingQueue<Task<T>> tasks = new LinkedBlockingQueue<>();
  private final CountDownLatch synced = new CountDownLatch(1);
  /** Touched only by the dispatcher thread. */
  private final List<ResourceEventHandler<T>> handlers = new ArrayList<>();
  private Instant nextResync;
  private volatile boolean stopping;

  EventDispatcher(ObjectCache<T> cache, Duration resyncPeriod, Clock clock) {
    this.cache = cache;
    this.resyncPeriod = resyncPeriod;
    this.clock = clock;
    this.realTime = clock.getClass() == Clock.systemUTC().getClass();
  }

  /** A full list: the cache becomes exactly these objects. */
  void replace(List<T> items) {
    tasks.add(new Replace<>(List.copyOf(items)));
  }

  void event(WatchEvent<T> event) {
    tasks.add(new Event<>(event));
  }

  void addHandler(ResourceEventHandler<T> handler) {
    tasks.add(new AddHandler<>(handler));
  }

  /** Drops whatever is still queued: no handler is called after the current one returns. */
  void stop() {
    stopping = true;
    tasks.add(new Stop<>());
  }

  boolean hasSynced() {
    return synced.getCount() == 0;
  }

  boolean awaitSynced(Duration timeout) throws InterruptedException {
    return synced.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
  }

  @Override
  public void run() {
    try {
      while (true) {
        Task<T> task = nextTask();
        if (stopping || task instanceof Stop<T>) {
          return;
        }
        if (task != null) {
          apply(task);
        }
        resyncIfDue();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private Task<T> nextTask() throws InterruptedException {
    if (nextResync == null) {
      return tasks.take();
    }
    long untilResync = Duration.between(clock.instant(), nextResync).toMillis();
    return tasks.poll(Math.max(0, realTime ? untilResync : Math.min(untilResync, CLOCK_POLL_MILLIS)),
        TimeUnit.MILLISECONDS);
  }

  private void apply(Task<T> task) {
    if (task instanceof Replace<T> replace) {
      applyReplace(replace.items());
    } else if (task instanceof Event<T> event) {
      applyEvent(event.event());
    } else if (task instanceof AddHandler<T> add) {
      handlers.add(add.handler());
      for (T object : cache.list("", o -> true)) {
        call(add.handler(), h -> h.onAdd(object));
      }
    }
  }

  /** Diffs the cache against a fresh list: new objects are adds, changed ones updates, missing ones deletes. */
  private void applyReplace(List<T> items) {
    Map<String, T> previous = cache.replace(items);
    Set<String> present = new HashSet<>();
    for (T object : items) {
      String key = cache.key(object);
      present.add(key);
      T old = previous.get(key);
      if (old == null) {
        notifyHandlers(h -> h.onAdd(object));
      } else if (!old.equals(object)) {
        notifyHandlers(h -> h.onUpdate(old, object));
      }
    }
    for (Map.Entry<String, T> entry : previous.entrySet()) {
      if (!present.contains(entry.getKey())) {
        notifyHandlers(h -> h.onDelete(entry.getValue()));
      }
    }
    if (synced.getCount() > 0) {
      // The resync period starts before anyone waiting for the sync can move the clock.
      if (!resyncPeriod.isZero()) {
        nextResync = clock.instant().plus(resyncPeriod);
      }
      synced.countDown();
    }
  }

  private void applyEvent(WatchEvent<T> event) {
    T object = event.object();
    switch (event.type()) {
      case WatchEvent.ADDED, WatchEvent.MODIFIED -> {
        // ADDED for a known object (a re-watch replaying history) is an update, MODIFIED for an
        // unknown one an add: the cache is the truth the handlers see.
        T old = cache.put(object).orElse(null);
        if (old == null) {
          notifyHandlers(h -> h.onAdd(object));
        } else {
          notifyHandlers(h -> h.onUpdate(old, object));
        }
      }
      case WatchEvent.DELETED -> {
        cache.remove(object);
        notifyHandlers(h -> h.onDelete(object));
      }
      case WatchEvent.BOOKMARK -> { /* only advances the reflector's resourceVersion */ }
      default -> log.warn("{} informer: ignoring watch event of unknown type {}", cache.kind(), event.type());
    }
  }

  private void resyncIfDue() {
    if (nextResync == null || clock.instant().isBefore(nextResync)) {
      return;
    }
    nextResync = clock.instant().plus(resyncPeriod);
    for (T object : cache.list("", o -> true)) {
      notifyHandlers(h -> h.onUpdate(object, object));
    }
  }

  private void notifyHandlers(Consumer<ResourceEventHandler<T>> call) {
    for (ResourceEventHandler<T> handler : handlers) {
      call(handler, call);
    }
  }

  private void call(ResourceEventHandler<T> handler, Consumer<ResourceEventHandler<T>> call) {
    try {
      call.accept(handler);
    } catch (RuntimeException e) {
      log.error("{} informer: event handler {} failed", cache.kind(), handler, e);
    }
  }
}
