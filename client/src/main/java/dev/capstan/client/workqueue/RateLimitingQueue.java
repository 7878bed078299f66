package dev.capstan.client.workqueue;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;

/**
 * A work queue of keys for controllers, with client-go's guarantees:
 *
 * <ul>
 *   <li>A key is queued at most once: adding a key that is already waiting is a no-op.
 *   <li>A key is processed by one worker at a time: a key added while a worker holds it (between
 *       {@link #take} and {@link #done}) is queued again only when {@link #done} is called.
 *   <li>{@link #addAfter} and {@link #addAt} delay a key on the injected {@link Clock}; a key
 *       added with several delays becomes ready at the earliest of them.
 *   <li>{@link #addRateLimited} delays a key by {@code baseDelay * 2^failures} (capped at
 *       {@code maxDelay}) of real time; {@link #forget} resets the key's failure count after a
 *       success.
 *   <li>After {@link #shutDown} adds are ignored, delayed keys are dropped, and {@link #take}
 *       hands out what is still queued, then returns {@code null}.
 * </ul>
 *
 * <p>Two time lines. A delay the caller asks for ({@link #addAfter}, {@link #addAt}) is part of the
 * controller's logic (a CronJob's next schedule, minReadySeconds, a node's grace period) and is
 * measured on the injected clock, so a test that moves its clock moves these. A back-off after a
 * failure ({@link #addRateLimited}) is about the failed call, not about that logic, and is measured
 * on monotonic real time ({@link System#nanoTime}): on a frozen test clock a retry would otherwise
 * wait for ever, and a wall-clock step cannot stretch or skip it. A key waiting on both time lines
 * becomes ready at whichever comes first, and then waits on neither (the sync it gets asks again
 * for what it still needs).
 *
 * <p>There is no timer thread: the queue moves keys whose time has come into the ready queue
 * whenever it is used, and a blocked {@link #take} re-reads a non-system clock at least every
 * {@value #CLOCK_POLL_MILLIS} ms, so a manually advanced test clock is noticed promptly (a system
 * clock and back-offs are simply waited for). Thread-safe.
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
  /** Monotonic nanoseconds, for back-offs; {@link System#nanoTime} but in tests. */
  private final LongSupplier nanoTime;
  /** The monotonic time line's origin: back-offs are kept as nanoseconds since, which never overflow. */
  private final long startNanos;
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
  /** Keys waiting for a delay on the clock ({@link #addAfter}, {@link #addAt}). */
  private final DelayedKeys<K, Instant> scheduled = new DelayedKeys<>();
  /** Keys backing off after a failure ({@link #addRateLimited}), at nanoseconds since {@link #startNanos}. */
  private final DelayedKeys<K, Long> backingOff = new DelayedKeys<>();
  /** When each dirty key was first added, and when each processing key was taken (timed queues only). */
  private final Map<K, Long> addedAt = new HashMap<>();
  private final Map<K, Long> takenAt = new HashMap<>();
  private boolean shuttingDown;

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
    this(name, clock, baseDelay, maxDelay, metrics, System::nanoTime);
  }

  /** With back-offs measured on {@code nanoTime} instead of {@link System#nanoTime}: for tests. */
  RateLimitingQueue(String name, Clock clock, Duration baseDelay, Duration maxDelay, QueueMetrics metrics,
      LongSupplier nanoTime) {
    this.nanoTime = Objects.requireNonNull(nanoTime, "nanoTime");
    this.startNanos = nanoTime.getAsLong();
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
      if (scheduled.offer(key, readyAt)) {
        // A taker waiting for a later key must recompute how long to wait.
        changed.signalAll();
      }
    } finally {
      lock.unlock();
    }
  }

  /**
   * Queues the key after its backoff, {@code baseDelay * 2^numRequeues(key)} (capped) of real
   * time, whatever the injected clock does.
   */
  public void addRateLimited(K key) {
    Objects.requireNonNull(key, "key");
    Duration delay = backoff.when(key);
    lock.lock();
    try {
      if (shuttingDown) {
        return;
      }
      metrics.retried();
      if (backingOff.offer(key, elapsedNanos() + delay.toNanos())) {
        changed.signalAll();
      }
    } finally {
      lock.unlock();
    }
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
        long wait = Long.MAX_VALUE;
        Instant scheduledAt = scheduled.earliest();
        if (scheduledAt != null) {
          long untilReady = Duration.between(clock.instant(), scheduledAt).toNanos();
          wait = realTime ? untilReady : Math.min(untilReady, TimeUnit.MILLISECONDS.toNanos(CLOCK_POLL_MILLIS));
        }
        Long backOffEnd = backingOff.earliest();
        if (backOffEnd != null) {
          wait = Math.min(wait, backOffEnd - elapsedNanos());
        }
        if (wait == Long.MAX_VALUE) {
          changed.await();
        } else {
          changed.awaitNanos(Math.max(1, wait));
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

  /**
   * The number of keys waiting for a delay ({@link #addAfter}, {@link #addRateLimited}) to pass; a
   * key waiting on both time lines counts twice.
   */
  public int delayedLength() {
    lock.lock();
    try {
      promoteDue();
      return scheduled.size() + backingOff.size();
    } finally {
      lock.unlock();
    }
  }

  /** Stops accepting keys and drops delayed ones; blocked {@link #take} calls return null once drained. */
  public void shutDown() {
    lock.lock();
    try {
      shuttingDown = true;
      scheduled.clear();
      backingOff.clear();
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

  /** Moves every delayed key whose time has come, on either time line, to the ready queue. */
  private void promoteDue() {
    if (!scheduled.isEmpty()) {
      for (K key : scheduled.pollDue(clock.instant())) {
        backingOff.remove(key);
        addLocked(key);
      }
    }
    if (!backingOff.isEmpty()) {
      for (K key : backingOff.pollDue(elapsedNanos())) {
        scheduled.remove(key);
        addLocked(key);
      }
    }
  }

  private long elapsedNanos() {
    return nanoTime.getAsLong() - startNanos;
  }
}
