package dev.capstan.client.workqueue;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Objects;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A work queue of keys for controllers, with client-go's guarantees:
 *
 * <ul>
 *   <li>A key is queued at most once: adding a key that is already waiting is a no-op.
 *   <li>A key is processed by one worker at a time: a key added while a worker holds it (between
 *       {@link #take} and {@link #done}) is queued again only when {@link #done} is called.
 *   <li>{@link #addAfter} delays a key on the injected {@link Clock}; a key added with several
 *       delays becomes ready at the earliest of them.
 *   <li>{@link #addRateLimited} delays a key by {@code baseDelay * 2^failures} (capped at
 *       {@code maxDelay}); {@link #forget} resets the key's failure count after a success.
 *   <li>After {@link #shutDown} adds are ignored, delayed keys are dropped, and {@link #take}
 *       hands out what is still queued, then returns {@code null}.
 * </ul>
 *
 * <p>Delays are measured on the injected clock. There is no timer thread: the queue moves keys
 * whose time has come into the ready queue whenever it is used, and a blocked {@link #take} re-reads
 * a non-system clock at least every {@value #CLOCK_POLL_MILLIS} ms, so a manually advanced test clock is
 * noticed promptly (a system clock is simply waited for). Thread-safe.
 *
 * <p>A queue given {@link QueueMetrics} reports adds, depth, retries, and how long keys waited and
 * were worked on, measured on {@link System#nanoTime} (real time, whatever the clock).
 *
 * @param <K> the key type, usually "namespace/name" strings; must have value equality
 */
public final class RateLimitingQueue<K> {
  public static final Duration DEFAULT_BASE_DELAY = Duration.ofMillis(5);
  public static final Duration DEFAULT_MAX_DELAY = Duration.ofSeconds(1000);
  static final long CLOCK_POLL_MILLIS = 20;

  private final String name;
  private final Clock clock;
  /** A system clock is followed by waiting exactly; any other clock is re-read while waiting. */
  private final boolean realTime;
  private final ItemExponentialBackoff<K> backoff;
  private final QueueMetrics metrics;
  /** Whether to time keys; false for {@link QueueMetrics#NONE}, which saves two map writes per key. */
  private final boolean timed;

  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();
  /** Keys ready to be taken, in order. */
  private final ArrayDeque<K> queue = new ArrayDeque<>();
  /** Keys that need processing: queued ones plus those re-added while being processed. */
  private final Set<K> dirty = new HashSet<>();
  /** Keys a worker holds. */
  private final Set<K> processing = new HashSet<>();
  /** Keys waiting for their delay, earliest first. */
  private final PriorityQueue<Delayed<K>> delayed =
      new PriorityQueue<>(Comparator.comparing(Delayed<K>::readyAt).thenComparingLong(Delayed::sequence));
  private final Map<K, Delayed<K>> delayedByKey = new HashMap<>();
  /** When each dirty key was first added, and when each processing key was taken (timed queues only). */
  private final Map<K, Long> addedAt = new HashMap<>();
  private final Map<K, Long> takenAt = new HashMap<>();
  private long sequence;
  private boolean shuttingDown;

  private record Delayed<K>(K key, Instant readyAt, long sequence) {}

  /** A queue whose rate limiter backs off per key from 5 ms up to 1000 s. */
  public RateLimitingQueue(String name, Clock clock) {
    this(name, clock, DEFAULT_BASE_DELAY, DEFAULT_MAX_DELAY);
  }

  public RateLimitingQueue(String name, Clock clock, Duration baseDelay, Duration maxDelay) {
    this(name, clock, baseDelay, maxDelay, QueueMetrics.NONE);
  }

  /** A queue whose rate limiter backs off per key from 5 ms up to 1000 s, reporting to {@code metrics}. */
  public RateLimitingQueue(String name, Clock clock, QueueMetrics metrics) {
    this(name, clock, DEFAULT_BASE_DELAY, DEFAULT_MAX_DELAY, metrics);
  }

  public RateLimitingQueue(String name, Clock clock, Duration baseDelay, Duration maxDelay, QueueMetrics metrics) {
    this.name = Objects.requireNonNull(name, "name");
    this.metrics = Objects.requireNonNull(metrics, "metrics");
    this.timed = metrics != QueueMetrics.NONE;
    this.clock = Objects.requireNonNull(clock, "clock");
    this.realTime = clock.getClass() == Clock.systemUTC().getClass();
    this.backoff = new ItemExponentialBackoff<>(baseDelay, maxDelay);
  }

  public String name() {
    return name;
  }

  /** Queues the key now, unless it is already queued; ignored after shut down. */
  public void add(K key) {
    Objects.requireNonNull(key, "key");
    lock.lock();
    try {
      promoteDue();
      addLocked(key);
    } finally {
      lock.unlock();
    }
  }

  /** Queues the key once {@code delay} has passed on the clock; zero or negative means now. */
  public void addAfter(K key, Duration delay) {
    Objects.requireNonNull(delay, "delay");
    addAt(key, delay.isZero() || delay.isNegative() ? null : clock.instant().plus(delay));
  }

  /**
   * Queues the key once the clock reaches {@code readyAt}; at once if it has. For work due at a
   * point in time (a schedule): a delay computed from an earlier reading of the clock would come
   * late by however long the caller took since.
   */
  public void addAt(K key, Instant readyAt) {
    Objects.requireNonNull(key, "key");
    lock.lock();
    try {
      if (shuttingDown) {
        return;
      }
      if (readyAt == null || !readyAt.isAfter(clock.instant())) {
        promoteDue();
        addLocked(key);
        return;
      }
      Delayed<K> existing = delayedByKey.get(key);
      if (existing != null) {
        if (!readyAt.isBefore(existing.readyAt())) {
          return;
        }
        delayed.remove(existing);
      }
      Delayed<K> entry = new Delayed<>(key, readyAt, sequence++);
      delayed.add(entry);
      delayedByKey.put(key, entry);
      // A taker waiting for a later key must recompute how long to wait.
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /** Queues the key after its backoff: {@code baseDelay * 2^numRequeues(key)}, capped. */
  public void addRateLimited(K key) {
    Objects.requireNonNull(key, "key");
    metrics.retried();
    addAfter(key, backoff.when(key));
  }

  /** Resets the key's failure count; call it when the key was processed successfully. */
  public void forget(K key) {
    backoff.forget(key);
  }

  /** How many times the key went through {@link #addRateLimited} since it was last forgotten. */
  public int numRequeues(K key) {
    return backoff.numRequeues(key);
  }

  /**
   * Blocks until a key is ready and hands it to the caller, who must call {@link #done} with it.
   * Returns {@code null} once the queue is shut down and nothing ready is left.
   */
  public K take() throws InterruptedException {
    lock.lockInterruptibly();
    try {
      while (true) {
        promoteDue();
        if (!queue.isEmpty()) {
          break;
        }
        if (shuttingDown) {
          return null;
        }
        Delayed<K> next = delayed.peek();
        if (next == null) {
          changed.await();
        } else {
          long untilReady = Duration.between(clock.instant(), next.readyAt()).toNanos();
          changed.awaitNanos(Math.max(1, realTime ? untilReady
              : Math.min(untilReady, TimeUnit.MILLISECONDS.toNanos(CLOCK_POLL_MILLIS))));
        }
      }
      K key = queue.poll();
      processing.add(key);
      dirty.remove(key);
      if (timed) {
        long now = System.nanoTime();
        Long added = addedAt.remove(key);
        takenAt.put(key, now);
        metrics.taken(added == null ? 0 : now - added);
        metrics.depth(queue.size());
      }
      return key;
    } finally {
      lock.unlock();
    }
  }

  /** Marks the key as no longer being processed; queues it again if it was added meanwhile. */
  public void done(K key) {
    Objects.requireNonNull(key, "key");
    lock.lock();
    try {
      boolean held = processing.remove(key);
      if (held && timed) {
        Long taken = takenAt.remove(key);
        metrics.done(taken == null ? 0 : System.nanoTime() - taken);
      }
      if (held && dirty.contains(key)) {
        queue.add(key);
        metrics.depth(queue.size());
        changed.signal();
      }
    } finally {
      lock.unlock();
    }
  }

  /** The number of keys ready to be taken (not counting delayed or in-process keys). */
  public int length() {
    lock.lock();
    try {
      promoteDue();
      return queue.size();
    } finally {
      lock.unlock();
    }
  }

  /** The number of keys waiting for a delay ({@link #addAfter}, {@link #addRateLimited}) to pass. */
  public int delayedLength() {
    lock.lock();
    try {
      promoteDue();
      return delayed.size();
    } finally {
      lock.unlock();
    }
  }

  /** Stops accepting keys and drops delayed ones; blocked {@link #take} calls return null once drained. */
  public void shutDown() {
    lock.lock();
    try {
      shuttingDown = true;
      delayed.clear();
      delayedByKey.clear();
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  public boolean isShutDown() {
    lock.lock();
    try {
      return shuttingDown;
    } finally {
      lock.unlock();
    }
  }

  @Override
  public String toString() {
    return "RateLimitingQueue[" + name + "]";
  }

  private void addLocked(K key) {
    if (shuttingDown || !dirty.add(key)) {
      return;
    }
    metrics.added();
    if (timed) {
      addedAt.put(key, System.nanoTime());
    }
    // A key being processed is queued again by done(), so that no two workers hold it.
    if (!processing.contains(key)) {
      queue.add(key);
      metrics.depth(queue.size());
      changed.signal();
    }
  }

  /** Moves every delayed key whose time has come to the ready queue. */
  private void promoteDue() {
    if (delayed.isEmpty()) {
      return;
    }
    Instant now = clock.instant();
    while (!delayed.isEmpty() && !delayed.peek().readyAt().isAfter(now)) {
      Delayed<K> due = delayed.poll();
      delayedByKey.remove(due.key());
      addLocked(due.key());
    }
  }
}
