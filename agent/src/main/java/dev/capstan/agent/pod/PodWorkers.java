package dev.capstan.agent.pod;

import dev.capstan.api.core.v1.Pod;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One worker per pod uid (kubelet's pod workers). Updates from the API, container events and
 * timers only mark a pod dirty; its worker then runs {@link PodSyncer} passes one at a time with
 * the newest pod, so passes of one pod never overlap while different pods proceed in parallel
 * (a long graceful stop blocks only its own pod). A pod marked for deletion, or gone from the API,
 * is terminated; the worker ends when that finishes.
 *
 * <p>Passes run again when a back-off ends ({@link SyncResult#wakeAt()}), after a failure (with
 * exponential delay, 0.5 s doubling to 30 s), and for every pod each resync period as a safety net;
 * the same timer also tears down pods the runtime holds but no worker knows.
 */
public final class PodWorkers implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(PodWorkers.class);
  private static final Duration FIRST_ERROR_DELAY = Duration.ofMillis(500);
  private static final Duration MAX_ERROR_DELAY = Duration.ofSeconds(30);

  private final PodSyncer syncer;
  private final Clock clock;
  private final ExecutorService executor;
  private final ScheduledExecutorService timer;
  private final Map<String, Worker> workers = new ConcurrentHashMap<>();
  /** Uids of pods that ran before this agent started, until their first sync (see {@link #adoptRunningPods}). */
  private final Set<String> toAdopt = ConcurrentHashMap.newKeySet();
  private volatile boolean closed;

  private static final class Worker {
    final String uid;
    Pod pod;
    boolean removedFromApi;
    boolean running;
    boolean dirty;
    boolean finished;
    int failures;
    ScheduledFuture<?> wakeup;
    Instant wakeupAt;

    Worker(String uid) {
      this.uid = uid;
    }
  }

  /** @param resyncPeriod how often every pod is synced even without a change */
  public PodWorkers(PodSyncer syncer, Clock clock, Duration resyncPeriod) {
    this.syncer = syncer;
    this.clock = clock;
    this.executor = Executors.newCachedThreadPool(daemon("pod-worker"));
    this.timer = Executors.newSingleThreadScheduledExecutor(daemon("pod-workers-timer"));
    long period = resyncPeriod.toMillis();
    timer.scheduleWithFixedDelay(this::resync, period, period, TimeUnit.MILLISECONDS);
  }

  /**
   * Notes the pods the runtime already runs, left by an agent before this one (after a restart or
   * a crash), so that their first sync is reported as an adoption: the syncer finds their
   * sandboxes and containers by label and keeps them. Call before the first {@link #updatePod}.
   *
   * @return how many pods were found
   */
  public int adoptRunningPods() {
    List<Pod> running = syncer.runtimePods();
    for (Pod p : running) {
      toAdopt.add(p.getMetadata().getUid());
    }
    if (!running.isEmpty()) {
      log.info("found {} pod(s) running from before this agent started", running.size());
    }
    return running.size();
  }

  /** A pod bound to this node was added or changed. */
  public void updatePod(Pod pod) {
    Worker w = workers.computeIfAbsent(pod.getMetadata().getUid(), Worker::new);
    synchronized (w) {
      if (w.removedFromApi) {
        return; // a late update of a pod already gone
      }
      w.pod = pod;
    }
    schedule(w);
  }

  /** A pod bound to this node is gone from the API: kill whatever still runs of it. */
  public void removePod(Pod pod) {
    Worker w = workers.computeIfAbsent(pod.getMetadata().getUid(), Worker::new);
    synchronized (w) {
      w.pod = pod;
      w.removedFromApi = true;
    }
    schedule(w);
  }

  /** Something changed for this pod (e.g. a container exited): sync it soon. */
  public void syncPod(String uid) {
    Worker w = workers.get(uid);
    if (w != null) {
      schedule(w);
    }
  }

  /** The pod with this namespace and name that a worker holds, including terminating ones. */
  public Optional<Pod> pod(String namespace, String name) {
    for (Worker w : workers.values()) {
      Pod p;
      synchronized (w) {
        p = w.pod;
      }
      if (p != null && p.getMetadata().getNamespace().equals(namespace) && p.getMetadata().getName().equals(name)) {
        return Optional.of(p);
      }
    }
    return Optional.empty();
  }

  /** Whether a worker for this pod uid exists (it runs or is being torn down). */
  public boolean known(String uid) {
    return workers.containsKey(uid);
  }

  /** Syncs every pod and tears down pods only the runtime still knows. */
  public void resync() {
    if (closed) {
      return;
    }
    workers.values().forEach(this::schedule);
    try {
      for (Pod orphan : syncer.runtimePods()) {
        if (!workers.containsKey(orphan.getMetadata().getUid())) {
          log.info("tearing down pod {}/{} ({}) that is no longer bound here", orphan.getMetadata().getNamespace(),
              orphan.getMetadata().getName(), orphan.getMetadata().getUid());
          removePod(orphan);
        }
      }
    } catch (RuntimeException e) {
      log.warn("housekeeping failed: {}", e.toString());
    }
  }

  private void schedule(Worker w) {
    synchronized (w) {
      if (w.finished || closed || w.pod == null) {
        return;
      }
      if (w.running) {
        w.dirty = true;
        return;
      }
      w.running = true;
      w.dirty = false;
    }
    try {
      executor.execute(() -> run(w));
    } catch (RejectedExecutionException e) {
      synchronized (w) {
        w.running = false;
      }
    }
  }

  private void run(Worker w) {
    while (true) {
      Pod pod;
      boolean removed;
      synchronized (w) {
        w.dirty = false;
        pod = w.pod;
        removed = w.removedFromApi;
      }
      SyncResult result;
      try {
        boolean terminate = removed || pod.getMetadata().hasDeletionTimestamp();
        result = terminate ? syncer.terminatePod(pod, removed) : syncer.syncPod(pod);
        w.failures = 0;
        if (!terminate && toAdopt.remove(w.uid)) {
          log.info("adopted pod {}/{} ({}): what it ran before this agent started keeps running",
              pod.getMetadata().getNamespace(), pod.getMetadata().getName(), w.uid);
        }
      } catch (RuntimeException e) {
        Duration delay = errorDelay(w.failures++);
        log.warn("syncing pod {}/{} failed (retry in {} ms): {}", pod.getMetadata().getNamespace(),
            pod.getMetadata().getName(), delay.toMillis(), e.toString());
        result = SyncResult.wakeAt(clock.instant().plus(delay));
      }
      synchronized (w) {
        if (result.finished()) {
          w.finished = true;
          w.running = false;
          cancelWakeup(w);
          workers.remove(w.uid, w);
          return;
        }
        if (result.wakeAt() != null) {
          wakeAt(w, result.wakeAt());
        }
        if (!w.dirty || closed) {
          w.running = false;
          return;
        }
      }
    }
  }

  /** Keeps the earliest pending wake-up of a worker. Called holding w. */
  private void wakeAt(Worker w, Instant at) {
    if (w.wakeup != null && !w.wakeup.isDone() && !w.wakeupAt.isAfter(at)) {
      return;
    }
    cancelWakeup(w);
    long delay = Math.max(0, Duration.between(clock.instant(), at).toMillis());
    w.wakeupAt = at;
    try {
      w.wakeup = timer.schedule(() -> schedule(w), delay, TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) {
      // closing
    }
  }

  private static void cancelWakeup(Worker w) {
    if (w.wakeup != null) {
      w.wakeup.cancel(false);
      w.wakeup = null;
    }
  }

  private static Duration errorDelay(int failures) {
    Duration d = FIRST_ERROR_DELAY;
    for (int i = 0; i < failures && d.compareTo(MAX_ERROR_DELAY) < 0; i++) {
      d = d.multipliedBy(2);
    }
    return d.compareTo(MAX_ERROR_DELAY) > 0 ? MAX_ERROR_DELAY : d;
  }

  /** Stops scheduling passes and waits briefly for running ones; does not touch containers. */
  @Override
  public void close() {
    closed = true;
    timer.shutdownNow();
    executor.shutdown();
    try {
      if (!executor.awaitTermination(5, TimeUnit.SECONDS)) {
        executor.shutdownNow();
      }
    } catch (InterruptedException e) {
      executor.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }

  /** Pods workers currently hold, for diagnostics. */
  public List<Pod> pods() {
    return workers.values().stream().map(w -> {
      synchronized (w) {
        return w.pod;
      }
    }).filter(p -> p != null).toList();
  }

  private static ThreadFactory daemon(String name) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, name + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }
}
