package dev.capstan.controllers.framework;

import dev.capstan.client.workqueue.RateLimitingQueue;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The work loop every controller shares, Kubernetes' pattern: event handlers put object keys on a
 * {@link RateLimitingQueue}; N worker threads each take a key, {@link Reconciler#reconcile} it, and
 * on success forget its failures, on failure put it back rate limited (exponential backoff per key,
 * on real time; see {@link RateLimitingQueue}), and finally mark it done. The queue guarantees that one key is never reconciled by two workers at
 * once and that a key added many times while waiting is reconciled once.
 *
 * <p>The loop reports its queue and the result of every reconciliation to its
 * {@link ControllerMetrics}, under the loop's name.
 */
public final class ControllerLoop implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ControllerLoop.class);
  private static final long JOIN_MILLIS = 10_000;

  private final String name;
  private final Reconciler reconciler;
  private final RateLimitingQueue<String> queue;
  private final ControllerMetrics.Loop metrics;
  private final List<Thread> workers = new ArrayList<>();
  private boolean started;

  /** A loop whose metrics nothing serves (see {@link ControllerMetrics#unserved}). */
  public ControllerLoop(String name, Clock clock, Reconciler reconciler) {
    this(name, clock, ControllerMetrics.unserved(), reconciler);
  }

  public ControllerLoop(String name, Clock clock, ControllerMetrics metrics, Reconciler reconciler) {
    this.name = Objects.requireNonNull(name, "name");
    this.metrics = metrics.forController(name);
    this.queue = new RateLimitingQueue<>(name, clock, this.metrics.queue());
    this.reconciler = Objects.requireNonNull(reconciler, "reconciler");
  }

  public String name() {
    return name;
  }

  /** Queues the key for reconciliation. */
  public void enqueue(String key) {
    queue.add(key);
  }

  /** Queues the key for reconciliation once {@code delay} has passed on the loop's clock. */
  public void enqueueAfter(String key, Duration delay) {
    queue.addAfter(key, delay);
  }

  /** Queues the key for reconciliation once the clock reaches {@code when} (at once if it has). */
  public void enqueueAt(String key, java.time.Instant when) {
    queue.addAt(key, when);
  }

  /** Keys waiting to be reconciled now, for tests and metrics. */
  public int queueLength() {
    return queue.length();
  }

  public synchronized void start(int workerCount) {
    if (workerCount < 1) {
      throw new IllegalArgumentException("workers: must be at least 1, got " + workerCount);
    }
    if (started) {
      throw new IllegalStateException(name + " already started");
    }
    if (queue.isShutDown()) {
      throw new IllegalStateException(name + " is closed");
    }
    started = true;
    for (int i = 0; i < workerCount; i++) {
      Thread t = new Thread(this::work, name + "-worker-" + i);
      t.setDaemon(true);
      workers.add(t);
      t.start();
    }
  }

  /** Reconciles one key from the queue; false once the queue is shut down and drained. */
  boolean processNextKey() throws InterruptedException {
    String key = queue.take();
    if (key == null) {
      return false;
    }
    try {
      reconciler.reconcile(key);
      queue.forget(key);
      metrics.success().inc();
    } catch (Exception e) {
      if (ApiErrors.isConflict(e)) {
        metrics.conflict().inc();
        log.debug("{}: conflict reconciling {}, retrying: {}", name, key, e.getMessage());
      } else {
        metrics.error().inc();
        log.warn("{}: error reconciling {} (retry {}): {}", name, key, queue.numRequeues(key) + 1, e.toString());
        log.debug("{}: error reconciling {}", name, key, e);
      }
      queue.addRateLimited(key);
    } finally {
      queue.done(key);
    }
    return true;
  }

  private void work() {
    try {
      while (processNextKey()) {
        // Keep going until shut down.
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException | Error e) {
      log.error("{}: worker died", name, e);
    }
  }

  /** Shuts the queue down and waits for the workers to finish their current keys. */
  @Override
  public void close() {
    List<Thread> toJoin;
    synchronized (this) {
      queue.shutDown();
      toJoin = List.copyOf(workers);
    }
    long deadline = System.nanoTime() + JOIN_MILLIS * 1_000_000;
    for (Thread t : toJoin) {
      if (t == Thread.currentThread()) {
        continue;
      }
      try {
        long left = Math.max(1, (deadline - System.nanoTime()) / 1_000_000);
        t.join(left);
        if (t.isAlive()) {
          t.interrupt();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }
}
