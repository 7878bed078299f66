package dev.capstan.controllers.framework;

import com.google.protobuf.Message;
import dev.capstan.client.CapstanClient;
import dev.capstan.client.Kind;
import dev.capstan.client.informer.SharedInformer;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One {@link SharedInformer} per kind, over all namespaces, shared by every controller that asks for
 * it: one list and one watch per kind however many controllers read it.
 */
public final class SharedInformerFactory implements AutoCloseable {
  private final CapstanClient client;
  private final Clock clock;
  private final Duration resyncPeriod;
  private final Map<Kind<?>, SharedInformer<?>> informers = new LinkedHashMap<>();
  private boolean closed;

  /** @param resyncPeriod how often every cached object is re-delivered; ZERO = never */
  public SharedInformerFactory(CapstanClient client, Clock clock, Duration resyncPeriod) {
    this.client = Objects.requireNonNull(client, "client");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.resyncPeriod = Objects.requireNonNull(resyncPeriod, "resyncPeriod");
  }

  /** The shared informer of the kind, created on first use. */
  public synchronized <T extends Message> SharedInformer<T> informerFor(Kind<T> kind) {
    if (closed) {
      throw new IllegalStateException("informer factory is closed");
    }
    @SuppressWarnings("unchecked")
    SharedInformer<T> informer = (SharedInformer<T>) informers.computeIfAbsent(kind,
        k -> new SharedInformer<>(client.resource(kind), "", resyncPeriod, clock));
    return informer;
  }

  /** Starts every informer created so far. */
  public synchronized void start() {
    informers.values().forEach(SharedInformer::start);
  }

  /** Waits until every informer has its first list; false if the timeout passes first. */
  public boolean waitForCacheSync(Duration timeout) {
    List<SharedInformer<?>> all;
    synchronized (this) {
      all = new ArrayList<>(informers.values());
    }
    long deadline = System.nanoTime() + timeout.toNanos();
    for (SharedInformer<?> informer : all) {
      Duration left = Duration.ofNanos(Math.max(0, deadline - System.nanoTime()));
      if (!informer.waitForCacheSync(left)) {
        return false;
      }
    }
    return true;
  }

  @Override
  public synchronized void close() {
    closed = true;
    informers.values().forEach(SharedInformer::close);
  }
}
