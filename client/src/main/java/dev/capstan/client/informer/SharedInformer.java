package dev.capstan.client.informer;

import com.google.protobuf.Message;
import dev.capstan.api.meta.v1.ListRequest;
import dev.capstan.client.ResourceClient;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Keeps a local, eventually consistent copy of one kind's objects and tells handlers about every
 * change: list, then watch from the list's resourceVersion, relisting when the watch fails or
 * answers OUT_OF_RANGE ("too old"). A relist is diffed against the cache, so a delete that
 * happened while disconnected still reaches {@link ResourceEventHandler#onDelete} with the
 * object's last known state.
 *
 * <p>Threads: a reflector thread lists and watches; a dispatcher thread applies the changes to the
 * cache and then calls the handlers, one at a time, in order. Handlers see the cache (through
 * {@link #lister()}) already updated. With a non-zero resync period every cached object is
 * re-delivered as {@code onUpdate(obj, obj)} once per period of the injected clock, so that
 * controllers periodically reconcile everything.
 *
 * <pre>{@code
 * SharedInformer<Pod> pods = new SharedInformer<>(client.pods(), "");
 * pods.addEventHandler(new ResourceEventHandler<>() {
 *   public void onAdd(Pod pod) { queue.add(Kinds.POD.key(pod)); }
 * });
 * pods.start();
 * pods.waitForCacheSync(Duration.ofSeconds(30));
 * }</pre>
 *
 * @param <T> the resource message
 */
public final class SharedInformer<T extends Message> implements AutoCloseable {
  private static final long JOIN_MILLIS = 5_000;

  private final String name;
  private final ObjectCache<T> cache;
  private final Lister<T> lister;
  private final EventDispatcher<T> dispatcher;
  private final Reflector<T> reflector;
  private final CountDownLatch stopped = new CountDownLatch(1);
  private Thread reflectorThread;
  private Thread dispatcherThread;
  private boolean started;
  private boolean closed;

  /** An informer over one namespace ("" = all namespaces), without resync. */
  public SharedInformer(ResourceClient<T> client, String namespace) {
    this(client, namespace, Duration.ZERO, Clock.systemUTC());
  }

  /**
   * An informer over one namespace ("" = all namespaces).
   *
   * @param resyncPeriod how often to re-deliver every cached object as an update; ZERO = never
   */
  public SharedInformer(ResourceClient<T> client, String namespace, Duration resyncPeriod, Clock clock) {
    this(client, ListRequest.newBuilder().setNamespace(namespace == null ? "" : namespace).build(),
        resyncPeriod, clock);
  }

  /**
   * An informer over the objects a list request selects: its namespace, label selector and field
   * selector (e.g. {@code spec.nodeName=node-1} for an agent's pods) apply to the list and the watch.
   */
  public SharedInformer(ResourceClient<T> client, ListRequest selection, Duration resyncPeriod, Clock clock) {
    this(client, selection, resyncPeriod, clock, null);
  }

  SharedInformer(ResourceClient<T> client, ListRequest selection, Duration resyncPeriod, Clock clock,
      Sleeper sleeper) {
    Objects.requireNonNull(client, "client");
    Objects.requireNonNull(selection, "selection");
    Objects.requireNonNull(resyncPeriod, "resyncPeriod");
    Objects.requireNonNull(clock, "clock");
    if (resyncPeriod.isNegative()) {
      throw new IllegalArgumentException("resyncPeriod must not be negative, got " + resyncPeriod);
    }
    this.name = "informer-" + client.kind().resource()
        + (selection.getNamespace().isEmpty() ? "" : "-" + selection.getNamespace());
    this.cache = new ObjectCache<>(client.kind());
    this.lister = new Lister<>(cache);
    this.dispatcher = new EventDispatcher<>(cache, resyncPeriod, clock);
    Sleeper backoff = sleeper != null ? sleeper
        : d -> stopped.await(d.toNanos(), TimeUnit.NANOSECONDS);
    this.reflector = new Reflector<>(client, selection, dispatcher, clock, backoff);
  }

  /**
   * Adds a handler. Before {@link #start} it will see the initial list as adds; later, it first gets
   * {@code onAdd} for every object already cached, then the changes that follow, like the others.
   */
  public void addEventHandler(ResourceEventHandler<T> handler) {
    Objects.requireNonNull(handler, "handler");
    dispatcher.addHandler(handler);
  }

  /** Starts listing and watching in the background; returns at once. Calling it again does nothing. */
  public synchronized void start() {
    if (closed) {
      throw new IllegalStateException(name + " is closed");
    }
    if (started) {
      return;
    }
    started = true;
    dispatcherThread = new Thread(dispatcher, name + "-dispatcher");
    dispatcherThread.setDaemon(true);
    dispatcherThread.start();
    reflectorThread = new Thread(reflector, name + "-reflector");
    reflectorThread.setDaemon(true);
    reflectorThread.start();
  }

  /** Blocks until the first list is in the cache and its adds were delivered, or the timeout passes. */
  public boolean waitForCacheSync(Duration timeout) {
    try {
      return dispatcher.awaitSynced(timeout);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** Whether the first list is in the cache and its adds were delivered to the handlers. */
  public boolean hasSynced() {
    return dispatcher.hasSynced();
  }

  public Lister<T> lister() {
    return lister;
  }

  /** The resourceVersion of the last list or watch event (including bookmarks) received; "" before the first list. */
  public String lastSyncResourceVersion() {
    return reflector.lastSyncResourceVersion();
  }

  /** Stops watching and dispatching; handlers get no more calls once this returns (unless called from one). */
  @Override
  public void close() {
    Thread reflectorT;
    Thread dispatcherT;
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      reflectorT = reflectorThread;
      dispatcherT = dispatcherThread;
    }
    stopped.countDown();
    reflector.stop();
    dispatcher.stop();
    if (reflectorT != null) {
      reflectorT.interrupt();
      join(reflectorT);
    }
    if (dispatcherT != null) {
      join(dispatcherT);
    }
  }

  @Override
  public String toString() {
    return name;
  }

  private static void join(Thread thread) {
    if (thread == Thread.currentThread()) {
      return;
    }
    try {
      thread.join(JOIN_MILLIS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
