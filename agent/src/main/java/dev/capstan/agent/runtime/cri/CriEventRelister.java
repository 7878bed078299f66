package dev.capstan.agent.runtime.cri;

import dev.capstan.agent.runtime.ContainerEvent;
import dev.capstan.agent.runtime.ContainerState;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.LongConsumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Container lifecycle events from periodic relisting, for runtimes without an event stream (like
 * kubelet's PLEG). Every period it lists the containers and compares them with the previous list:
 * a new container is CREATED (and STARTED if it already runs), a state change to RUNNING is
 * STARTED, to EXITED is STOPPED, and a vanished container is DELETED.
 *
 * <p>It relists only while someone is subscribed; the first list after the first subscription is
 * the baseline and produces no events. A failed list (runtime restarting) is logged and skipped,
 * so events of that period arrive with the next successful list.
 *
 * <p>Public so that other runtimes without an event stream (Podman's) relist the same way.
 */
public final class CriEventRelister implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(CriEventRelister.class);

  /** What one relist sees of a container. */
  public record Observed(String id, String sandboxId, ContainerState state, Map<String, String> labels) {}

  private final Supplier<List<Observed>> lister;
  private final Clock clock;
  private final Duration period;
  private final List<Consumer<ContainerEvent>> listeners = new CopyOnWriteArrayList<>();
  private ScheduledExecutorService executor;
  private ScheduledFuture<?> task;
  private final Object relistLock = new Object();
  private Map<String, Observed> previous;
  private volatile LongConsumer relistObserver = nanos -> { };
  private boolean closed;

  public CriEventRelister(Supplier<List<Observed>> lister, Clock clock, Duration period) {
    if (period.isNegative() || period.isZero()) {
      throw new IllegalArgumentException("relistPeriod: must be positive, got " + period);
    }
    this.lister = lister;
    this.clock = clock;
    this.period = period;
  }

  public synchronized AutoCloseable subscribe(Consumer<ContainerEvent> listener) {
    if (closed) {
      throw new IllegalStateException("runtime is closed");
    }
    listeners.add(listener);
    if (task == null) {
      executor = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "cri-relist");
        t.setDaemon(true);
        return t;
      });
      task = executor.scheduleWithFixedDelay(this::relist, 0, period.toMillis(), TimeUnit.MILLISECONDS);
    }
    return () -> listeners.remove(listener);
  }

  /**
   * One relist; package-private so tests can drive it beside the schedule. Relists run one at a
   * time: two at once would diff against the same baseline and report changes twice, or backwards.
   */
  void relist() {
    synchronized (relistLock) {
      long start = System.nanoTime();
      try {
        relistOnce();
      } finally {
        relistObserver.accept(System.nanoTime() - start);
      }
    }
  }

  /** Tells {@code observer} how long each relist took, listing and events included (kubelet's PLEG relist time). */
  public void observeRelists(LongConsumer observer) {
    relistObserver = java.util.Objects.requireNonNull(observer, "observer");
  }

  private void relistOnce() {
    List<Observed> now;
    try {
      now = lister.get();
    } catch (RuntimeException e) {
      log.debug("relisting containers failed: {}", e.toString());
      return;
    }
    Map<String, Observed> current = new HashMap<>();
    now.forEach(o -> current.put(o.id(), o));
    Map<String, Observed> before = previous;
    previous = current;
    if (before == null) {
      return;
    }
    for (Observed o : now) {
      Observed old = before.get(o.id());
      if (old == null) {
        fire(o, ContainerEvent.Type.CREATED);
        if (o.state() == ContainerState.RUNNING) {
          fire(o, ContainerEvent.Type.STARTED);
        } else if (o.state() == ContainerState.EXITED) {
          fire(o, ContainerEvent.Type.STOPPED);
        }
      } else if (old.state() != o.state()) {
        if (o.state() == ContainerState.RUNNING) {
          fire(o, ContainerEvent.Type.STARTED);
        } else if (o.state() == ContainerState.EXITED) {
          fire(o, ContainerEvent.Type.STOPPED);
        }
      }
    }
    for (Observed old : before.values()) {
      if (!current.containsKey(old.id())) {
        fire(old, ContainerEvent.Type.DELETED);
      }
    }
  }

  private void fire(Observed o, ContainerEvent.Type type) {
    ContainerEvent event = new ContainerEvent(o.id(), o.sandboxId(), type, o.labels(), clock.instant());
    for (Consumer<ContainerEvent> l : listeners) {
      try {
        l.accept(event);
      } catch (RuntimeException e) {
        log.warn("container event listener failed on {}", event, e);
      }
    }
  }

  @Override
  public synchronized void close() {
    closed = true;
    if (executor != null) {
      executor.shutdownNow();
    }
  }
}
