package dev.capstan.client.events;

import com.google.protobuf.Message;
import com.google.protobuf.Timestamp;
import dev.capstan.api.core.v1.Event;
import dev.capstan.api.core.v1.EventSource;
import dev.capstan.api.meta.v1.ObjectMeta;
import dev.capstan.api.meta.v1.ObjectReference;
import dev.capstan.client.CapstanClient;
import dev.capstan.client.Kind;
import dev.capstan.client.Kinds;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records Kubernetes-style Events about API objects, as Kubernetes' event recorder does.
 *
 * <p>Contract:
 * <ul>
 *   <li>{@link #event} never blocks: it puts the event on a bounded queue that one background
 *       thread writes to the apiserver. When the queue is full the event is dropped with a log line
 *       (events are best effort and must never slow down the component that records them).
 *   <li>Repeats of the same event (same involved object incl. uid, type, reason and message)
 *       update the Event object already written: {@code count} + 1 and a new {@code lastTimestamp},
 *       instead of creating a new object each time.
 *   <li>An Event is named {@code <object-name>.<unique hex suffix>} and lives in the object's
 *       namespace, or in "default" for cluster-scoped objects such as Nodes.
 *   <li>{@link #close} writes what is already queued (for up to a few seconds), then stops.
 * </ul>
 */
public final class EventRecorder implements AutoCloseable {
  public static final String NORMAL = "Normal";
  public static final String WARNING = "Warning";

  static final int DEFAULT_QUEUE_CAPACITY = 1000;
  static final int MAX_REMEMBERED_EVENTS = 4096;
  private static final int MAX_ATTEMPTS = 3;
  private static final long CLOSE_DRAIN_MILLIS = 5_000;
  private static final Set<Status.Code> RETRYABLE =
      Set.of(Status.Code.UNAVAILABLE, Status.Code.DEADLINE_EXCEEDED, Status.Code.RESOURCE_EXHAUSTED);
  private static final Logger log = LoggerFactory.getLogger(EventRecorder.class);

  /** One event waiting to be written; {@code STOP} tells the writer to finish. */
  private record PendingEvent(ObjectReference involvedObject, String type, String reason,
      String message, Instant time) {}

  /** What makes two events "the same" for aggregation. */
  private record AggregationKey(String apiVersion, String kind, String namespace, String name,
      String uid, String type, String reason, String message) {}

  private static final PendingEvent STOP = new PendingEvent(null, "", "", "", Instant.EPOCH);

  private final EventSink sink;
  private final String component;
  private final String host;
  private final Clock clock;
  private final BlockingQueue<PendingEvent> queue;
  private final Thread writer;
  private final Map<AggregationKey, Event> written =
      new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<AggregationKey, Event> eldest) {
          return size() > MAX_REMEMBERED_EVENTS;
        }
      };
  private volatile boolean closed;
  private long lastSuffixNanos;

  /**
   * @param component the reporting component, e.g. "default-scheduler" (Event source.component)
   * @param host the host the component runs on (Event source.host); may be empty
   */
  public EventRecorder(CapstanClient client, String component, String host, Clock clock) {
    this(new ApiEventSink(Objects.requireNonNull(client, "client").events()), component, host, clock,
        DEFAULT_QUEUE_CAPACITY);
  }

  EventRecorder(EventSink sink, String component, String host, Clock clock, int queueCapacity) {
    if (component == null || component.isBlank()) {
      throw new IllegalArgumentException("component: required");
    }
    if (queueCapacity < 1) {
      throw new IllegalArgumentException("queueCapacity: must be positive, got " + queueCapacity);
    }
    this.sink = sink;
    this.component = component;
    this.host = host == null ? "" : host;
    this.clock = Objects.requireNonNull(clock, "clock");
    this.queue = new ArrayBlockingQueue<>(queueCapacity);
    this.writer = new Thread(this::writeLoop, "event-recorder-" + component);
    this.writer.setDaemon(true);
    this.writer.start();
  }

  /**
   * Records an event about {@code involvedObject} (any resource kind known to {@link Kinds}).
   *
   * @param type {@link #NORMAL} or {@link #WARNING}
   * @param reason a short UpperCamelCase reason, e.g. "Scheduled"
   * @param message a human-readable description
   */
  public void event(Message involvedObject, String type, String reason, String message) {
    Objects.requireNonNull(involvedObject, "involvedObject");
    if (!NORMAL.equals(type) && !WARNING.equals(type)) {
      throw new IllegalArgumentException("type: must be Normal or Warning, got \"" + type + "\"");
    }
    if (reason == null || reason.isBlank()) {
      throw new IllegalArgumentException("reason: required");
    }
    ObjectReference ref = referenceTo(involvedObject);
    if (closed) {
      log.debug("event recorder closed; dropping {} event for {}/{}", reason, ref.getKind(), ref.getName());
      return;
    }
    PendingEvent pending = new PendingEvent(ref, type, reason, message == null ? "" : message, clock.instant());
    if (!queue.offer(pending)) {
      log.warn("event queue full ({} events); dropping {} event for {} {}/{}: {}", queue.size(), reason,
          ref.getKind(), ref.getNamespace(), ref.getName(), message);
    }
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      // A full queue makes room as the writer drains it; give up only after the drain deadline.
      long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(CLOSE_DRAIN_MILLIS);
      if (queue.offer(STOP, CLOSE_DRAIN_MILLIS, TimeUnit.MILLISECONDS)) {
        writer.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
      }
      if (writer.isAlive()) {
        log.warn("event recorder for {} did not drain {} queued events in time; dropping them", component,
            queue.size());
        writer.interrupt();
        writer.join(CLOSE_DRAIN_MILLIS);
      }
    } catch (InterruptedException e) {
      writer.interrupt();
      Thread.currentThread().interrupt();
    }
  }

  static ObjectReference referenceTo(Message object) {
    @SuppressWarnings("unchecked")
    Kind<Message> kind = (Kind<Message>) Kinds.of(object.getClass());
    ObjectMeta meta = kind.metadata(object);
    if (meta.getName().isEmpty()) {
      throw new IllegalArgumentException("involvedObject.metadata.name: required");
    }
    return ObjectReference.newBuilder()
        .setApiVersion(kind.apiVersion())
        .setKind(kind.kind())
        .setNamespace(meta.getNamespace())
        .setName(meta.getName())
        .setUid(meta.getUid())
        .setResourceVersion(meta.getResourceVersion())
        .build();
  }

  private void writeLoop() {
    while (true) {
      PendingEvent pending;
      try {
        pending = queue.take();
      } catch (InterruptedException e) {
        return;
      }
      if (pending == STOP) {
        return;
      }
      try {
        write(pending);
      } catch (InterruptedException e) {
        return;
      } catch (RuntimeException e) {
        log.warn("could not record {} event for {} {}/{}: {}", pending.reason(), pending.involvedObject().getKind(),
            pending.involvedObject().getNamespace(), pending.involvedObject().getName(), e.toString());
      }
    }
  }

  private void write(PendingEvent pending) throws InterruptedException {
    ObjectReference ref = pending.involvedObject();
    AggregationKey key = new AggregationKey(ref.getApiVersion(), ref.getKind(), ref.getNamespace(),
        ref.getName(), ref.getUid(), pending.type(), pending.reason(), pending.message());
    Timestamp time = timestamp(pending.time());
    Event previous = written.get(key);
    if (previous != null) {
      Event repeated = previous.toBuilder().setCount(previous.getCount() + 1).setLastTimestamp(time).build();
      try {
        written.put(key, withRetries(() -> sink.update(repeated)));
        return;
      } catch (StatusRuntimeException e) {
        Status.Code code = e.getStatus().getCode();
        if (code != Status.Code.NOT_FOUND && code != Status.Code.ABORTED) {
          throw e;
        }
        // Deleted or changed by someone else meanwhile: start a new object that keeps the count.
        written.put(key, createNew(repeated.toBuilder().clearMetadata().build(), ref));
        return;
      }
    }
    Event fresh = Event.newBuilder()
        .setInvolvedObject(ref)
        .setType(pending.type())
        .setReason(pending.reason())
        .setMessage(pending.message())
        .setSource(EventSource.newBuilder().setComponent(component).setHost(host))
        .setReportingComponent(component)
        .setReportingInstance(host)
        .setFirstTimestamp(time)
        .setLastTimestamp(time)
        .setCount(1)
        .build();
    written.put(key, createNew(fresh, ref));
  }

  /** Creates {@code event} under a fresh unique name, retrying once with a new name on a clash. */
  private Event createNew(Event event, ObjectReference ref) throws InterruptedException {
    String namespace = ref.getNamespace().isEmpty() ? "default" : ref.getNamespace();
    for (int attempt = 0; ; attempt++) {
      ObjectMeta meta = ObjectMeta.newBuilder().setNamespace(namespace).setName(ref.getName() + "." + nextSuffix())
          .build();
      Event named = event.toBuilder().setMetadata(meta).build();
      try {
        return withRetries(() -> sink.create(named));
      } catch (StatusRuntimeException e) {
        if (e.getStatus().getCode() != Status.Code.ALREADY_EXISTS || attempt > 0) {
          throw e;
        }
      }
    }
  }

  private Event withRetries(java.util.function.Supplier<Event> call) throws InterruptedException {
    for (int attempt = 1; ; attempt++) {
      try {
        return call.get();
      } catch (StatusRuntimeException e) {
        if (attempt >= MAX_ATTEMPTS || !RETRYABLE.contains(e.getStatus().getCode())) {
          throw e;
        }
        // A short pause rides out an apiserver restart or leader change; close() interrupts it.
        Thread.sleep(200L * attempt);
      }
    }
  }

  /** Hex of the clock's nanoseconds, as Kubernetes names events, made strictly increasing. */
  private String nextSuffix() {
    Instant now = clock.instant();
    long nanos = now.getEpochSecond() * 1_000_000_000L + now.getNano();
    lastSuffixNanos = Math.max(nanos, lastSuffixNanos + 1);
    return Long.toHexString(lastSuffixNanos);
  }

  private static Timestamp timestamp(Instant instant) {
    return Timestamp.newBuilder().setSeconds(instant.getEpochSecond()).setNanos(instant.getNano()).build();
  }
}
