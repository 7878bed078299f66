package dev.capstan.client.events;

import dev.capstan.api.core.v1.Event;
import io.grpc.Status;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;

/**
 * A fake Events API: stores events by namespace/name with resourceVersions, and records every
 * call. {@link #blockUntil} makes the next calls wait on a latch, to fill the recorder's queue.
 */
final class RecordingEventSink implements EventSink {
  final Map<String, Event> stored = new ConcurrentHashMap<>();
  final List<String> calls = new CopyOnWriteArrayList<>();
  final CountDownLatch entered = new CountDownLatch(1);
  private volatile CountDownLatch gate = new CountDownLatch(0);
  private long revision;

  void blockUntil(CountDownLatch gate) {
    this.gate = gate;
  }

  @Override
  public Event create(Event event) {
    awaitGate();
    String key = key(event);
    synchronized (this) {
      calls.add("create " + key);
      if (stored.containsKey(key)) {
        throw Status.ALREADY_EXISTS.asRuntimeException();
      }
      Event saved = withVersion(event);
      stored.put(key, saved);
      return saved;
    }
  }

  @Override
  public Event update(Event event) {
    awaitGate();
    String key = key(event);
    synchronized (this) {
      calls.add("update " + key);
      Event current = stored.get(key);
      if (current == null) {
        throw Status.NOT_FOUND.asRuntimeException();
      }
      if (!current.getMetadata().getResourceVersion().equals(event.getMetadata().getResourceVersion())) {
        throw Status.ABORTED.asRuntimeException();
      }
      Event saved = withVersion(event);
      stored.put(key, saved);
      return saved;
    }
  }

  private void awaitGate() {
    entered.countDown();
    try {
      gate.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw Status.CANCELLED.asRuntimeException();
    }
  }

  private Event withVersion(Event event) {
    revision++;
    return event.toBuilder()
        .setMetadata(event.getMetadata().toBuilder().setResourceVersion(Long.toString(revision)))
        .build();
  }

  private static String key(Event e) {
    return e.getMetadata().getNamespace() + "/" + e.getMetadata().getName();
  }
}
