package dev.capstan.scheduler;

import dev.capstan.api.core.v1.Binding;
import dev.capstan.api.core.v1.Node;
import dev.capstan.api.core.v1.NodeCondition;
import dev.capstan.api.core.v1.Pod;
import dev.capstan.api.meta.v1.ObjectMeta;
import dev.capstan.api.meta.v1.ObjectReference;
import dev.capstan.client.CapstanClient;
import dev.capstan.client.events.EventRecorder;
import dev.capstan.client.informer.ResourceEventHandler;
import dev.capstan.client.informer.SharedInformer;
import dev.capstan.client.workqueue.RateLimitingQueue;
import dev.capstan.scheduler.cache.SchedulerCache;
import dev.capstan.scheduler.framework.PodLifecycle;
import dev.capstan.scheduler.framework.ScheduleResult;
import dev.capstan.scheduler.framework.SchedulingAlgorithm;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The default scheduler: binds each pending pod to a node, as Kubernetes' kube-scheduler.
 *
 * <p>It watches pods (all namespaces) and nodes through informers. A pod is pending when it is not
 * bound, not terminating, not terminal, and its spec.schedulerName is empty or
 * {@value PodLifecycle#DEFAULT_SCHEDULER_NAME}. Pending pods go on a queue; one scheduling thread
 * takes them one at a time and runs {@link SchedulingAlgorithm} (filter, score) against a snapshot
 * of the {@link SchedulerCache}. The chosen node is {@link SchedulerCache#assume assumed} at once
 * and the pods/binding call runs on a binder thread, so the next pod is placed on an up-to-date
 * view even before the informer reports the bind.
 *
 * <p>A pod that fits nowhere gets condition {@code PodScheduled=False} with reason Unschedulable and
 * a message such as "0/2 nodes are available: 2 Insufficient cpu.", a FailedScheduling event, and
 * is retried with per-pod exponential back-off (1 s doubling up to 10 s, Kubernetes' defaults) and
 * at once whenever a node is added or changes in a way that matters, or an assigned pod goes away.
 * A successful bind records a Scheduled event. Attempts, their latency and the pending pods are
 * reported to {@link SchedulerMetrics}.
 */
public final class Scheduler implements AutoCloseable {
  public static final String COMPONENT = PodLifecycle.DEFAULT_SCHEDULER_NAME;
  static final Duration INITIAL_BACKOFF = Duration.ofSeconds(1);
  static final Duration MAX_BACKOFF = Duration.ofSeconds(10);
  private static final Duration CACHE_SYNC_TIMEOUT = Duration.ofSeconds(30);
  private static final int BINDER_THREADS = 4;
  private static final int STATUS_UPDATE_ATTEMPTS = 3;
  private static final Logger log = LoggerFactory.getLogger(Scheduler.class);

  private final CapstanClient client;
  private final Clock clock;
  private final EventRecorder recorder;
  private final boolean ownsRecorder;
  private final SchedulerMetrics metrics;
  private final SchedulingAlgorithm algorithm = SchedulingAlgorithm.defaults();
  private final SchedulerCache cache = new SchedulerCache();
  private final SharedInformer<Pod> podInformer;
  private final SharedInformer<Node> nodeInformer;
  private final RateLimitingQueue<String> queue;
  /** Keys of pods whose last attempt found no node; retried when the cluster changes. */
  private final Set<String> unschedulable = ConcurrentHashMap.newKeySet();
  private final ExecutorService binder;
  private final Object lifecycle = new Object();
  private Thread schedulingThread;
  private volatile boolean closed;

  /** A scheduler with its own event recorder (component "default-scheduler") and unserved metrics. */
  public Scheduler(CapstanClient client, Clock clock) {
    this(client, clock, SchedulerMetrics.unserved());
  }

  /** A scheduler with its own event recorder (component "default-scheduler"). */
  public Scheduler(CapstanClient client, Clock clock, SchedulerMetrics metrics) {
    this(client, clock, new EventRecorder(client, COMPONENT, "", clock), true, metrics);
  }

  /** A scheduler that records events through {@code recorder}, which stays the caller's to close. */
  public Scheduler(CapstanClient client, Clock clock, EventRecorder recorder) {
    this(client, clock, recorder, false, SchedulerMetrics.unserved());
  }

  private Scheduler(CapstanClient client, Clock clock, EventRecorder recorder, boolean ownsRecorder,
      SchedulerMetrics metrics) {
    this.client = Objects.requireNonNull(client, "client");
    this.metrics = Objects.requireNonNull(metrics, "metrics");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.recorder = Objects.requireNonNull(recorder, "recorder");
    this.ownsRecorder = ownsRecorder;
    this.podInformer = new SharedInformer<>(client.pods(), "", Duration.ZERO, clock);
    this.nodeInformer = new SharedInformer<>(client.nodes(), "", Duration.ZERO, clock);
    this.queue = new RateLimitingQueue<>("scheduler", clock, INITIAL_BACKOFF, MAX_BACKOFF);
    AtomicInteger threads = new AtomicInteger();
    ThreadFactory binderThreads = r -> {
      Thread t = new Thread(r, "scheduler-binder-" + threads.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
    this.binder = Executors.newFixedThreadPool(BINDER_THREADS, binderThreads);
  }

  /** Starts the informers and the scheduling thread; returns at once. */
  public void start() {
    synchronized (lifecycle) {
      if (closed) {
        throw new IllegalStateException("scheduler is closed");
      }
      if (schedulingThread != null) {
        return;
      }
      podInformer.addEventHandler(new PodEvents());
      nodeInformer.addEventHandler(new NodeEvents());
      nodeInformer.start();
      podInformer.start();
      schedulingThread = new Thread(this::scheduleLoop, "scheduler");
      schedulingThread.setDaemon(true);
      schedulingThread.start();
      metrics.running(this);
    }
  }

  @Override
  public void close() {
    Thread t;
    synchronized (lifecycle) {
      if (closed) {
        return;
      }
      closed = true;
      t = schedulingThread;
    }
    metrics.stopped(this);
    queue.shutDown();
    if (t != null) {
      t.interrupt();
      join(t);
    }
    binder.shutdown();
    try {
      if (!binder.awaitTermination(10, TimeUnit.SECONDS)) {
        binder.shutdownNow();
      }
    } catch (InterruptedException e) {
      binder.shutdownNow();
      Thread.currentThread().interrupt();
    }
    podInformer.close();
    nodeInformer.close();
    if (ownsRecorder) {
      recorder.close();
    }
  }

  private void scheduleLoop() {
    if (!nodeInformer.waitForCacheSync(CACHE_SYNC_TIMEOUT) || !podInformer.waitForCacheSync(CACHE_SYNC_TIMEOUT)) {
      if (!closed) {
        log.warn("scheduler caches not synced within {}; scheduling on what is known so far", CACHE_SYNC_TIMEOUT);
      }
    }
    while (!closed) {
      String key;
      try {
        key = queue.take();
      } catch (InterruptedException e) {
        return;
      }
      if (key == null) {
        return;
      }
      long start = System.nanoTime();
      try {
        scheduleOne(key, start);
      } catch (RuntimeException e) {
        metrics.error(start);
        log.error("scheduling {} failed unexpectedly; retrying with back-off", key, e);
        queue.addRateLimited(key);
        queue.done(key);
      }
    }
  }

  /** One scheduling cycle for the pod with this key. Calls queue.done (here or after the bind). */
  private void scheduleOne(String key, long start) {
    Optional<Pod> current = podFromCache(key);
    if (current.isEmpty() || !PodLifecycle.isPendingFor(current.get(), COMPONENT) || cache.contains(key)) {
      // Deleted, bound, or already assumed and being bound: nothing to do.
      unschedulable.remove(key);
      queue.forget(key);
      queue.done(key);
      return;
    }
    Pod pod = current.get();
    ScheduleResult result;
    try {
      result = algorithm.schedule(pod, cache.snapshot());
    } catch (IllegalArgumentException badRequest) {
      metrics.error(start);
      failed(pod, key, badRequest.getMessage());
      return;
    }
    if (result instanceof ScheduleResult.Scheduled s) {
      Pod assumed = pod.toBuilder().setSpec(pod.getSpec().toBuilder().setNodeName(s.nodeName())).build();
      cache.assume(assumed);
      unschedulable.remove(key);
      log.debug("assumed {} on {} (score {}, {} feasible nodes)", key, s.nodeName(), s.score(), s.feasibleNodes());
      binder.execute(() -> bind(assumed, key, start));
    } else {
      metrics.unschedulable(start);
      failed(pod, key, ((ScheduleResult.Unschedulable) result).message());
    }
  }

  private void failed(Pod pod, String key, String message) {
    log.info("pod {} is unschedulable: {}", key, message);
    unschedulable.add(key);
    queue.addRateLimited(key);
    queue.done(key);
    recorder.event(pod, EventRecorder.WARNING, "FailedScheduling", message);
    binder.execute(() -> recordUnschedulable(pod.getMetadata().getNamespace(), pod.getMetadata().getName(),
        message));
  }

  private void bind(Pod assumed, String key, long start) {
    ObjectMeta meta = assumed.getMetadata();
    String nodeName = assumed.getSpec().getNodeName();
    Binding binding = Binding.newBuilder()
        .setMetadata(ObjectMeta.newBuilder().setNamespace(meta.getNamespace()).setName(meta.getName())
            .setUid(meta.getUid()))
        .setTarget(ObjectReference.newBuilder().setApiVersion("v1").setKind("Node").setName(nodeName))
        .build();
    try {
      client.pods().<Binding, Pod>call("Bind", binding);
      metrics.scheduled(start);
      queue.forget(key);
      log.info("bound {} to {}", key, nodeName);
      recorder.event(assumed, EventRecorder.NORMAL, "Scheduled",
          "Successfully assigned " + key + " to " + nodeName);
    } catch (StatusRuntimeException e) {
      metrics.error(start);
      cache.forget(assumed);
      if (e.getStatus().getCode() == Status.Code.NOT_FOUND) {
        queue.forget(key);
      } else {
        // Bound by someone else meanwhile, a conflict, or the apiserver is unreachable: try again
        // later; a pod that is bound by then is skipped.
        log.warn("binding {} to {} failed: {}", key, nodeName, e.getStatus());
        recorder.event(assumed, EventRecorder.WARNING, "FailedScheduling",
            "Binding rejected: " + e.getStatus().getDescription());
        queue.addRateLimited(key);
      }
    } catch (RuntimeException e) {
      metrics.error(start);
      cache.forget(assumed);
      log.error("binding {} to {} failed unexpectedly", key, nodeName, e);
      queue.addRateLimited(key);
    } finally {
      queue.done(key);
    }
  }

  /** Writes PodScheduled=False/Unschedulable on a fresh copy of the pod, retrying conflicts. */
  private void recordUnschedulable(String namespace, String name, String message) {
    for (int attempt = 1; attempt <= STATUS_UPDATE_ATTEMPTS && !closed; attempt++) {
      try {
        Pod fresh = client.pods().get(namespace, name);
        Optional<Pod> updated = UnschedulableCondition.apply(fresh, message, clock.instant());
        if (updated.isEmpty()) {
          return;
        }
        client.pods().updateStatus(updated.get());
        return;
      } catch (StatusRuntimeException e) {
        Status.Code code = e.getStatus().getCode();
        if (code == Status.Code.NOT_FOUND) {
          return;
        }
        if (code != Status.Code.ABORTED || attempt == STATUS_UPDATE_ATTEMPTS) {
          log.warn("could not record that {}/{} is unschedulable: {}", namespace, name, e.getStatus());
          return;
        }
      }
    }
  }

  /** Pods ready for an attempt now (for metrics). */
  int activePods() {
    return queue.length();
  }

  /** Pods waiting for their retry back-off (for metrics). */
  int backoffPods() {
    return queue.delayedLength();
  }

  /** Pods whose last attempt found no node (for metrics). */
  int unschedulablePods() {
    return unschedulable.size();
  }

  private Optional<Pod> podFromCache(String key) {
    int slash = key.indexOf('/');
    return podInformer.lister().get(key.substring(0, slash), key.substring(slash + 1));
  }

  /** Gives every pod that found no node another immediate attempt. */
  private void retryUnschedulable() {
    for (String key : List.copyOf(unschedulable)) {
      queue.add(key);
    }
  }

  private static void join(Thread t) {
    try {
      t.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Routes pod changes: assigned pods to the cache, pending pods to the queue. */
  private final class PodEvents implements ResourceEventHandler<Pod> {
    @Override
    public void onAdd(Pod pod) {
      if (PodLifecycle.isAssigned(pod)) {
        cache.addPod(pod);
      } else if (PodLifecycle.isPendingFor(pod, COMPONENT)) {
        queue.add(PodLifecycle.key(pod));
      }
    }

    @Override
    public void onUpdate(Pod oldPod, Pod newPod) {
      String key = PodLifecycle.key(newPod);
      if (PodLifecycle.isAssigned(newPod)) {
        cache.updatePod(newPod);
        unschedulable.remove(key);
        if (PodLifecycle.isTerminal(newPod) && !PodLifecycle.isTerminal(oldPod)) {
          retryUnschedulable(); // its node's resources were freed
        }
      } else if (PodLifecycle.isPendingFor(newPod, COMPONENT)
          && (!PodLifecycle.isPendingFor(oldPod, COMPONENT) || specOrMetadataChanged(oldPod, newPod))) {
        // Our own status writes (PodScheduled=False) change nothing that could make the pod fit.
        queue.add(key);
      } else if (!PodLifecycle.isPendingFor(newPod, COMPONENT)) {
        unschedulable.remove(key);
      }
    }

    @Override
    public void onDelete(Pod pod) {
      unschedulable.remove(PodLifecycle.key(pod));
      boolean counted = cache.contains(PodLifecycle.key(pod));
      cache.removePod(pod);
      if (counted) {
        retryUnschedulable();
      }
    }

    private boolean specOrMetadataChanged(Pod oldPod, Pod newPod) {
      return !strip(oldPod).equals(strip(newPod));
    }

    private Pod strip(Pod pod) {
      return pod.toBuilder().clearStatus()
          .setMetadata(pod.getMetadata().toBuilder().clearResourceVersion()).build();
    }
  }

  /** Keeps nodes in the cache and retries unschedulable pods when a node could now fit them. */
  private final class NodeEvents implements ResourceEventHandler<Node> {
    @Override
    public void onAdd(Node node) {
      if (addToCache(node)) {
        retryUnschedulable();
      }
    }

    @Override
    public void onUpdate(Node oldNode, Node newNode) {
      if (addToCache(newNode) && schedulingRelevantChange(oldNode, newNode)) {
        retryUnschedulable();
      }
    }

    @Override
    public void onDelete(Node node) {
      cache.removeNode(node.getMetadata().getName());
    }

    private boolean addToCache(Node node) {
      try {
        cache.addNode(node);
        return true;
      } catch (IllegalArgumentException e) {
        log.error("ignoring node {} with malformed status: {}", node.getMetadata().getName(), e.getMessage());
        return false;
      }
    }

    /** Heartbeats change only condition timestamps; they must not trigger a retry storm. */
    private boolean schedulingRelevantChange(Node oldNode, Node newNode) {
      return !oldNode.getSpec().equals(newNode.getSpec())
          || !oldNode.getMetadata().getLabelsMap().equals(newNode.getMetadata().getLabelsMap())
          || !oldNode.getStatus().getAllocatableMap().equals(newNode.getStatus().getAllocatableMap())
          || !oldNode.getStatus().getCapacityMap().equals(newNode.getStatus().getCapacityMap())
          || !readyStatus(oldNode).equals(readyStatus(newNode));
    }

    private String readyStatus(Node node) {
      for (NodeCondition c : node.getStatus().getConditionsList()) {
        if (c.getType().equals("Ready")) {
          return c.getStatus();
        }
      }
      return "";
    }
  }
}
